package sip

import (
	"testing"

	"github.com/emiago/sipgo/sip"
)

const benchInvite = "INVITE sip:+4790000001@127.0.0.1:5060 SIP/2.0\r\nVia: SIP/2.0/UDP 10.0.0.9:5060;branch=z9hG4bK-b1;rport\r\nVia: SIP/2.0/UDP 10.0.0.8:5060;branch=z9hG4bK-b0\r\n" +
	"Max-Forwards: 69\r\nFrom: <sip:+4722334455@10.0.0.9>;tag=a1\r\nTo: <sip:+4790000001@lab.umctl.test>\r\nCall-ID: bench-1@10.0.0.9\r\nCSeq: 1 INVITE\r\n" +
	"History-Info: <sip:+4790000001@lab.umctl.test;user=phone>;index=1\r\nDiversion: <tel:+4790000001>;reason=no-answer;counter=1\r\nContact: <sip:caller@10.0.0.9:5060>\r\nContent-Length: 0\r\n\r\n"

// The request checks against the parse sipgo does anyway, per INVITE
// (go test -bench 'Parse|Check' ./internal/sip): the checks must stay a
// small fraction of it.
func BenchmarkParseInvite(b *testing.B) {
	p := sip.NewParser()
	for b.Loop() {
		if _, err := p.ParseSIP([]byte(benchInvite)); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCheckInvite(b *testing.B) {
	r := &Relay{listen: []Listener{{Transport: "udp", Addr: "127.0.0.1:5060"}}}
	msg, err := sip.NewParser().ParseSIP([]byte(benchInvite))
	if err != nil {
		b.Fatal(err)
	}
	req := msg.(*sip.Request)
	for b.Loop() {
		if code, reason := r.check(req); code != 0 {
			b.Fatal(code, reason)
		}
	}
}
