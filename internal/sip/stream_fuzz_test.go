package sip

import (
	"net"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// FuzzStream runs arbitrary bytes, split into two reads where the fuzzer
// picks, through the TCP/TLS read filter of a relay with a call on the fast
// path, from either side (its two connections drop what is written to
// them): the framing, the cutting of whole messages, their parsing, checks
// and stateless forwarding. A panic fails with the input; so does a read
// that comes out longer than it went in.
//
//	go test ./internal/sip -run '^$' -fuzz FuzzStream -fuzztime 60s
func FuzzStream(f *testing.F) {
	call := "Via: SIP/2.0/TLS 127.0.0.9:5999;branch=z9hG4bK-3\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>;tag=2\r\nCall-ID: f2\r\n"
	for _, m := range []string{
		"ACK sip:100@127.0.0.1 SIP/2.0\r\n" + call + "CSeq: 1 ACK\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n",
		"\r\n\r\nBYE sip:100@127.0.0.1 SIP/2.0\r\n" + call + "CSeq: 2 BYE\r\nContent-Length: 4\r\n\r\nabcdBYE sip:100@127.0.0.1 SIP/2.0\r\n" + call + "CSeq: 3 BYE\r\nMax-Forwards: 1\r\nContent-Length: 0\r\n\r\n",
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-umctl-sl-00\r\n" + call + "CSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n",
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/TLS 127.0.0.1:5061;branch=z9hG4bK-umctl-x.y\r\n" + call + "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
		"OPTIONS sip:127.0.0.1 SIP/2.0\r\n" + call + "CSeq: 1 OPTIONS\r\nContent-Length: 1\r\n\r\n",
	} {
		f.Add([]byte(m), uint16(len(m)))
		f.Add([]byte(m), uint16(len(m)/2))
	}
	cfg := baseConfig(5060, 5070)
	if err := cfg.Check(); err != nil {
		f.Fatal(err)
	}
	r, err := New(cfg, testLog(), &recorder{})
	if err != nil {
		f.Fatal(err)
	}
	up := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 9), Port: 5999}
	down := &net.TCPAddr{IP: net.IPv4(127, 0, 0, 8), Port: 5061}
	f.Fuzz(func(t *testing.T, data []byte, at uint16) {
		r.dialogs.remember("f2", Listener{Transport: "tls", Addr: down.String()}, 1,
			legs{up: leg{conn: nullConn{}, peer: up, transport: "TLS"}, down: leg{conn: nullConn{}, peer: down, transport: "TLS"}})
		from := net.Addr(up) // which side sends: the caller or UM
		if at%2 == 1 {
			from = down
		}
		r.streams.Delete(from)
		before := r.Metrics.Panics()
		cut := min(int(at), len(data))
		for _, chunk := range [][]byte{data[:cut], data[cut:]} {
			in := len(chunk)
			out, _ := r.readFilter(tlsProps(from), append([]byte(nil), chunk...))
			if len(out) > in {
				t.Fatalf("a read of %d bytes came out as %d", in, len(out))
			}
		}
		if n := r.Metrics.Panics() - before; n != 0 {
			t.Fatalf("%d panics on %q", n, data)
		}
	})
}

func tlsProps(peer net.Addr) sip.TransportReadProps {
	return sip.TransportReadProps{Transport: "TLS", LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5061}, RemoteAddr: peer}
}
