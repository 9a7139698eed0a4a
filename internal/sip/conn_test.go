package sip

import (
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/sipptest"
)

// The framer follows message boundaries across reads: keep-alives, a body of
// Content-Length (or l:) bytes, a message split anywhere.
func TestFramer(t *testing.T) {
	msg := "OPTIONS sip:x SIP/2.0\r\nl: 5\r\nVia: SIP/2.0/TCP h\r\n\r\nhello"
	stream := "\r\n\r\n" + msg + "\r\n" + msg
	for split := 1; split < len(stream); split++ {
		var f framer
		f.feed([]byte(stream[:split]), time.Unix(1, 0))
		f.feed([]byte(stream[split:]), time.Unix(2, 0))
		if f.inMsg || f.body != 0 || len(f.head) != 0 {
			t.Fatalf("split at %d: still in a message (%+v)", split, f)
		}
	}
	var f framer
	f.feed([]byte(msg[:30]), time.Unix(1, 0))
	if !f.inMsg || !f.start.Equal(time.Unix(1, 0)) {
		t.Fatalf("half a message: %+v", f)
	}
}

// A caller that sends half a message, trickles one byte at a time, or goes
// silent after a message loses its connection; a complete message is answered.
func TestTCPTimeouts(t *testing.T) {
	relayPort := sipptest.FreePort(t, "tcp")
	cfg := &Config{Listen: []string{fmt.Sprintf("tcp://127.0.0.1:%d", relayPort)}, NextHops: []string{fmt.Sprintf("udp://127.0.0.1:%d", sipptest.FreePort(t, "udp"))}}
	startRelay(t, cfg, func(r *Relay) { // Check insists on idle ≥ Timer C
		r.cfg.TCPMessageTimeout, r.cfg.TCPIdleTimeout = Duration(400*time.Millisecond), Duration(800*time.Millisecond)
	})
	addr := fmt.Sprintf("127.0.0.1:%d", relayPort)
	options := "OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.9:5999;branch=z9hG4bK-t\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\nCall-ID: t\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"
	closedAfter := func(c net.Conn) (time.Duration, string) {
		start := time.Now()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, err := io.ReadAll(c)
		if err != nil {
			t.Fatalf("the relay did not close the connection: %v", err)
		}
		return time.Since(start), string(b)
	}
	dial := func() net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}

	half := dial()
	_, _ = half.Write([]byte(options[:60]))
	if d, _ := closedAfter(half); d > 2*time.Second {
		t.Fatalf("half a message: closed after %v", d)
	}

	trickle := dial()
	stop := make(chan struct{})
	go func() {
		for i := 0; i < len(options); i++ {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
			}
			if _, err := trickle.Write([]byte{options[i]}); err != nil {
				return
			}
		}
	}()
	d, got := closedAfter(trickle)
	close(stop)
	if strings.Contains(got, "SIP/2.0 200") || d > 2*time.Second {
		t.Fatalf("one byte every 50 ms: closed after %v, answered %q", d, got)
	}

	idle := dial()
	_, _ = idle.Write([]byte(options))
	d, got = closedAfter(idle)
	if !strings.HasPrefix(got, "SIP/2.0 200 OK") || d < 700*time.Millisecond || d > 3*time.Second {
		t.Fatalf("a message then silence: answered %q, closed after %v (idle timeout 800 ms)", got, d)
	}
}

// A TLS caller that connects and never starts the handshake, or completes it
// and then sends half a message, is closed after the message timeout; one
// that sends a whole OPTIONS is answered.
func TestTLSTimeouts(t *testing.T) {
	dir, ca, _ := testPKI(t)
	relayPort := sipptest.FreePort(t, "tcp")
	cfg := &Config{Listen: []string{fmt.Sprintf("tls://127.0.0.1:%d", relayPort)}, NextHops: []string{fmt.Sprintf("udp://127.0.0.1:%d", sipptest.FreePort(t, "udp"))},
		TLS: TLSConfig{Cert: filepath.Join(dir, "server.pem"), Key: filepath.Join(dir, "server-key.pem")}}
	startRelay(t, cfg, func(r *Relay) {
		r.cfg.TCPMessageTimeout, r.cfg.TCPIdleTimeout = Duration(400*time.Millisecond), Duration(time.Minute)
	})
	addr := fmt.Sprintf("127.0.0.1:%d", relayPort)
	closedWithin := func(c net.Conn, what string) string {
		start := time.Now()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		b, err := io.ReadAll(c)
		var ne net.Error
		if errors.As(err, &ne) && ne.Timeout() {
			t.Fatalf("%s: the relay did not close the connection", what)
		}
		if d := time.Since(start); d > 2*time.Second {
			t.Fatalf("%s: closed after %v", what, d)
		}
		return string(b)
	}

	raw, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	closedWithin(raw, "no handshake")

	half, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: ca, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer half.Close()
	_, _ = half.Write([]byte("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.9:5999;branch=z9hG4bK-h\r\n"))
	closedWithin(half, "half a message over TLS")

	whole, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: ca, ServerName: "127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	defer whole.Close()
	_, _ = whole.Write([]byte("OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.9:5999;branch=z9hG4bK-w\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:b@x>\r\n" +
		"Call-ID: w\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n"))
	_ = whole.SetReadDeadline(time.Now().Add(3 * time.Second))
	buf := make([]byte, 4096)
	n, err := whole.Read(buf)
	if err != nil || !strings.HasPrefix(string(buf[:n]), "SIP/2.0 200 OK") {
		t.Fatalf("a whole OPTIONS over TLS: %q %v", buf[:n], err)
	}
}

// However a stream is split into reads, the framer ends in the same place.
func FuzzFramer(f *testing.F) {
	f.Add([]byte("OPTIONS sip:x SIP/2.0\r\nl: 5\r\n\r\nhello\r\n\r\nINVITE sip:y SIP/2.0\r\nContent-Length: 3\r\n\r\nab"), 17)
	f.Add([]byte("\r\n\r\nX\r\n\r\n"), 3)
	f.Fuzz(func(t *testing.T, stream []byte, split int) {
		if split < 0 || split > len(stream) {
			return
		}
		var whole, parts framer
		whole.feed(stream, time.Unix(1, 0))
		parts.feed(stream[:split], time.Unix(1, 0))
		parts.feed(stream[split:], time.Unix(1, 0))
		if whole.inMsg != parts.inMsg || whole.body != parts.body || len(whole.head) != len(parts.head) {
			t.Fatalf("split at %d: %+v, whole: %+v", split, parts, whole)
		}
	})
}
