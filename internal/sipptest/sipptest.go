// Package sipptest runs sipp (Debian package sip-tester) as a real SIP peer in
// tests, on 127.0.0.1 with free ports. Without sipp the tests are skipped,
// unless UMCTL_REQUIRE_SIPP=1 (CI), which makes that a failure.
package sipptest

import (
	"bytes"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Need skips the test when sipp is not installed (fails it under UMCTL_REQUIRE_SIPP=1).
func Need(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("sipp"); err != nil {
		if os.Getenv("UMCTL_REQUIRE_SIPP") == "1" {
			t.Fatal("sipp required (UMCTL_REQUIRE_SIPP=1) but not installed (Debian package sip-tester)")
		}
		t.Skip("sipp not installed (Debian package sip-tester)")
	}
}

// FreePort returns a port on 127.0.0.1 that is free for network ("udp" or "tcp").
func FreePort(t testing.TB, network string) int {
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

// Scenario is the path of a scenario in internal/sipptest/scenarios, found from
// the working directory (under go test, the directory of the package tested).
func Scenario(name string) string {
	dir, _ := os.Getwd()
	for d := dir; ; d = filepath.Dir(d) {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return filepath.Join(d, "internal", "sipptest", "scenarios", name)
		}
		if filepath.Dir(d) == d {
			return filepath.Join(dir, name) // not in the module: sipp reports the missing file
		}
	}
}

// ScenarioWith is a copy of Scenario(name) with placeholder replaced by value
// (sipp expands no keywords in a regexp).
func ScenarioWith(t *testing.T, name, placeholder, value string) string {
	t.Helper()
	xml, err := os.ReadFile(Scenario(name))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, bytes.ReplaceAll(xml, []byte(placeholder), []byte(value)), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// UAS runs sipp as a server (Exchange UM, Lync) on 127.0.0.1:port for calls
// calls; it returns once sipp listens.
func UAS(t *testing.T, port int, scenario string, calls int) *Run {
	t.Helper()
	r := Start(t, "-sf", scenario, "-i", "127.0.0.1", "-p", fmt.Sprint(port), "-m", fmt.Sprint(calls))
	r.Listening(t, "udp", port)
	return r
}

// Call runs sipp as a caller: one call over UDP from 127.0.0.1 to 127.0.0.1:port.
func Call(t *testing.T, port int, scenario string) *Run {
	t.Helper()
	return Start(t, fmt.Sprintf("127.0.0.1:%d", port), "-sf", scenario, "-i", "127.0.0.1", "-p", fmt.Sprint(FreePort(t, "udp")), "-m", "1")
}

// Run is a running sipp; it is killed when the test ends.
type Run struct {
	cmd *exec.Cmd
	out *strings.Builder
}

// Start runs sipp with args (plus -nostdin, a 40 s timeout and an error log).
// UMCTL_SIPP_TRACE=dir keeps every message sipp sent and received there.
func Start(t *testing.T, args ...string) *Run {
	t.Helper()
	dir := t.TempDir()
	args = append(args, "-nostdin", "-timeout", "40s", "-timeout_error", "-trace_err", "-error_file", filepath.Join(dir, "err.log"),
		"-trace_stat", "-stf", filepath.Join(dir, "stat.csv"))
	if d := os.Getenv("UMCTL_SIPP_TRACE"); d != "" {
		name := t.Name()[strings.LastIndex(t.Name(), "/")+1:]
		args = append(args, "-trace_msg", "-message_file", filepath.Join(d, fmt.Sprintf("%s-%d.log", name, time.Now().UnixNano())))
	}
	cmd := exec.Command("sipp", args...)
	cmd.Dir = dir
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _, _ = cmd.Process.Wait() })
	return &Run{cmd, out}
}

// Wait returns when sipp exits and fails the test, with sipp's screen and error
// log, when its scenario failed. It returns how long it waited.
func (s *Run) Wait(t *testing.T, what string) time.Duration {
	t.Helper()
	t0 := time.Now()
	if err := s.cmd.Wait(); err != nil {
		errs, _ := os.ReadFile(filepath.Join(s.cmd.Dir, "err.log"))
		t.Fatalf("%s: sipp %v\n%s\n%s", what, err, tail(s.out.String(), 40), errs)
	}
	return time.Since(t0)
}

// Counts waits until sipp exits and returns its successful and failed calls
// (from its -trace_stat file), for runs in which some calls are meant to fail.
func (s *Run) Counts(t *testing.T, what string) (ok, failed int) {
	t.Helper()
	_ = s.cmd.Wait()
	data, err := os.ReadFile(filepath.Join(s.cmd.Dir, "stat.csv"))
	lines := strings.Split(strings.TrimSpace(string(data)), "\n")
	if err != nil || len(lines) < 2 {
		t.Fatalf("%s: no sipp statistics (%v)\n%s", what, err, tail(s.out.String(), 40))
	}
	head, last := strings.Split(lines[0], ";"), strings.Split(lines[len(lines)-1], ";")
	for i, h := range head {
		if i < len(last) {
			switch h {
			case "SuccessfulCall(C)":
				ok, _ = strconv.Atoi(last[i])
			case "FailedCall(C)":
				failed, _ = strconv.Atoi(last[i])
			}
		}
	}
	return ok, failed
}

func tail(s string, n int) string {
	l := strings.Split(s, "\n")
	if len(l) > n {
		l = l[len(l)-n:]
	}
	return strings.Join(l, "\n")
}

// OK is a 200 OK to the raw SIP request req from a peer on 127.0.0.1:port, for
// Go peers that stand in where a sipp scenario cannot (OPTIONS between calls):
// Via, From, Call-ID and CSeq copied (full or compact names), To with a tag
// added when it has none, and a Contact. The request's body is not read.
func OK(req string, port int) string {
	var b strings.Builder
	b.WriteString("SIP/2.0 200 OK\r\n")
	lines := strings.Split(req, "\n")
	for _, l := range lines[1:] {
		l = strings.TrimRight(l, "\r")
		if l == "" {
			break
		}
		k, _, _ := strings.Cut(l, ":")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "via", "v", "from", "f", "call-id", "i", "cseq":
			b.WriteString(l + "\r\n")
		case "to", "t":
			if !strings.Contains(l, "tag=") {
				l += ";tag=peer"
			}
			b.WriteString(l + "\r\n")
		}
	}
	fmt.Fprintf(&b, "Contact: <sip:127.0.0.1:%d>\r\nContent-Length: 0\r\n\r\n", port)
	return b.String()
}
