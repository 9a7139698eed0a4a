package sip

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/routing"
)

// These tests put the relay between two real SIP peers: sipp as the caller and
// sipp (or a bare socket) as Exchange UM, all on 127.0.0.1 with free ports.

func needSipp(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("sipp"); err != nil {
		if os.Getenv("UMCTL_REQUIRE_SIPP") == "1" {
			t.Fatal("sipp required (UMCTL_REQUIRE_SIPP=1) but not installed (Debian package sip-tester)")
		}
		t.Skip("sipp not installed (Debian package sip-tester)")
	}
}

func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "tcp" {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().(*net.TCPAddr).Port
	}
	c, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	return c.LocalAddr().(*net.UDPAddr).Port
}

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

// sipp runs sipp with a scenario from testdata (or a built-in one) and returns
// when it exits; the error carries its screen when it failed.
type sippRun struct {
	cmd *exec.Cmd
	out *strings.Builder
}

func startSipp(t *testing.T, args ...string) *sippRun {
	t.Helper()
	dir := t.TempDir()
	args = append(args, "-nostdin", "-timeout", "40s", "-timeout_error", "-trace_err", "-error_file", filepath.Join(dir, "err.log"))
	if os.Getenv("UMCTL_SIPP_TRACE") != "" {
		args = append(args, "-trace_msg", "-message_file", filepath.Join(os.Getenv("UMCTL_SIPP_TRACE"), fmt.Sprintf("%s-%d.log", t.Name()[strings.LastIndex(t.Name(), "/")+1:], time.Now().UnixNano())))
	}
	cmd := exec.Command("sipp", args...)
	cmd.Dir = dir
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	return &sippRun{cmd, out}
}

func (s *sippRun) wait(t *testing.T, what string) time.Duration {
	t.Helper()
	t0 := time.Now()
	err := s.cmd.Wait()
	if err != nil {
		errs, _ := os.ReadFile(filepath.Join(s.cmd.Dir, "err.log"))
		t.Fatalf("%s: sipp %v\n%s\n%s", what, err, tail(s.out.String(), 40), errs)
	}
	return time.Since(t0)
}

func tail(s string, n int) string {
	l := strings.Split(s, "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

func scenario(name string) string { abs, _ := filepath.Abs("testdata/" + name); return abs }

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
	needSipp(t)
	relayPort, umPort := freePort(t, "udp"), freePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Hold = Duration(2 * time.Second)
	cfg.Presence = PresenceConfig{Source: "file", File: presenceFile(t, "\"+4790000001\": offline\n")}
	r, _ := startRelay(t, cfg)

	um := startSipp(t, "-sf", scenario("uas_answer_check.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(umPort), "-m", "2")
	caller := startSipp(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", scenario("uac_call.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")), "-m", "1")
	if d := caller.wait(t, "caller (held)"); d < 2*time.Second {
		t.Fatalf("the call took %v: it was not held for 2 s", d)
	}
	// Now alice is available: no hold.
	if err := os.WriteFile(cfg.Presence.File, []byte("\"+4790000001\": available\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	future := time.Now().Add(3 * time.Second)
	_ = os.Chtimes(cfg.Presence.File, future, future)
	time.Sleep(1100 * time.Millisecond) // the file is checked at most once a second
	caller = startSipp(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", scenario("uac_call.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")), "-m", "1")
	if d := caller.wait(t, "caller (available)"); d > 1500*time.Millisecond {
		t.Fatalf("the call for an available user took %v", d)
	}
	um.wait(t, "UM")
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
	needSipp(t)
	for _, tc := range []struct {
		scenario string
		notified int
	}{{"uac_cancel.xml", 1}, {"uac_cancel_elsewhere.xml", 0}} {
		t.Run(tc.scenario, func(t *testing.T) {
			relayPort, umPort := freePort(t, "udp"), freePort(t, "udp")
			cfg := baseConfig(relayPort, umPort)
			cfg.Hold = Duration(10 * time.Second)
			r, rec := startRelay(t, cfg) // default presence: always-hold
			received := listenUM(t, umPort)
			caller := startSipp(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", scenario(tc.scenario), "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")), "-m", "1")
			if d := caller.wait(t, "caller"); d > 5*time.Second {
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
	needSipp(t)
	relayPort, umPort := freePort(t, "udp"), freePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Presence.Source = "never-hold"
	r, rec := startRelay(t, cfg)
	um := startSipp(t, "-sf", scenario("uas_ring_cancel.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(umPort), "-m", "1")
	caller := startSipp(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", scenario("uac_cancel_elsewhere.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")), "-m", "1")
	caller.wait(t, "caller")
	um.wait(t, "UM (saw the CANCEL with the Reason)")
	time.Sleep(200 * time.Millisecond)
	if r.Metrics.Calls(OutcomeCancelledFwd) != 1 || rec.count() != 0 {
		t.Fatalf("cancelled_fwd %d, notified %d", r.Metrics.Calls(OutcomeCancelledFwd), rec.count())
	}
}

// A dead first UM: the call fails over to the second after the hop timeout.
func TestFailover(t *testing.T) {
	needSipp(t)
	relayPort, deadPort, umPort := freePort(t, "udp"), freePort(t, "udp"), freePort(t, "udp")
	cfg := baseConfig(relayPort, deadPort, umPort)
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg)
	um := startSipp(t, "-sf", scenario("uas_answer_check.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(umPort), "-m", "1")
	caller := startSipp(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", scenario("uac_call.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")), "-m", "1")
	if d := caller.wait(t, "caller"); d < time.Second {
		t.Fatalf("answered in %v: the dead hop was not tried first", d)
	}
	um.wait(t, "UM")
	if r.Metrics.fo.Load() != 1 || r.Metrics.Calls(OutcomeAnswered) != 1 {
		t.Fatalf("failovers %d answered %d", r.Metrics.fo.Load(), r.Metrics.Calls(OutcomeAnswered))
	}
}

// Every UM down: 503 with Retry-After.
func TestAllHopsDown(t *testing.T) {
	needSipp(t)
	relayPort := freePort(t, "udp")
	cfg := baseConfig(relayPort, freePort(t, "udp"), freePort(t, "udp"))
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg)
	caller := startSipp(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", scenario("uac_503.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")), "-m", "1")
	caller.wait(t, "caller expecting 503")
	if r.Metrics.Calls(OutcomeUMDown) != 1 {
		t.Fatal("not counted as um_down")
	}
}

func TestOptionsAnswered(t *testing.T) {
	needSipp(t)
	relayPort := freePort(t, "udp")
	startRelay(t, baseConfig(relayPort, freePort(t, "udp")))
	startSipp(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", scenario("uac_options.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")), "-m", "1").wait(t, "OPTIONS")
}

// TCP end to end, and a bounded load: goroutines return to where they were.
func TestTCPAndNoLeak(t *testing.T) {
	needSipp(t)
	relayPort, umPort := freePort(t, "tcp"), freePort(t, "tcp")
	cfg := &Config{Listen: []string{fmt.Sprintf("tcp://127.0.0.1:%d", relayPort)}, NextHops: []string{fmt.Sprintf("tcp://127.0.0.1:%d", umPort)}}
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg)
	runtime.GC()
	base := runtime.NumGoroutine()
	um := startSipp(t, "-sf", scenario("uas_answer_check.xml"), "-t", "t1", "-i", "127.0.0.1", "-p", fmt.Sprint(umPort), "-m", "200")
	caller := startSipp(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", scenario("uac_call.xml"), "-t", "t1", "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "tcp")),
		"-m", "200", "-r", "50", "-l", "50")
	caller.wait(t, "caller over TCP")
	um.wait(t, "UM over TCP")
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
	needSipp(t)
	relayPort, umPort := freePort(t, "udp"), freePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Hold = Duration(2 * time.Second)
	cfg.HoldWhen = []string{"offline"} // unknown is not held: only the mapping can make this call wait
	cfg.Presence = PresenceConfig{Source: "file", File: presenceFile(t, "sip:alice@contoso.com: offline\n")}
	cfg.Numbers = map[string]string{"+47 900 00 001": "sip:alice@contoso.com"}
	startRelay(t, cfg)
	um := startSipp(t, "-sf", scenario("uas_answer_check.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(umPort), "-m", "1")
	caller := startSipp(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", scenario("uac_call.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")), "-m", "1")
	if d := caller.wait(t, "caller"); d < 2*time.Second {
		t.Fatalf("the call took %v: the number was not mapped to alice", d)
	}
	um.wait(t, "UM")
}

// goUM is a minimal SIP peer that answers every request but ACK with 200 OK
// (sipp's UAS scenarios cannot take OPTIONS pings between calls).
func goUM(t *testing.T, port int) {
	pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	go func() {
		buf := make([]byte, 65535)
		for {
			n, from, err := pc.ReadFrom(buf)
			if err != nil {
				return
			}
			lines := strings.Split(string(buf[:n]), "\r\n")
			if strings.HasPrefix(lines[0], "ACK ") {
				continue
			}
			var b strings.Builder
			b.WriteString("SIP/2.0 200 OK\r\n")
			for _, l := range lines[1:] {
				name := strings.ToLower(strings.SplitN(l, ":", 2)[0])
				switch name {
				case "via", "v", "from", "f", "call-id", "i", "cseq":
					b.WriteString(l + "\r\n")
				case "to", "t":
					if !strings.Contains(l, "tag=") {
						l += ";tag=goum"
					}
					b.WriteString(l + "\r\n")
				}
			}
			fmt.Fprintf(&b, "Contact: <sip:127.0.0.1:%d>\r\nContent-Length: 0\r\n\r\n", port)
			_, _ = pc.WriteTo([]byte(b.String()), from)
		}
	}()
}

// OPTIONS pings mark a dead hop down, so calls go to the live one without
// waiting for the dead one's timeout; /metrics shows relay_um_up.
func TestHopHealth(t *testing.T) {
	needSipp(t)
	relayPort, deadPort, umPort := freePort(t, "udp"), freePort(t, "udp"), freePort(t, "udp")
	cfg := baseConfig(relayPort, deadPort, umPort)
	cfg.HopTimeout, cfg.HopCheck = Duration(300*time.Millisecond), Duration(100*time.Millisecond)
	cfg.Presence.Source = "never-hold"
	goUM(t, umPort)
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
	startSipp(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", scenario("uac_call.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")), "-m", "1").wait(t, "caller")
	if r.Metrics.fo.Load() != 0 || r.Metrics.Calls(OutcomeAnswered) != 1 {
		t.Fatalf("failovers %d (the dead hop was tried), answered %d", r.Metrics.fo.Load(), r.Metrics.Calls(OutcomeAnswered))
	}
}

// max_held caps the calls on hold (the call over the cap goes on at once), and
// a drain (SIGTERM) sends the held calls to UM at once instead of dropping them.
func TestMaxHeldAndDrain(t *testing.T) {
	needSipp(t)
	relayPort, umPort := freePort(t, "udp"), freePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Hold, cfg.MaxHeld = Duration(time.Hour), 1
	r, _ := startRelay(t, cfg)
	um := startSipp(t, "-sf", scenario("uas_answer_check.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(umPort), "-m", "2")
	caller := startSipp(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", scenario("uac_call.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")),
		"-m", "2", "-l", "2", "-r", "10")
	deadline := time.Now().Add(10 * time.Second)
	for r.Held() != 1 || r.Metrics.Calls(OutcomeAnswered) != 1 {
		if time.Now().After(deadline) {
			t.Fatalf("held %d answered %d: want one call held and the other answered", r.Held(), r.Metrics.Calls(OutcomeAnswered))
		}
		time.Sleep(50 * time.Millisecond)
	}
	r.Drain()
	caller.wait(t, "caller")
	um.wait(t, "UM")
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
	needSipp(t)
	relayPort, umPort := freePort(t, "udp"), freePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Hold = Duration(10 * time.Second)
	cfg.Notify.UMInfo = true
	r, rec := startRelay(t, cfg, func(r *Relay) {
		r.UseDirectory(routing.StaticResolver{"+4790000001": "sip:alice@contoso.com", "sip:alice@contoso.com": "EUM:alice@contoso.com;phone-context=DP.contoso.com"})
	})
	um := startSipp(t, "-sf", scenario("uas_uminfo.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(umPort), "-m", "1")
	call := func(sc string) {
		startSipp(t, fmt.Sprintf("127.0.0.1:%d", relayPort), "-sf", scenario(sc), "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")), "-m", "1").wait(t, sc)
	}
	call("uac_cancel_elsewhere.xml") // answered on the mobile: no INFO
	call("uac_cancel.xml")
	call("uac_cancel.xml")
	um.wait(t, "UM (notification session and two INFOs)")
	if n := r.Metrics.Notes("sent"); n != 2 || rec.count() != 2 {
		t.Fatalf("%d INFOs sent, %d missed calls recorded; want 2 and 2", n, rec.count())
	}
}

// Position B with upstream: what Exchange UM (127.0.0.3) sends — an MWI
// NOTIFY, its own INVITE and that call's BYE — goes to Lync upstream, while a
// caller's INVITE still goes to UM.
func TestUpstreamFromUM(t *testing.T) {
	needSipp(t)
	relayPort, umPort, lyncPort := freePort(t, "udp"), freePort(t, "udp"), freePort(t, "udp")
	cfg := &Config{Listen: []string{fmt.Sprintf("udp://127.0.0.1:%d", relayPort)}, NextHops: []string{fmt.Sprintf("udp://127.0.0.3:%d", umPort)},
		Upstream: UpstreamConfig{Hops: []string{fmt.Sprintf("udp://127.0.0.1:%d", lyncPort)}}}
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg)
	relay := fmt.Sprintf("127.0.0.1:%d", relayPort)

	lync := startSipp(t, "-sf", scenario("uas_notify.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(lyncPort), "-m", "1")
	startSipp(t, relay, "-sf", scenario("uac_notify.xml"), "-i", "127.0.0.3", "-p", fmt.Sprint(freePort(t, "udp")), "-m", "1").wait(t, "UM's NOTIFY")
	lync.wait(t, "Lync (the NOTIFY from UM)")

	lync = startSipp(t, "-sf", scenario("uas_answer_check.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(lyncPort), "-m", "1")
	startSipp(t, relay, "-sf", scenario("uac_call.xml"), "-i", "127.0.0.3", "-p", fmt.Sprint(freePort(t, "udp")), "-m", "1").wait(t, "UM's call")
	lync.wait(t, "Lync (UM's INVITE and BYE)")

	um := startSipp(t, "-sf", scenario("uas_answer_check.xml"), "-i", "127.0.0.3", "-p", fmt.Sprint(umPort), "-m", "1")
	startSipp(t, relay, "-sf", scenario("uac_call.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(freePort(t, "udp")), "-m", "1").wait(t, "caller")
	um.wait(t, "UM (the caller's INVITE)")
	if n := r.Metrics.Calls(OutcomeAnswered); n != 2 {
		t.Fatalf("%d answered calls, want 2", n)
	}
}
