package sip

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/sipptest"
)

// A BYE over UDP is forwarded without a transaction: the relay's Via on top
// (a branch derived from the caller's, so a retransmission carries the same
// one), received/rport marked on the caller's Via, Max-Forwards decremented;
// each copy of the BYE goes on, and UM's 200 goes back to the address the
// caller's Via names, with only the caller's Via left.
func TestStatelessBye(t *testing.T) {
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Presence.Source = "never-hold"
	startRelay(t, cfg)
	um := udpPeer(t, umPort)
	caller := udpPeer(t, 0)
	relay := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: relayPort}
	callerPort := caller.LocalAddr().(*net.UDPAddr).Port

	// The caller claims a sent-by it is not sending from, and asks for rport.
	bye := fmt.Sprintf("BYE sip:um@127.0.0.1:%d SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 192.0.2.7:5099;branch=z9hG4bK-caller-1;rport\r\n"+
		"From: <sip:+4722334455@192.0.2.7>;tag=a\r\nTo: <sip:um@127.0.0.1>;tag=b\r\n"+
		"Call-ID: stateless-bye-1\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", umPort)
	var branches []string
	for range 2 { // the second is a retransmission
		if _, err := caller.WriteTo([]byte(bye), relay); err != nil {
			t.Fatal(err)
		}
		got := readMsg(t, um)
		vias := regexp.MustCompile(`(?m)^Via: (.*)\r$`).FindAllStringSubmatch(got, -1)
		if len(vias) != 2 || !strings.Contains(got, "\r\nMax-Forwards: 69\r\n") {
			t.Fatalf("UM got:\n%s", got)
		}
		if !strings.HasPrefix(vias[0][1], fmt.Sprintf("SIP/2.0/UDP 127.0.0.1:%d;branch=%s", relayPort, statelessBranch)) {
			t.Fatalf("top Via %q is not the relay's stateless Via", vias[0][1])
		}
		if want := fmt.Sprintf("rport=%d;received=127.0.0.1", callerPort); !strings.Contains(vias[1][1], want) {
			t.Fatalf("caller's Via %q lacks %s", vias[1][1], want)
		}
		branches = append(branches, vias[0][1])
	}
	if branches[0] != branches[1] {
		t.Fatalf("a retransmission got another branch: %q, %q", branches[0], branches[1])
	}

	// UM answers to the relay, echoing the Vias as a UAS does.
	last := branches[1]
	res := fmt.Sprintf("SIP/2.0 200 OK\r\nVia: %s\r\nVia: SIP/2.0/UDP 192.0.2.7:5099;branch=z9hG4bK-caller-1;rport=%d;received=127.0.0.1\r\n"+
		"From: <sip:+4722334455@192.0.2.7>;tag=a\r\nTo: <sip:um@127.0.0.1>;tag=b\r\nCall-ID: stateless-bye-1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", last, callerPort)
	if _, err := um.WriteTo([]byte(res), relay); err != nil {
		t.Fatal(err)
	}
	got := readMsg(t, caller)
	if !strings.HasPrefix(got, "SIP/2.0 200 OK\r\n") || strings.Count(got, "\r\nVia: ") != 1 || !strings.Contains(got, "branch=z9hG4bK-caller-1") {
		t.Fatalf("the caller got:\n%s", got)
	}
}

func udpPeer(t *testing.T, port int) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

func readMsg(t *testing.T, pc net.PacketConn) string {
	t.Helper()
	buf := make([]byte, 65535)
	_ = pc.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatalf("nothing arrived at %s: %v", pc.LocalAddr(), err)
	}
	return string(buf[:n])
}

// The ACK to UM's 2xx goes on statelessly (the relay's Via, a derived
// branch); the ACK to a non-2xx answer stays hop by hop: the relay's INVITE
// server transaction takes the caller's, and UM gets only the relay's own ACK,
// on the branch of the INVITE it received.
func TestStatelessAck(t *testing.T) {
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Presence.Source = "never-hold"
	startRelay(t, cfg)
	um, caller := udpPeer(t, umPort), udpPeer(t, 0)
	relay := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: relayPort}
	callerAddr := caller.LocalAddr().String()
	send := func(pc net.PacketConn, msg string) {
		t.Helper()
		if _, err := pc.WriteTo([]byte(msg), relay); err != nil {
			t.Fatal(err)
		}
	}
	topBranch := func(msg string) string {
		m := regexp.MustCompile(`(?m)^Via: [^\r]*;branch=([^;\r]+)`).FindStringSubmatch(msg)
		if m == nil {
			t.Fatalf("no Via branch in:\n%s", msg)
		}
		return m[1]
	}
	for _, tc := range []struct {
		status   string
		stateful bool // the caller's ACK ends at the relay
	}{{"200 OK", false}, {"486 Busy Here", true}} {
		callID := "stateless-ack-" + tc.status[:3]
		head := fmt.Sprintf("Via: SIP/2.0/UDP %s;branch=z9hG4bK-inv-%s\r\nFrom: <sip:+4722334455@127.0.0.1>;tag=a\r\nTo: <sip:+4790000001@127.0.0.1>%%s\r\n"+
			"Call-ID: %s\r\nCSeq: 1 %%s\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", callerAddr, callID, callID)
		send(caller, fmt.Sprintf("INVITE sip:+4790000001@127.0.0.1 SIP/2.0\r\nContact: <sip:%s>\r\n", callerAddr)+fmt.Sprintf(head, "", "INVITE"))
		inv := readMsg(t, um)
		vias := strings.Join(regexp.MustCompile(`(?m)^Via: [^\r]*\r\n`).FindAllString(inv, -1), "")
		send(um, fmt.Sprintf("SIP/2.0 %s\r\n%sFrom: <sip:+4722334455@127.0.0.1>;tag=a\r\nTo: <sip:+4790000001@127.0.0.1>;tag=um\r\n"+
			"Call-ID: %s\r\nCSeq: 1 INVITE\r\nContact: <sip:127.0.0.1:%d>\r\nContent-Length: 0\r\n\r\n", tc.status, vias, callID, umPort))
		for got := readMsg(t, caller); !strings.HasPrefix(got, "SIP/2.0 "+tc.status[:3]); got = readMsg(t, caller) {
		} // 100 Trying first
		ackBranch := "z9hG4bK-ack-" + callID
		if tc.stateful {
			ackBranch = "z9hG4bK-inv-" + callID // RFC 3261 §17.1.1.3: the INVITE's own Via
		}
		send(caller, fmt.Sprintf("ACK sip:127.0.0.1:%d SIP/2.0\r\n", umPort)+
			strings.Replace(fmt.Sprintf(head, ";tag=um", "ACK"), "branch=z9hG4bK-inv-"+callID, "branch="+ackBranch, 1))
		ack := readMsg(t, um)
		if !strings.HasPrefix(ack, "ACK ") {
			t.Fatalf("UM got, instead of an ACK:\n%s", ack)
		}
		b := topBranch(ack)
		if tc.stateful {
			if b != topBranch(inv) {
				t.Fatalf("the ACK to a %s reached UM as:\n%s", tc.status, ack)
			}
		} else if !strings.HasPrefix(b, statelessBranch) || !strings.Contains(ack, ackBranch) || !strings.Contains(ack, "\r\nMax-Forwards: 69\r\n") {
			t.Fatalf("the ACK to a 2xx reached UM as:\n%s", ack)
		}
		_ = um.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
		if n, _, err := um.ReadFrom(make([]byte, 65535)); err == nil {
			t.Fatalf("UM got one more message (%d bytes) after the ACK", n)
		}
	}
}

// A re-INVITE (To-tag) is never held and goes, To-tag intact, to the UM that
// answered the call, not to the first next hop.
func TestReInviteFollowsDialog(t *testing.T) {
	relayPort, umA, umB := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, umA, umB)
	cfg.Hold = Duration(2 * time.Second)
	cfg.Presence.Source = "always-hold"
	startRelay(t, cfg)
	a, b, caller := udpPeer(t, umA), udpPeer(t, umB), udpPeer(t, 0)
	relay := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: relayPort}
	send := func(pc net.PacketConn, msg string) {
		t.Helper()
		if _, err := pc.WriteTo([]byte(msg), relay); err != nil {
			t.Fatal(err)
		}
	}
	answer := func(pc net.PacketConn, req, status string) {
		vias := strings.Join(regexp.MustCompile(`(?m)^Via: [^\r]*\r\n`).FindAllString(req, -1), "")
		cseq := regexp.MustCompile(`(?m)^CSeq: [^\r]*\r\n`).FindString(req)
		send(pc, fmt.Sprintf("SIP/2.0 %s\r\n%sFrom: <sip:+4722334455@127.0.0.1>;tag=a\r\nTo: <sip:+4790000001@127.0.0.1>;tag=um\r\n"+
			"Call-ID: reinvite-1\r\n%sContact: <sip:127.0.0.1:%d>\r\nContent-Length: 0\r\n\r\n", status, vias, cseq, umB))
	}
	invite := func(branch, toTag string, cseq int) string {
		return fmt.Sprintf("INVITE sip:+4790000001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-%s\r\n"+
			"From: <sip:+4722334455@127.0.0.1>;tag=a\r\nTo: <sip:+4790000001@127.0.0.1>%s\r\nCall-ID: reinvite-1\r\nCSeq: %d INVITE\r\n"+
			"Contact: <sip:%s>\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", caller.LocalAddr(), branch, toTag, cseq, caller.LocalAddr())
	}
	untilStatus := func(code string) {
		t.Helper()
		for got := readMsg(t, caller); !strings.HasPrefix(got, "SIP/2.0 "+code); got = readMsg(t, caller) {
		}
	}

	send(caller, invite("first", "", 1)) // held 2 s, then A refuses and B answers
	answer(a, readMsg(t, a), "503 Service Unavailable")
	answer(b, readMsg(t, b), "200 OK")
	untilStatus("200")

	start := time.Now()
	send(caller, invite("second", ";tag=um", 2))
	re := readMsg(t, b)
	if d := time.Since(start); d > time.Second {
		t.Fatalf("the re-INVITE took %v: it was held", d)
	}
	if !strings.HasPrefix(re, "INVITE ") || !strings.Contains(re, "\r\nTo: <sip:+4790000001@127.0.0.1>;tag=um\r\n") || !strings.Contains(re, "CSeq: 2 INVITE") {
		t.Fatalf("UM B got:\n%s", re)
	}
	answer(b, re, "200 OK")
	untilStatus("200")
	_ = a.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	buf := make([]byte, 65535)
	for {
		n, _, err := a.ReadFrom(buf)
		if err != nil {
			break
		}
		if strings.Contains(string(buf[:n]), "CSeq: 2 INVITE") {
			t.Fatal("the re-INVITE reached UM A")
		}
	}
}
