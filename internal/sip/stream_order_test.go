package sip

import (
	"net"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// UM's 180 and 200 to one INVITE in one TCP/TLS read: the filter leaves the
// 200 to sipgo behind the 180 (taking it would hand the caller the 200
// first); a 200 behind another call's message, or alone, is taken.
func TestStreamKeepsACallsOrderWithinARead(t *testing.T) {
	cfg := baseConfig(5060, 5070)
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	r, err := New(cfg, testLog(), &recorder{})
	if err != nil {
		t.Fatal(err)
	}
	a := &attempt{r: r, answered: make(chan *sip.Response, 1), branch: "z9hG4bK-order1"}
	r.attempts.Store(a.branch, a)
	um := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 8), Port: 5061}
	response := func(status, callID, branch string) string {
		return "SIP/2.0 " + status + "\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=" + branch + "\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>;tag=2\r\n" +
			"Call-ID: " + callID + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n"
	}
	ringing, ok := response("180 Ringing", "c1", a.branch), response("200 OK", "c1", a.branch)
	read := func(chunk string) string {
		t.Helper()
		r.streams.Delete(um)
		return string(r.streamFilter(tlsProps(um), []byte(chunk)))
	}

	if out := read(ringing + ok); out != ringing+ok || len(a.answered) != 0 {
		t.Fatalf("180 and 200 of one call in one read: the filter passed on %q and took %d", out, len(a.answered))
	}
	other := response("180 Ringing", "c2", "z9hG4bK-order2")
	if out := read(other + ok); out != other || len(a.answered) != 1 {
		t.Fatalf("another call's 180, then the 200: passed on %q, took %d", out, len(a.answered))
	}
	<-a.answered
	if out := read(ok); out != "" || len(a.answered) != 1 {
		t.Fatalf("a 200 alone: passed on %q, took %d", out, len(a.answered))
	}
}
