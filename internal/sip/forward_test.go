package sip

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/sipptest"
)

// A caller who cancels while the first UM stays silent: the call is over (200
// and 487 to the caller), so it must not fail over to the second UM when the
// first one's hop timeout runs out.
func TestCancelBeforeFailover(t *testing.T) {
	relayPort, deadPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, deadPort, umPort)
	cfg.Presence.Source = "never-hold"
	dead, second := listenUM(t, deadPort), listenUM(t, umPort)
	r, rec := startRelay(t, cfg)
	c, err := net.Dial("udp", fmt.Sprintf("127.0.0.1:%d", relayPort))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	head := fmt.Sprintf("Via: SIP/2.0/UDP %s;branch=z9hG4bK-cbf\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:+4790000001@x>\r\nCall-ID: cbf\r\n", c.LocalAddr())
	send := func(m string) {
		if _, err := c.Write([]byte(m)); err != nil {
			t.Fatal(err)
		}
	}
	send("INVITE sip:+4790000001@127.0.0.1 SIP/2.0\r\n" + head + "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
	time.Sleep(300 * time.Millisecond)
	send("CANCEL sip:+4790000001@127.0.0.1 SIP/2.0\r\n" + head + "CSeq: 1 CANCEL\r\nReason: Q.850;cause=16\r\nContent-Length: 0\r\n\r\n")
	var got strings.Builder
	_ = c.SetReadDeadline(time.Now().Add(2 * time.Second))
	buf := make([]byte, 65535)
	for !strings.Contains(got.String(), "SIP/2.0 487") {
		n, err := c.Read(buf)
		if err != nil {
			t.Fatalf("no 487 to the cancelled INVITE; got:\n%s", got.String())
		}
		got.Write(buf[:n])
	}
	time.Sleep(time.Duration(cfg.HopTimeout) + 500*time.Millisecond)
	if dead() == 0 || second() != 0 {
		t.Fatalf("the silent UM got %d datagrams, the second UM %d (want >0 and 0: no failover after the CANCEL)", dead(), second())
	}
	deadline := time.Now().Add(3 * time.Second)
	for r.Metrics.Calls(OutcomeCancelledFwd) != 1 && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if r.Metrics.Calls(OutcomeCancelledFwd) != 1 || r.Metrics.fo.Load() != 0 || rec.count() != 0 {
		t.Fatalf("cancelled_fwd %d, failovers %d, notified %d", r.Metrics.Calls(OutcomeCancelledFwd), r.Metrics.fo.Load(), rec.count())
	}
}
