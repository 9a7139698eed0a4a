// Package kamailiotest runs Kamailio (Debian package kamailio) as a real SIP
// proxy in tests, on 127.0.0.1 with free ports and a config of the test's
// choosing. Without kamailio the tests are skipped, unless
// UMCTL_REQUIRE_KAMAILIO=1 (CI), which makes that a failure.
package kamailiotest

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Need skips the test when kamailio is not installed (fails it under UMCTL_REQUIRE_KAMAILIO=1).
func Need(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("kamailio"); err != nil {
		if os.Getenv("UMCTL_REQUIRE_KAMAILIO") == "1" {
			t.Fatal("kamailio required (UMCTL_REQUIRE_KAMAILIO=1) but not installed (Debian package kamailio)")
		}
		t.Skip("kamailio not installed (Debian package kamailio)")
	}
}

// Config is the path of a file in the module (e.g. "examples/kamailio-dispatcher.cfg"
// or "internal/kamailiotest/fork.cfg"), found from the working directory.
func Config(rel string) string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, filepath.FromSlash(rel))
		}
		if filepath.Dir(d) == d {
			return filepath.Join(dir, rel) // not in the module: kamailio reports the missing file
		}
	}
}

// Proc is a running Kamailio; it is stopped when the test ends.
type Proc struct {
	cmd *exec.Cmd
	log *buffer
}

// Start runs kamailio in the foreground with cfg and the preprocessor defines
// (NAME=VALUE, passed as -A; a string value needs its quotes: URI="sip:…"),
// and returns once it answers an OPTIONS on addr (host:port, UDP), so the
// config must answer OPTIONS without a user part itself.
func Start(t *testing.T, cfg, addr string, defines ...string) *Proc {
	t.Helper()
	dir := t.TempDir()
	args := []string{"-f", cfg, "-DD", "-E", "-m", "64", "-M", "8", "-w", dir, "-P", filepath.Join(dir, "kamailio.pid"), "-Y", dir}
	for _, d := range defines {
		args = append(args, "-A", d)
	}
	cmd := exec.Command("kamailio", args...)
	log := &buffer{}
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &Proc{cmd: cmd, log: log}
	exited := make(chan struct{})
	go func() { _ = cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM) // the main process stops its workers
		select {
		case <-exited:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() || testing.Verbose() {
			t.Logf("kamailio log (%s):\n%s", cfg, p.Log())
		}
	})
	deadline := time.Now().Add(10 * time.Second)
	for !options(addr) {
		select {
		case <-exited:
			t.Fatalf("kamailio exited at start:\n%s", p.Log())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("kamailio does not answer OPTIONS on %s after 10 s:\n%s", addr, p.Log())
		}
	}
	return p
}

// Log is what Kamailio has written so far.
func (p *Proc) Log() string { return p.log.String() }

// options sends one OPTIONS to addr and reports whether a 200 came back within 200 ms.
func options(addr string) bool {
	c, err := net.Dial("udp", addr)
	if err != nil {
		return false
	}
	defer c.Close()
	local := c.LocalAddr().String()
	req := fmt.Sprintf("OPTIONS sip:%s SIP/2.0\r\nVia: SIP/2.0/UDP %s;branch=z9hG4bK-ready%d\r\nMax-Forwards: 70\r\n"+
		"From: <sip:probe@%s>;tag=ready\r\nTo: <sip:%s>\r\nCall-ID: ready-%d@127.0.0.1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n",
		addr, local, time.Now().UnixNano(), local, addr, time.Now().UnixNano())
	if _, err := c.Write([]byte(req)); err != nil {
		time.Sleep(200 * time.Millisecond)
		return false
	}
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	buf := make([]byte, 4096)
	n, err := c.Read(buf)
	return err == nil && strings.HasPrefix(string(buf[:n]), "SIP/2.0 200 ")
}

type buffer struct {
	mu sync.Mutex
	b  strings.Builder
}

func (b *buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
