package sip

import (
	"bytes"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/sipptest"
)

// syncBuffer is a log destination the relay's goroutines may share.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

// 300 junk datagrams from one source make one log line (clipped), and every
// one of them is counted; the relay still answers.
func TestJunkLogRateLimited(t *testing.T) {
	relayPort := sipptest.FreePort(t, "udp")
	var logs syncBuffer
	r, _ := startRelay(t, baseConfig(relayPort, sipptest.FreePort(t, "udp")), func(r *Relay) {
		r.log = slog.New(slog.NewTextHandler(&logs, nil))
	})
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", relayPort))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	junk := bytes.Repeat([]byte{0xde, 0xad, 0xbe, 0xef}, 2000)
	for range 300 {
		_, _ = c.Write(junk)
	}
	deadline := time.Now().Add(5 * time.Second)
	for r.Metrics.parseErrors.Load() < 300 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	if n := r.Metrics.parseErrors.Load(); n != 300 {
		t.Fatalf("%d parse errors counted, want 300", n)
	}
	if n := strings.Count(logs.String(), "unparsable datagram"); n < 1 || n > 2 || len(logs.String()) > 2000 {
		t.Fatalf("%d log lines, %d bytes for 300 junk datagrams in well under 2 s:\n%s", n, len(logs.String()), logs.String())
	}
	options := "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP {caller};branch=z9hG4bK-o\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: o\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	if got := exchange(t, "udp", fmt.Sprintf("127.0.0.1:%d", relayPort), options, 2*time.Second); got != "SIP/2.0 200 OK" {
		t.Fatalf("after the junk: %q", got)
	}
}

// sipgo's own lines about bad input: one a second, data clipped, all counted.
func TestSipgoLogLimited(t *testing.T) {
	var out bytes.Buffer
	m := NewMetrics()
	log := slog.New(&sipgoLog{next: slog.NewTextHandler(&out, nil), limit: newLimiter(), m: m}).With("caller", "Transport<UDP>")
	for range 100 {
		log.Error("failed to parse", "data", strings.Repeat("x", 10000), "error", "bad")
	}
	log.Info("something else")
	if n := strings.Count(out.String(), "failed to parse"); n != 1 || len(out.String()) > 1000 || m.parseErrors.Load() != 100 {
		t.Fatalf("%d lines, %d bytes, %d counted:\n%s", n, len(out.String()), m.parseErrors.Load(), out.String())
	}
	if !strings.Contains(out.String(), "something else") || !strings.Contains(out.String(), "caller=Transport<UDP>") {
		t.Fatalf("other lines or attributes lost:\n%s", out.String())
	}
}
