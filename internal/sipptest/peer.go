package sipptest

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"
)

// Peer is a bare UDP SIP peer on 127.0.0.1, for what sipp's scenarios cannot
// do (OPTIONS pings between calls, a BYE routed straight to it, any number of
// calls): it keeps every message that reaches it with its arrival time and,
// when it answers, answers every request but ACK with 200 OK to the source
// address (RFC 3261 18.2.2).
type Peer struct {
	mu   sync.Mutex
	msgs []string
	at   []time.Time
}

// ListenPeer starts a Peer on port until the test ends.
func ListenPeer(t testing.TB, port int, answer bool) *Peer {
	t.Helper()
	pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	p := &Peer{}
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			msg := string(buf[:n])
			p.mu.Lock()
			p.msgs, p.at = append(p.msgs, msg), append(p.at, time.Now())
			p.mu.Unlock()
			if answer && !strings.HasPrefix(msg, "ACK ") && !strings.HasPrefix(msg, "SIP/2.0 ") {
				_, _ = pc.WriteTo([]byte(OK(msg, port)), from)
			}
		}
	}()
	return p
}

// Received is every message that reached the peer, in order.
func (p *Peer) Received() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.msgs...)
}

// Requests are the requests of method (INVITE, OPTIONS, ...) that reached the peer.
func (p *Peer) Requests(method string) []string {
	var out []string
	for _, m := range p.Received() {
		if strings.HasPrefix(m, method+" ") {
			out = append(out, m)
		}
	}
	return out
}

// Arrivals are the times the requests of method reached the peer.
func (p *Peer) Arrivals(method string) []time.Time {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []time.Time
	for i, m := range p.msgs {
		if strings.HasPrefix(m, method+" ") {
			out = append(out, p.at[i])
		}
	}
	return out
}
