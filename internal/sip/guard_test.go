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

// badPackets are one-packet crashes and protocol errors from issue #14, with
// the status line the relay must answer ("" = no answer, only survive).
var badPackets = []struct {
	name, msg, want string
}{
	{"INVITE without Call-ID", "INVITE sip:100@{relay} SIP/2.0\r\nVia: SIP/2.0/{T} {caller};branch=z9hG4bK-x1\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", "SIP/2.0 400 Missing Call-ID"},
	{"INVITE without From", "INVITE sip:100@{relay} SIP/2.0\r\nVia: SIP/2.0/{T} {caller};branch=z9hG4bK-x2\r\nMax-Forwards: 70\r\nTo: <sip:100@x>\r\nCall-ID: nofrom\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", "SIP/2.0 400 Missing From"},
	{"INVITE without To", "INVITE sip:100@{relay} SIP/2.0\r\nVia: SIP/2.0/{T} {caller};branch=z9hG4bK-x3\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nCall-ID: noto\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", "SIP/2.0 400 Missing To"},
	{"BYE without Call-ID", "BYE sip:100@{relay} SIP/2.0\r\nVia: SIP/2.0/{T} {caller};branch=z9hG4bK-x4\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>;tag=2\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", "SIP/2.0 400 Missing Call-ID"},
	{"INFO without Call-ID", "INFO sip:100@{relay} SIP/2.0\r\nVia: SIP/2.0/{T} {caller};branch=z9hG4bK-x5\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>;tag=2\r\nCSeq: 3 INFO\r\nContent-Length: 0\r\n\r\n", "SIP/2.0 400 Missing Call-ID"},
	{"ACK without Call-ID", "ACK sip:100@{relay} SIP/2.0\r\nVia: SIP/2.0/{T} {caller};branch=z9hG4bK-x6\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>;tag=2\r\nCSeq: 1 ACK\r\nContent-Length: 0\r\n\r\n", ""},
	{"CANCEL without Call-ID", "CANCEL sip:100@{relay} SIP/2.0\r\nVia: SIP/2.0/{T} {caller};branch=z9hG4bK-x7\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>\r\nCSeq: 1 CANCEL\r\nContent-Length: 0\r\n\r\n", "SIP/2.0 400 Missing Call-ID"},
	{"Max-Forwards 0", "INVITE sip:100@{relay} SIP/2.0\r\nVia: SIP/2.0/{T} {caller};branch=z9hG4bK-x8\r\nMax-Forwards: 0\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>\r\nCall-ID: mf0\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", "SIP/2.0 483 Too Many Hops"},
	{"SIP/3.0", "INVITE sip:100@{relay} SIP/3.0\r\nVia: SIP/2.0/{T} {caller};branch=z9hG4bK-x9\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>\r\nCall-ID: v3\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", "SIP/2.0 505 Version Not Supported"},
	{"CSeq method mismatch", "INVITE sip:100@{relay} SIP/2.0\r\nVia: SIP/2.0/{T} {caller};branch=z9hG4bK-x10\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>\r\nCall-ID: cseq\r\nCSeq: 1 BYE\r\nContent-Length: 0\r\n\r\n", "SIP/2.0 400 CSeq Method Does Not Match"},
	{"INVITE without CSeq", "INVITE sip:100@{relay} SIP/2.0\r\nVia: SIP/2.0/{T} {caller};branch=z9hG4bK-x12\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>\r\nCall-ID: nocseq\r\nContent-Length: 0\r\n\r\n", "SIP/2.0 400 Missing CSeq"},
	{"junk", "\x00\x01 this is not SIP \xff\r\n\r\n", ""},
	{"response without To", "SIP/2.0 200 OK\r\nVia: SIP/2.0/{T} {caller};branch=z9hG4bK-x11\r\nFrom: <sip:a@x>;tag=1\r\nCall-ID: res\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", ""},
}

var statusLine = regexp.MustCompile(`(?m)^SIP/2\.0 [2-6]\d\d [^\r\n]*`)

// exchange sends one message from a fresh socket and returns the first final
// status line that comes back within wait ("" if none).
func exchange(t *testing.T, network, relay, msg string, wait time.Duration) string {
	t.Helper()
	return statusLine.FindString(exchangeMsg(t, network, relay, msg, wait))
}

// exchangeFull sends one message over UDP and returns the first final response, whole.
func exchangeFull(t *testing.T, relay, msg string) string {
	t.Helper()
	return exchangeMsg(t, "udp", relay, msg, 3*time.Second)
}

// exchangeMsg sends msg and returns what came back from its first final
// response on ("" if none came within wait).
func exchangeMsg(t *testing.T, network, relay, msg string, wait time.Duration) string {
	t.Helper()
	c, err := net.Dial(network, relay)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	msg = strings.NewReplacer("{relay}", relay, "{caller}", c.LocalAddr().String(), "{T}", strings.ToUpper(network)).Replace(msg)
	if _, err := c.Write([]byte(msg)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(wait))
	var got strings.Builder
	buf := make([]byte, 65535)
	for {
		n, err := c.Read(buf)
		got.Write(buf[:n])
		if i := statusLine.FindStringIndex(got.String()); i != nil {
			if end := strings.Index(got.String()[i[0]:], "\r\n\r\n"); end >= 0 {
				return got.String()[i[0]:]
			}
		}
		if err != nil {
			return ""
		}
	}
}

// The packets from the issue, over UDP and TCP, each answered as RFC 3261
// wants (or dropped); then the relay still completes normal calls over both.
func TestBadPacketsKeepServing(t *testing.T) {
	sipptest.Need(t)
	udpPort, tcpPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "tcp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(udpPort, umPort)
	cfg.Listen = append(cfg.Listen, fmt.Sprintf("tcp://127.0.0.1:%d", tcpPort))
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg)
	for _, network := range []string{"udp", "tcp"} {
		relay := fmt.Sprintf("127.0.0.1:%d", map[string]int{"udp": udpPort, "tcp": tcpPort}[network])
		for _, p := range badPackets {
			wait := 2 * time.Second
			if p.want == "" {
				wait = 300 * time.Millisecond
			}
			if got := exchange(t, network, relay, p.msg, wait); got != p.want {
				t.Errorf("%s over %s: got %q, want %q", p.name, network, got, p.want)
			}
		}
	}
	um := sipptest.UAS(t, umPort, sipptest.Scenario("uas_answer_check.xml"), 2)
	sipptest.Call(t, udpPort, sipptest.Scenario("uac_call.xml")).Wait(t, "a normal call over UDP")
	sipptest.Start(t, fmt.Sprintf("127.0.0.1:%d", tcpPort), "-sf", sipptest.Scenario("uac_call.xml"), "-t", "t1", "-i", "127.0.0.1",
		"-p", fmt.Sprint(sipptest.FreePort(t, "tcp")), "-m", "1").Wait(t, "a normal call over TCP")
	um.Wait(t, "UM")
	if n := r.Metrics.Panics(); n != 0 {
		t.Fatalf("%d panics recovered: each one is a bug", n)
	}
	var m strings.Builder
	r.Metrics.Write(&m)
	for _, want := range []string{`relay_requests_rejected_total{status="400"} 18`, `relay_requests_rejected_total{status="483"} 2`,
		`relay_requests_rejected_total{status="505"} 2`, "relay_panics_total 0", "go_memstats_heap_alloc_bytes "} {
		if !strings.Contains(m.String(), want) {
			t.Errorf("metrics lack %s:\n%s", want, m.String())
		}
	}
}

// Max-Forwards: decremented on the way to UM, 70 added where missing, and 1
// forwarded as 0 (the next hop answers 483), not refused as um_down.
func TestMaxForwards(t *testing.T) {
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Presence.Source = "never-hold"
	received := sipptest.ListenPeer(t, umPort, true).Received
	startRelay(t, cfg)
	relay := fmt.Sprintf("127.0.0.1:%d", relayPort)
	for i, tc := range []struct{ header, want string }{
		{"Max-Forwards: 70\r\n", "Max-Forwards: 69"}, {"Max-Forwards: 1\r\n", "Max-Forwards: 0"}, {"", "Max-Forwards: 70"},
	} {
		msg := fmt.Sprintf("INVITE sip:100@{relay} SIP/2.0\r\nVia: SIP/2.0/UDP {caller};branch=z9hG4bK-mf%d\r\n%sFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>\r\nCall-ID: mf-%d\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n", i, tc.header, i)
		if got := exchange(t, "udp", relay, msg, 3*time.Second); got != "SIP/2.0 200 OK" {
			t.Fatalf("%q: got %q", tc.header, got)
		}
		var invite string
		for _, m := range received() {
			if strings.HasPrefix(m, "INVITE ") && strings.Contains(m, fmt.Sprintf("Call-ID: mf-%d\r\n", i)) {
				invite = m
			}
		}
		if !strings.Contains(invite, tc.want+"\r\n") {
			t.Errorf("sent %q, UM got:\n%s\nwant %s", tc.header, invite, tc.want)
		}
	}
}

// A relay that is its own next hop: the INVITE comes back with the relay's
// own Via for the same request, is refused with 482, and the caller gets it.
func TestLoopDetected(t *testing.T) {
	relayPort := sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, relayPort)
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg)
	msg := "INVITE sip:100@{relay} SIP/2.0\r\nVia: SIP/2.0/UDP {caller};branch=z9hG4bK-loop\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>\r\nCall-ID: loop\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	if got := exchange(t, "udp", fmt.Sprintf("127.0.0.1:%d", relayPort), msg, 3*time.Second); got != "SIP/2.0 482 Loop Detected" {
		t.Fatalf("got %q, want 482", got)
	}
	var m strings.Builder
	r.Metrics.Write(&m)
	if !strings.Contains(m.String(), `relay_requests_rejected_total{status="482"} 1`) {
		t.Fatalf("the loop went round more than once:\n%s", m.String())
	}
}
