package sip

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/umctl/umctl/internal/sipptest"
)

// nullConn is the caller's side of a fuzzed server transaction: responses are dropped.
type nullConn struct{}

func (nullConn) LocalAddr() net.Addr        { return &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 5060} }
func (nullConn) WriteMsg(sip.Message) error { return nil }
func (nullConn) Ref(int) int                { return 1 }
func (nullConn) TryClose() (int, error)     { return 0, nil }
func (nullConn) Close() error               { return nil }

// FuzzMessage runs arbitrary bytes through the whole message path of a
// running relay, synchronously, as sipgo's UDP transport does: the relay's
// read filter (the stateless ACK/BYE path), sipgo's parser, then a server
// transaction handed to the relay's request handler, or a response to its
// stray-response handler. UM is a Go peer that answers 200 at once; calls are
// held for an hour, so held INVITEs return at once. A panic anywhere fails
// with the input that caused it (the recover at the boundary counts it).
//
//	go test ./internal/sip -run '^$' -fuzz FuzzMessage -fuzztime 60s
func FuzzMessage(f *testing.F) {
	for _, p := range badPackets {
		f.Add([]byte(strings.NewReplacer("{relay}", "127.0.0.1:5060", "{caller}", "127.0.0.9:5999", "{T}", "UDP").Replace(p.msg)))
	}
	for _, m := range []string{
		"INVITE sip:+4790000001@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5999;branch=z9hG4bK-1;rport\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:+4790000001@x>\r\nCall-ID: f1\r\nCSeq: 1 INVITE\r\nHistory-Info: <sip:+4790000001@x>;index=1\r\nDiversion: <tel:+4790000001>\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n",
		"INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5999;branch=z9hG4bK-2\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>;tag=2\r\nCall-ID: f2\r\nCSeq: 2 INVITE\r\nContent-Length: 0\r\n\r\n",
		"BYE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5999;branch=z9hG4bK-3\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>;tag=2\r\nCall-ID: f2\r\nCSeq: 3 BYE\r\nMax-Forwards: 1\r\nContent-Length: 0\r\n\r\n",
		"ACK sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5999;branch=z9hG4bK-4\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>;tag=2\r\nCall-ID: f2\r\nCSeq: 2 ACK\r\nContent-Length: 0\r\n\r\n",
		"CANCEL sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5999;branch=z9hG4bK-1\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>\r\nCall-ID: f1\r\nCSeq: 1 CANCEL\r\nReason: Q.850;cause=16, SIP;cause=200;text=\"x, y\"\r\nContent-Length: 0\r\n\r\n",
		"INVITE sip:100@127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5999;branch=z9hG4bK-6\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>\r\nCall-ID: f6\r\nContent-Length: 0\r\n\r\n",
		"OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.9:5999;branch=z9hG4bK-5\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: f5\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 0\r\nContent-Length: 0\r\n\r\n",
		"SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-umctl-sl-00\r\nVia: SIP/2.0/UDP 127.0.0.9:5999;branch=z9hG4bK-3\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:100@x>;tag=2\r\nCall-ID: f2\r\nCSeq: 3 BYE\r\nContent-Length: 0\r\n\r\n",
	} {
		f.Add([]byte(m))
	}
	relayPort, umPort := sipptest.FreePort(f, "udp"), sipptest.FreePort(f, "udp")
	sipptest.ListenPeer(f, umPort, true)
	cfg := baseConfig(relayPort, umPort)
	cfg.Hold, cfg.MaxHeld = Duration(time.Hour), 1<<30
	cfg.Numbers = map[string]string{"+4790000001": "sip:alice@contoso.com"}
	r, _ := startRelay(f, cfg)
	src := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 9), Port: 5999}
	props := sip.TransportReadProps{Transport: "UDP", LocalAddr: src, RemoteAddr: src}
	f.Fuzz(func(t *testing.T, data []byte) {
		before := r.Metrics.Panics()
		deliver(r, props, data)
		if n := r.Metrics.Panics() - before; n != 0 {
			t.Fatalf("%d panics on %q", n, data)
		}
	})
}

// deliver does what sipgo's UDP transport and transaction layer do with a datagram.
func deliver(r *Relay, props sip.TransportReadProps, data []byte) {
	data, _ = r.readFilter(props, append([]byte(nil), data...))
	if data == nil {
		return
	}
	msg, err := r.parser.ParseSIP(data)
	if err != nil {
		return
	}
	msg.SetTransport("UDP")
	msg.SetSource(props.RemoteAddr.String())
	switch m := msg.(type) {
	case *sip.Response:
		r.onStrayResponse(m)
	case *sip.Request:
		if m.Via() == nil || m.CSeq() == nil { // sipgo answers these 400 itself (no transaction key)
			return
		}
		tx := sip.NewServerTx(fmt.Sprintf("fuzz-%p", m), m, nullConn{}, r.log)
		if tx.Init() != nil {
			return
		}
		r.onRequest(m, tx)
	}
}
