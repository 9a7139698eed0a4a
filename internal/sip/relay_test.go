package sip

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/routing"
	"github.com/umctl/umctl/internal/sipptest"
)

// These tests put the relay between two real SIP peers: sipp as the caller and
// sipp (or a bare socket) as Exchange UM, all on 127.0.0.1 with free ports.

type recorder struct {
	mu     sync.Mutex
	missed []MissedCall
}

func (r *recorder) MissedCall(m MissedCall) {
	r.mu.Lock()
	r.missed = append(r.missed, m)
	r.mu.Unlock()
}
func (r *recorder) count() int { r.mu.Lock(); defer r.mu.Unlock(); return len(r.missed) }

// startRelay runs a relay with cfg until the test ends.
func startRelay(t testing.TB, cfg *Config, before ...func(*Relay)) (*Relay, *recorder) {
	t.Helper()
	if err := cfg.Check(); err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	r, err := New(cfg, log, rec)
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range before {
		f(r)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan struct{})
	done := make(chan error, 1)
	go func() { done <- r.Serve(ctx, cfg.TLS, func() { close(ready) }) }()
	select {
	case <-ready:
	case err := <-done:
		t.Fatal(err)
	case <-time.After(5 * time.Second):
		t.Fatal("relay did not start")
	}
	t.Cleanup(func() { cancel(); <-done; r.Close() })
	return r, rec
}

func presenceFile(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "presence.yaml")
	if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func baseConfig(relayPort int, hops ...int) *Config {
	c := &Config{Listen: []string{fmt.Sprintf("udp://127.0.0.1:%d", relayPort)}, HopTimeout: Duration(time.Second)}
	for _, h := range hops {
		c.NextHops = append(c.NextHops, fmt.Sprintf("udp://127.0.0.1:%d", h))
	}
	return c
}

// An offline user's call is held, then reaches UM with History-Info and
// Diversion intact; an available user's call goes through at once.
func TestHoldThenForward(t *testing.T) {
	sipptest.Need(t)
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Hold = Duration(2 * time.Second)
	cfg.Presence = PresenceConfig{Source: "file", File: presenceFile(t, "\"+4790000001\": offline\n")}
	r, _ := startRelay(t, cfg)

	um := sipptest.UAS(t, umPort, sipptest.Scenario("uas_answer_check.xml"), 2)
	caller := sipptest.Call(t, relayPort, sipptest.Scenario("uac_call.xml"))
	if d := caller.Wait(t, "caller (held)"); d < 2*time.Second {
		t.Fatalf("the call took %v: it was not held for 2 s", d)
	}
	// Now alice is available: no hold.
	if err := os.WriteFile(cfg.Presence.File, []byte("\"+4790000001\": available\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(3 * time.Second)
	_ = os.Chtimes(cfg.Presence.File, future, future)
	time.Sleep(1100 * time.Millisecond) // the file is checked at most once a second
	caller = sipptest.Call(t, relayPort, sipptest.Scenario("uac_call.xml"))
	if d := caller.Wait(t, "caller (available)"); d > 1500*time.Millisecond {
		t.Fatalf("the call for an available user took %v", d)
	}
	um.Wait(t, "UM")
	if n := r.Metrics.Calls(OutcomeAnswered); n != 2 {
		t.Fatalf("%d answered calls, want 2", n)
	}
}

// listenUM is a UM that must not be reached: it counts what arrives.
func listenUM(t *testing.T, port int) func() int {
	pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	n := 0
	go func() {
		buf := make([]byte, 65535)
		for {
			if _, _, err := pc.ReadFrom(buf); err != nil {
				return
			}
			mu.Lock()
			n++
			mu.Unlock()
		}
	}()
	t.Cleanup(func() { pc.Close() })
	return func() int { mu.Lock(); defer mu.Unlock(); return n }
}

// A CANCEL during the hold ends the call with 200 + 487 and nothing reaches UM;
// a caller who gave up gets a missed-call notification, a call answered on the
// mobile (Reason: SIP;cause=200) does not.
func TestCancelDuringHold(t *testing.T) {
	sipptest.Need(t)
	for _, tc := range []struct {
		scenario string
		notified int
	}{{"uac_cancel.xml", 1}, {"uac_cancel_elsewhere.xml", 0}} {
		t.Run(tc.scenario, func(t *testing.T) {
			relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
			cfg := baseConfig(relayPort, umPort)
			cfg.Hold = Duration(10 * time.Second)
			r, rec := startRelay(t, cfg) // default presence: always-hold
			received := listenUM(t, umPort)
			caller := sipptest.Call(t, relayPort, sipptest.Scenario(tc.scenario))
			if d := caller.Wait(t, "caller"); d > 5*time.Second {
				t.Fatalf("cancel took %v", d)
			}
			time.Sleep(300 * time.Millisecond)
			if n := received(); n != 0 {
				t.Fatalf("UM received %d datagrams; nothing may be forwarded", n)
			}
			if rec.count() != tc.notified || r.Metrics.Calls(OutcomeCancelledHold) != 1 {
				t.Fatalf("notified %d times (want %d), cancelled_in_hold %d", rec.count(), tc.notified, r.Metrics.Calls(OutcomeCancelledHold))
			}
		})
	}
}

// A CANCEL after forwarding goes downstream (after UM's 180) with the caller's Reason.
func TestCancelAfterForward(t *testing.T) {
	sipptest.Need(t)
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Presence.Source = "never-hold"
	r, rec := startRelay(t, cfg)
	um := sipptest.UAS(t, umPort, sipptest.ScenarioWith(t, "uas_ring_cancel.xml", "[reason_cause]", "cause=200"), 1)
	caller := sipptest.Call(t, relayPort, sipptest.Scenario("uac_cancel_elsewhere.xml"))
	caller.Wait(t, "caller")
	um.Wait(t, "UM (saw the CANCEL with the Reason)")
	time.Sleep(200 * time.Millisecond)
	if r.Metrics.Calls(OutcomeCancelledFwd) != 1 || rec.count() != 0 {
		t.Fatalf("cancelled_fwd %d, notified %d", r.Metrics.Calls(OutcomeCancelledFwd), rec.count())
	}
}

// Timer C: UM rings and never answers; the relay cancels it with its own Reason
// and the caller gets 408.
func TestTimerC(t *testing.T) {
	sipptest.Need(t)
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg, func(r *Relay) { r.cfg.TimerC = Duration(1500 * time.Millisecond) }) // Check insists on 180 s
	um := sipptest.UAS(t, umPort, sipptest.ScenarioWith(t, "uas_ring_cancel.xml", "[reason_cause]", `cause=408;text=.Timer C.`), 1)
	caller := sipptest.Call(t, relayPort, sipptest.Scenario("uac_408.xml"))
	if d := caller.Wait(t, "caller expecting 408"); d < 1500*time.Millisecond {
		t.Fatalf("408 after %v, before Timer C", d)
	}
	um.Wait(t, "UM (the CANCEL with Timer C's Reason)")
	if r.Metrics.Calls(OutcomeTimerC) != 1 {
		t.Fatal("not counted as timer_c")
	}
}

// A dead first UM: the call fails over to the second after the hop timeout.
func TestFailover(t *testing.T) {
	sipptest.Need(t)
	relayPort, deadPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, deadPort, umPort)
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg)
	um := sipptest.UAS(t, umPort, sipptest.Scenario("uas_answer_check.xml"), 1)
	caller := sipptest.Call(t, relayPort, sipptest.Scenario("uac_call.xml"))
	if d := caller.Wait(t, "caller"); d < time.Second {
		t.Fatalf("answered in %v: the dead hop was not tried first", d)
	}
	um.Wait(t, "UM")
	if r.Metrics.fo.Load() != 1 || r.Metrics.Calls(OutcomeAnswered) != 1 {
		t.Fatalf("failovers %d answered %d", r.Metrics.fo.Load(), r.Metrics.Calls(OutcomeAnswered))
	}
}

// Every UM down: 503 with Retry-After.
func TestAllHopsDown(t *testing.T) {
	sipptest.Need(t)
	relayPort := sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp"))
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg)
	caller := sipptest.Call(t, relayPort, sipptest.Scenario("uac_503.xml"))
	caller.Wait(t, "caller expecting 503")
	if r.Metrics.Calls(OutcomeUMDown) != 1 {
		t.Fatal("not counted as um_down")
	}
}

// mode: redirect: after the hold the caller gets 302 naming UM; UM itself sees nothing.
func TestRedirectMode(t *testing.T) {
	sipptest.Need(t)
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Mode = "redirect"
	cfg.Hold = Duration(time.Second)
	r, rec := startRelay(t, cfg) // default presence: always-hold
	received := listenUM(t, umPort)
	caller := sipptest.Call(t, relayPort, sipptest.ScenarioWith(t, "uac_302.xml", "[um_port]", fmt.Sprint(umPort)))
	if d := caller.Wait(t, "caller expecting 302"); d < time.Second {
		t.Fatalf("302 after %v: the call was not held", d)
	}
	if n := received(); n != 0 || r.Metrics.Calls(OutcomeRedirected) != 1 || rec.count() != 0 {
		t.Fatalf("UM received %d datagrams, redirected %d, notified %d", n, r.Metrics.Calls(OutcomeRedirected), rec.count())
	}
}

func TestOptionsAnswered(t *testing.T) {
	sipptest.Need(t)
	relayPort := sipptest.FreePort(t, "udp")
	startRelay(t, baseConfig(relayPort, sipptest.FreePort(t, "udp")))
	sipptest.Call(t, relayPort, sipptest.Scenario("uac_options.xml")).Wait(t, "OPTIONS")
}

// TCP end to end, and a bounded load: goroutines return to where they were.
func TestTCPAndNoLeak(t *testing.T) {
	sipptest.Need(t)
	relayPort, umPort := sipptest.FreePort(t, "tcp"), sipptest.FreePort(t, "tcp")
	cfg := &Config{Listen: []string{fmt.Sprintf("tcp://127.0.0.1:%d", relayPort)}, NextHops: []string{fmt.Sprintf("tcp://127.0.0.1:%d", umPort)}}
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg)
	runtime.GC()
	base := runtime.NumGoroutine()
	um := sipptest.Start(t, "-sf", sipptest.Scenario("uas_answer_check.xml"), "-t", "t1", "-i", "127.0.0.1", "-p", fmt.Sprint(umPort), "-m", "200")
	caller := sipptest.Start(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", sipptest.Scenario("uac_call.xml"), "-t", "t1", "-i", "127.0.0.1", "-p", fmt.Sprint(sipptest.FreePort(t, "tcp")),
		"-m", "200", "-r", "50", "-l", "50")
	caller.Wait(t, "caller over TCP")
	um.Wait(t, "UM over TCP")
	if n := r.Metrics.Calls(OutcomeAnswered); n != 200 {
		t.Fatalf("%d of 200 calls answered", n)
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		runtime.GC()
		n := runtime.NumGoroutine()
		if n <= base+5 {
			t.Logf("goroutines: %d before, %d after 200 calls", base, n)
			return
		}
		if time.Now().After(deadline) {
			buf := make([]byte, 1<<16)
			t.Fatalf("goroutines: %d before, still %d after the calls ended\n%s", base, n, buf[:runtime.Stack(buf, true)])
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// The call names only a number; the numbers table maps it to alice, whose
// presence (by SIP URI) is offline, so the call is held.
func TestNumberMapsToUser(t *testing.T) {
	sipptest.Need(t)
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Hold = Duration(2 * time.Second)
	cfg.HoldWhen = []string{"offline"} // unknown is not held: only the mapping can make this call wait
	cfg.Presence = PresenceConfig{Source: "file", File: presenceFile(t, "sip:alice@contoso.com: offline\n")}
	cfg.Numbers = map[string]string{"+47 900 00 001": "sip:alice@contoso.com"}
	startRelay(t, cfg)
	um := sipptest.UAS(t, umPort, sipptest.Scenario("uas_answer_check.xml"), 1)
	caller := sipptest.Call(t, relayPort, sipptest.Scenario("uac_call.xml"))
	if d := caller.Wait(t, "caller"); d < 2*time.Second {
		t.Fatalf("the call took %v: the number was not mapped to alice", d)
	}
	um.Wait(t, "UM")
}

// OPTIONS pings mark a dead hop down, so calls go to the live one without
// waiting for the dead one's timeout; /metrics shows relay_um_up.
func TestHopHealth(t *testing.T) {
	sipptest.Need(t)
	relayPort, deadPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, deadPort, umPort)
	cfg.HopTimeout, cfg.HopCheck = Duration(300*time.Millisecond), Duration(100*time.Millisecond)
	cfg.Presence.Source = "never-hold"
	sipptest.ListenPeer(t, umPort, true)
	r, _ := startRelay(t, cfg)
	dead := fmt.Sprintf("127.0.0.1:%d", deadPort)
	deadline := time.Now().Add(10 * time.Second)
	for {
		if _, down := r.down.Load(dead); down {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the dead hop was never marked down")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if _, down := r.down.Load(fmt.Sprintf("127.0.0.1:%d", umPort)); down {
		t.Fatal("the live hop was marked down")
	}
	var m strings.Builder
	r.Metrics.Write(&m)
	if !strings.Contains(m.String(), fmt.Sprintf("relay_um_up{hop=%q} 0", dead)) {
		t.Fatalf("metrics:\n%s", m.String())
	}
	sipptest.Call(t, relayPort, sipptest.Scenario("uac_call.xml")).Wait(t, "caller")
	if r.Metrics.fo.Load() != 0 || r.Metrics.Calls(OutcomeAnswered) != 1 {
		t.Fatalf("failovers %d (the dead hop was tried), answered %d", r.Metrics.fo.Load(), r.Metrics.Calls(OutcomeAnswered))
	}
}

// max_held caps the calls on hold (the call over the cap goes on at once), and
// a drain (SIGTERM) sends the held calls to UM at once instead of dropping them.
func TestMaxHeldAndDrain(t *testing.T) {
	sipptest.Need(t)
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Hold, cfg.MaxHeld = Duration(time.Hour), 1
	r, _ := startRelay(t, cfg)
	um := sipptest.UAS(t, umPort, sipptest.Scenario("uas_answer_check.xml"), 2)
	caller := sipptest.Start(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", sipptest.Scenario("uac_call.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(sipptest.FreePort(t, "udp")),
		"-m", "2", "-l", "2", "-r", "10")
	deadline := time.Now().Add(10 * time.Second)
	for r.Held() != 1 || r.Metrics.Calls(OutcomeAnswered) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("held %d answered %d: want one call held and the other answered", r.Held(), r.Metrics.Calls(OutcomeAnswered))
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.Drain()
	caller.Wait(t, "caller")
	um.Wait(t, "UM")
	if r.Held() != 0 || r.Metrics.Calls(OutcomeAnswered) != 2 {
		t.Fatalf("after the drain: held %d answered %d", r.Held(), r.Metrics.Calls(OutcomeAnswered))
	}
}

// notify.um_info: callers who gave up during the hold reach Exchange UM (sipp)
// as INFOs with application/ms-rtc-usernotification+xml in one notification
// session (one INVITE from Lync's notification identity, then an INFO per
// missed call, with the EUM address from the directory table); a call answered
// on the mobile sends nothing.
func TestUMInfoNotification(t *testing.T) {
	sipptest.Need(t)
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Hold = Duration(10 * time.Second)
	cfg.Notify.UMInfo = true
	r, rec := startRelay(t, cfg, func(r *Relay) {
		r.UseDirectory(routing.StaticResolver{"+4790000001": "sip:alice@contoso.com", "sip:alice@contoso.com": "EUM:alice@contoso.com;phone-context=DP.contoso.com"})
	})
	um := sipptest.UAS(t, umPort, sipptest.Scenario("uas_uminfo.xml"), 1)
	call := func(sc string) {
		sipptest.Call(t, relayPort, sipptest.Scenario(sc)).Wait(t, sc)
	}
	call("uac_cancel_elsewhere.xml") // answered on the mobile: no INFO
	call("uac_cancel.xml")
	call("uac_cancel.xml")
	um.Wait(t, "UM (notification session and two INFOs)")
	if n := r.Metrics.Notes("sent"); n != 2 || rec.count() != 2 {
		t.Fatalf("%d INFOs sent, %d missed calls recorded; want 2 and 2", n, rec.count())
	}
}

// Position B with upstream: what Exchange UM (127.0.0.3) sends — an MWI
// NOTIFY, its own INVITE and that call's BYE — goes to Lync upstream, while a
// caller's INVITE still goes to UM.
func TestUpstreamFromUM(t *testing.T) {
	sipptest.Need(t)
	relayPort, umPort, lyncPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := &Config{Listen: []string{fmt.Sprintf("udp://127.0.0.1:%d", relayPort)}, NextHops: []string{fmt.Sprintf("udp://127.0.0.3:%d", umPort)},
		Upstream: UpstreamConfig{Hops: []string{fmt.Sprintf("udp://127.0.0.1:%d", lyncPort)}}}
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg)
	relay := fmt.Sprintf("127.0.0.1:%d", relayPort)

	lync := sipptest.UAS(t, lyncPort, sipptest.Scenario("uas_notify.xml"), 1)
	sipptest.Start(t, relay, "-sf", sipptest.Scenario("uac_notify.xml"), "-i", "127.0.0.3", "-p", fmt.Sprint(sipptest.FreePort(t, "udp")), "-m", "1").Wait(t, "UM's NOTIFY")
	lync.Wait(t, "Lync (the NOTIFY from UM)")

	lync = sipptest.UAS(t, lyncPort, sipptest.Scenario("uas_answer_check.xml"), 1)
	sipptest.Start(t, relay, "-sf", sipptest.Scenario("uac_call.xml"), "-i", "127.0.0.3", "-p", fmt.Sprint(sipptest.FreePort(t, "udp")), "-m", "1").Wait(t, "UM's call")
	lync.Wait(t, "Lync (UM's INVITE and BYE)")

	um := sipptest.Start(t, "-sf", sipptest.Scenario("uas_answer_check.xml"), "-i", "127.0.0.3", "-p", fmt.Sprint(umPort), "-m", "1")
	sipptest.Start(t, relay, "-sf", sipptest.Scenario("uac_call.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(sipptest.FreePort(t, "udp")), "-m", "1").Wait(t, "caller")
	um.Wait(t, "UM (the caller's INVITE)")
	if n := r.Metrics.Calls(OutcomeAnswered); n != 2 {
		t.Fatalf("%d answered calls, want 2", n)
	}
}
