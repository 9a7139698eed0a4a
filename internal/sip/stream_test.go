package sip

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// A call over TLS on both sides: the ACK to the 2xx and the BYE reach UM on
// the connection the INVITE went on, each with the relay's stateless Via
// over TLS on top and Max-Forwards decremented; UM's 200 to the BYE comes
// back to the caller with only the caller's Via. An INVITE repeated after
// the 2xx (same branch, as a peer retransmitting on a stream would send it)
// goes nowhere. relay_stream_fast_path_total counts each of the four once.
func TestTLSCallFastPath(t *testing.T) {
	r, addr, uas := tlsRelay(t)
	k := dialTLSCaller(t, addr)
	ruri := "sip:+4790000001@" + addr
	invite := k.request("INVITE", ruri, "<"+ruri+">", "fast-1", "fast-1-inv", 1)
	k.send(t, invite)
	in := uas.next(t, 5*time.Second)
	if !strings.HasPrefix(in.first(), "INVITE ") {
		t.Fatalf("UM got first:\n%s", in.text)
	}
	res := k.final(t, 5*time.Second)
	if !strings.HasPrefix(res.text, "SIP/2.0 200 OK\r\n") || len(res.headers("Via")) != 1 {
		t.Fatalf("the caller got:\n%s", res.text)
	}
	to := res.header("To", "t")

	k.send(t, k.request("ACK", ruri, to, "fast-1", "fast-1-inv", 1))
	ack := uas.next(t, 5*time.Second)
	statelessOverTLS(t, ack, "ACK", addr, in.conn)

	k.send(t, invite) // a retransmission, after the 2xx
	uas.quiet(t, 500*time.Millisecond)

	k.send(t, k.request("BYE", ruri, to, "fast-1", "fast-1-bye", 2))
	bye := uas.next(t, 5*time.Second)
	statelessOverTLS(t, bye, "BYE", addr, in.conn)
	res = k.final(t, 5*time.Second)
	if !strings.HasPrefix(res.text, "SIP/2.0 200 OK\r\n") || res.header("CSeq", "") != "2 BYE" ||
		len(res.headers("Via")) != 1 || !strings.Contains(res.header("Via", "v"), "branch=z9hG4bK-fast-1-bye") {
		t.Fatalf("the caller got for its BYE:\n%s", res.text)
	}
	select {
	case m := <-k.got:
		t.Fatalf("the caller got more:\n%s", m.text)
	case <-time.After(200 * time.Millisecond):
	}
	for kind, name := range fastNames {
		if n := r.Metrics.fast[kind].Load(); n != 1 {
			t.Errorf("relay_stream_fast_path_total{message=%q} %d, want 1", name, n)
		}
	}
}

// statelessOverTLS checks a request that reached UM on the fast path: on the
// INVITE's connection, the relay's stateless TLS Via on top of the caller's,
// Max-Forwards 69.
func statelessOverTLS(t *testing.T, m wireMsg, method, relay string, conn int) {
	t.Helper()
	vias := m.headers("Via")
	if !strings.HasPrefix(m.first(), method+" ") || len(vias) != 2 || m.header("Max-Forwards", "") != "69" {
		t.Fatalf("UM got:\n%s", m.text)
	}
	if want := "Via: SIP/2.0/TLS " + relay + ";branch=" + statelessBranch; !strings.HasPrefix(vias[0], want) {
		t.Fatalf("top Via %q, want %s…", vias[0], want)
	}
	if m.conn != conn {
		t.Fatalf("the %s came on UM's connection %d, the INVITE on %d", method, m.conn, conn)
	}
}

// answeredTLSCall sets up a relay over TLS, places call id through it, and
// acknowledges UM's 200: it returns the relay's address, UM, the caller,
// the INVITE as UM got it and the caller's To (with UM's tag).
func answeredTLSCall(t *testing.T, id string) (string, *tlsUAS, *tlsCaller, wireMsg, string) {
	t.Helper()
	_, addr, uas := tlsRelay(t)
	k := dialTLSCaller(t, addr)
	ruri := "sip:+4790000001@" + addr
	k.send(t, k.request("INVITE", ruri, "<"+ruri+">", id, id+"-inv", 1))
	in := uas.next(t, 5*time.Second)
	to := k.final(t, 5*time.Second).header("To", "t")
	k.send(t, k.request("ACK", ruri, to, id, id+"-ack", 1))
	uas.next(t, 5*time.Second)
	return addr, uas, k, in, to
}

// UM hangs up (after the voicemail is left): its BYE, on the connection the
// call came on, reaches the caller on the caller's connection, and the
// caller's 200 goes back to UM the same way.
func TestTLSByeFromUM(t *testing.T) {
	addr, uas, k, in, to := answeredTLSCall(t, "um-bye")

	bye := fmt.Sprintf("BYE sip:caller@%s;transport=tls SIP/2.0\r\nVia: SIP/2.0/TLS %s;branch=z9hG4bK-um-1\r\nMax-Forwards: 70\r\n"+
		"From: %s\r\nTo: %s\r\nCall-ID: um-bye\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n", k.local, uas.addr, to, in.header("From", "f"))
	uas.send(t, in.conn, bye)
	var got wireMsg
	select {
	case got = <-k.got:
	case <-time.After(5 * time.Second):
		t.Fatal("UM's BYE did not reach the caller")
	}
	vias := got.headers("Via")
	if !strings.HasPrefix(got.first(), "BYE ") || len(vias) != 2 || !strings.HasPrefix(vias[0], "Via: SIP/2.0/TLS "+addr+";branch="+statelessBranch) {
		t.Fatalf("the caller got:\n%s", got.text)
	}
	var ok strings.Builder
	ok.WriteString("SIP/2.0 200 OK\r\n")
	for _, v := range vias {
		ok.WriteString(v + "\r\n")
	}
	fmt.Fprintf(&ok, "From: %s\r\nTo: %s\r\nCall-ID: um-bye\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n", got.header("From", "f"), got.header("To", "t"))
	k.send(t, ok.String())
	res := uas.next(t, 5*time.Second)
	if !strings.HasPrefix(res.text, "SIP/2.0 200 OK\r\n") || len(res.headers("Via")) != 1 || !strings.Contains(res.header("Via", "v"), "branch=z9hG4bK-um-1") || res.conn != in.conn {
		t.Fatalf("UM got (connection %d, the call's %d):\n%s", res.conn, in.conn, res.text)
	}
}

// A BYE for a call the relay does not know takes the transaction path: it
// reaches the first hop with a transaction Via, and the answer comes back.
func TestTLSByeUnknownDialog(t *testing.T) {
	_, addr, uas := tlsRelay(t)
	k := dialTLSCaller(t, addr)
	ruri := "sip:um@" + uas.addr
	k.send(t, k.request("BYE", ruri, "<"+ruri+">;tag=x", "unknown-dialog", "unknown-1", 2))
	bye := uas.next(t, 5*time.Second)
	if vias := bye.headers("Via"); !strings.HasPrefix(bye.first(), "BYE ") || len(vias) != 2 || !strings.Contains(vias[0], ";branch="+loopBranch) {
		t.Fatalf("UM got:\n%s", bye.text)
	}
	if res := k.final(t, 5*time.Second); !strings.HasPrefix(res.text, "SIP/2.0 200 OK\r\n") {
		t.Fatalf("the caller got:\n%s", res.text)
	}
}

// Over TLS the relay sends no 100 Trying of its own, but sipgo's transaction
// does when nothing else has gone to the caller within 200 ms: a call held
// for a second (no ringing) gets 100 Trying first, then the 200.
func TestTLSTryingWhileHeld(t *testing.T) {
	_, addr, _ := tlsRelay(t, func(c *Config) {
		c.Presence.Source, c.Hold, c.Ringing = "always-hold", Duration(time.Second), new(bool)
	})
	k := dialTLSCaller(t, addr)
	ruri := "sip:+4790000001@" + addr
	k.send(t, k.request("INVITE", ruri, "<"+ruri+">", "held-tls", "held-tls-1", 1))
	var first wireMsg
	select {
	case first = <-k.got:
	case <-time.After(5 * time.Second):
		t.Fatal("nothing came back")
	}
	if first.first() != "SIP/2.0 100 Trying" {
		t.Fatalf("the caller got first:\n%s", first.text)
	}
	if res := k.final(t, 5*time.Second); !strings.HasPrefix(res.text, "SIP/2.0 200 OK\r\n") {
		t.Fatalf("then:\n%s", res.text)
	}
}

// UM closes the connection the call came on: the caller's BYE then goes to
// UM on a new connection, and UM's 200 comes back to the caller by the Via.
func TestTLSByeAfterUMClosed(t *testing.T) {
	addr, uas, k, in, to := answeredTLSCall(t, "um-closed")
	ruri := "sip:+4790000001@" + addr

	uas.hangUp(t, in.conn, 5*time.Second) // returns once the relay has closed the connection too
	k.send(t, k.request("BYE", ruri, to, "um-closed", "um-closed-bye", 2))
	bye := uas.next(t, 5*time.Second)
	if !strings.HasPrefix(bye.first(), "BYE ") || bye.conn == in.conn {
		t.Fatalf("UM got on connection %d (the call's was %d):\n%s", bye.conn, in.conn, bye.text)
	}
	res := k.final(t, 5*time.Second)
	if !strings.HasPrefix(res.text, "SIP/2.0 200 OK\r\n") || res.header("CSeq", "") != "2 BYE" || len(res.headers("Via")) != 1 {
		t.Fatalf("the caller got for its BYE:\n%s", res.text)
	}
}
