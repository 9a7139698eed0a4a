package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/sipptest"
)

// TestMain lets a test run this binary as umctl itself (UMCTL_TEST_EXEC=1), for
// what only a separate process shows: signals and the exit code.
func TestMain(m *testing.M) {
	if os.Getenv("UMCTL_TEST_EXEC") == "1" {
		os.Exit(run(os.Args[1:], cli.System()))
	}
	os.Exit(m.Run())
}

// logLines collects a process's stderr lines and waits for one.
type logLines struct {
	mu    sync.Mutex
	lines []string
	added chan struct{}
}

func collect(r io.Reader) *logLines {
	l := &logLines{added: make(chan struct{}, 1)}
	go func() {
		s := bufio.NewScanner(r)
		for s.Scan() {
			l.mu.Lock()
			l.lines = append(l.lines, s.Text())
			l.mu.Unlock()
			select {
			case l.added <- struct{}{}:
			default:
			}
		}
	}()
	return l
}

// count is the number of lines containing every one of parts.
func (l *logLines) count(parts ...string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
next:
	for _, line := range l.lines {
		for _, p := range parts {
			if !strings.Contains(line, p) {
				continue next
			}
		}
		n++
	}
	return n
}

func (l *logLines) waitFor(t *testing.T, n int, parts ...string) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for l.count(parts...) < n {
		select {
		case <-l.added:
		case <-deadline:
			l.mu.Lock()
			defer l.mu.Unlock()
			t.Fatalf("no log line with %q after 10 s; the log:\n%s", parts, strings.Join(l.lines, "\n"))
		}
	}
}

// umctl relay run as a service, between sipp as the caller and sipp as Exchange
// UM: SIGHUP reloads the policy (an available-for-all relay starts holding), a
// caller who gives up during the hold reaches the webhook, SIGTERM forwards a
// held call at once and the process exits 0; one log line per call.
func TestRelayRunSignals(t *testing.T) {
	sipptest.Need(t)
	isolate(t)
	relayPort, umPort, metricsPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "tcp")

	hooks := make(chan map[string]any, 4)
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		hooks <- m
	}))
	defer hook.Close()

	config := func(presence string) string {
		return fmt.Sprintf("listen: [udp://127.0.0.1:%d]\nnext_hops: [udp://127.0.0.1:%d]\nhold: 30s\npresence: {source: %s}\nnotify: {webhook: %q}\nmetrics: 127.0.0.1:%d\n",
			relayPort, umPort, presence, hook.URL, metricsPort)
	}
	relay := startRelayProc(t, config("never-hold"))
	cmd, log := relay.cmd, relay.log

	um := sipptest.UAS(t, umPort, sipptest.Scenario("uas_answer_check.xml"), 2)
	call := func(sf string) *sipptest.Run { return sipptest.Call(t, relayPort, sipptest.Scenario(sf)) }
	if d := call("uac_call.xml").Wait(t, "first call (never-hold)"); d > 1500*time.Millisecond {
		t.Fatalf("the first call took %v; never-hold forwards at once", d)
	}
	log.waitFor(t, 1, `"msg":"call"`, `"outcome":"answered"`, `"decision":"forward"`)

	if err := os.WriteFile(relay.path, []byte(config("always-hold")), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	log.waitFor(t, 1, `"msg":"reloaded"`)
	call("uac_cancel.xml").Wait(t, "caller who gives up during the hold")
	select {
	case m := <-hooks:
		if m["event"] != "missed_call" || m["target"] != "+4790000001" || m["callId"] == "" || m["callId"] == nil {
			t.Fatalf("webhook body %v", m)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("no missed-call webhook after the caller gave up during the hold")
	}

	held := call("uac_call.xml")
	waitHeld(t, metricsPort)
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if d := held.Wait(t, "the call held at SIGTERM"); d > 10*time.Second {
		t.Fatalf("the held call ended %v after SIGTERM; it must be forwarded at once, not after its 30 s hold", d)
	}
	um.Wait(t, "UM (the first call and the one held at SIGTERM)")
	if err := relay.wait(); err != nil {
		t.Fatalf("umctl relay run after SIGTERM: %v (want exit 0)", err)
	}
	if n := log.count(`"msg":"call"`); n != 3 {
		t.Fatalf("%d call log lines, want 3", n)
	}
	if n := log.count(`"msg":"call"`, `"outcome":"answered"`, `"decision":"hold"`); n != 1 {
		t.Fatalf("%d answered held calls logged, want 1 (the one SIGTERM forwarded)", n)
	}
	if len(hooks) != 0 {
		t.Fatalf("%d more webhooks; the answered calls must not notify", len(hooks))
	}
}

// waitHeld waits until the relay's /metrics shows a call on hold.
func waitHeld(t *testing.T, port int) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
		if err != nil {
			continue
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if strings.Contains(string(body), "\nrelay_held_calls 1\n") {
			return
		}
	}
	t.Fatal("no call on hold after 5 s (relay_held_calls)")
}
