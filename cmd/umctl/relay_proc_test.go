package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// relayProc is `umctl relay run` as a separate process (this test binary with
// UMCTL_TEST_EXEC=1), with its log lines.
type relayProc struct {
	cmd    *exec.Cmd
	path   string // its config file: rewrite it and send SIGHUP to reload
	log    *logLines
	exited chan struct{}
	err    error // how the process ended, once exited is closed
}

// startRelayProc writes config to relay.yaml and runs the relay until the test
// ends (or kill); it returns once the relay listens.
func startRelayProc(t *testing.T, config string) *relayProc {
	t.Helper()
	path := filepath.Join(t.TempDir(), "relay.yaml")
	if err := os.WriteFile(path, []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "relay", "run", "--config", path)
	cmd.Env = append(os.Environ(), "UMCTL_TEST_EXEC=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &relayProc{cmd: cmd, path: path, log: collect(stderr), exited: make(chan struct{})}
	go func() { p.err = cmd.Wait(); close(p.exited) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			p.log.mu.Lock()
			t.Logf("relay %s log:\n%s", path, strings.Join(p.log.lines, "\n"))
			p.log.mu.Unlock()
		}
	})
	p.log.waitFor(t, 1, `"msg":"relay listening"`)
	return p
}

// kill ends the relay at once (SIGKILL: no drain) and waits until it is gone.
func (p *relayProc) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// wait waits until the relay has exited and returns how it ended (nil: exit 0).
func (p *relayProc) wait() error {
	<-p.exited
	return p.err
}

// held is relay_held_calls from the relay's /metrics on port (-1 when unreadable).
func held(port int) int { return metric(port, "relay_held_calls") }

// metric is an unlabelled gauge or counter from the relay's /metrics on port
// (-1 when unreadable).
func metric(port int, name string) int {
	resp, err := http.Get(fmt.Sprintf("http://127.0.0.1:%d/metrics", port))
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	for _, l := range strings.Split(string(body), "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			n, err := strconv.Atoi(strings.TrimSpace(v))
			if err == nil {
				return n
			}
		}
	}
	return -1
}

// webhookSink is an HTTP server that takes the relay's missed-call POSTs.
func webhookSink(t *testing.T) (string, chan map[string]any) {
	t.Helper()
	hooks := make(chan map[string]any, 64)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var m map[string]any
		if err := json.NewDecoder(r.Body).Decode(&m); err != nil || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad body", http.StatusBadRequest)
			return
		}
		m["_path"] = r.URL.Path
		hooks <- m
	}))
	t.Cleanup(srv.Close)
	return srv.URL, hooks
}

// sipHeader is the first value of a header in a raw SIP message.
func sipHeader(msg, name string) string {
	for _, l := range strings.Split(msg, "\r\n")[1:] {
		k, v, ok := strings.Cut(l, ":")
		if ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// noHook fails the test if a missed-call webhook arrives within wait.
func noHook(t *testing.T, hooks chan map[string]any, wait time.Duration) {
	t.Helper()
	select {
	case m := <-hooks:
		t.Fatalf("missed-call webhook %v; none may go out", m)
	case <-time.After(wait):
	}
}
