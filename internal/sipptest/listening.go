package sipptest

import (
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// Listening returns once sipp has bound port on network ("udp", or "tcp"
// listening), as the kernel's socket table (/proc/net) shows, so a test sends
// nothing before sipp can receive it. It fails the test, with sipp's output,
// when that takes 10 s (sipp exited on a bad scenario or a taken port). Where
// there is no /proc/net it pauses 300 ms instead.
func (s *Run) Listening(t *testing.T, network string, port int) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		bound, err := portBound(network, port)
		if os.IsNotExist(err) {
			time.Sleep(300 * time.Millisecond)
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if bound {
			return
		}
		if time.Now().After(deadline) {
			_ = s.cmd.Process.Kill()
			_ = s.cmd.Wait() // its output is complete only then
			t.Fatalf("sipp is not listening on %s port %d after 10 s\n%s", network, port, tail(s.out.String(), 40))
		}
	}
}

// portBound reads /proc/net/<network> and <network>6 for a socket on port
// (a TCP one in state LISTEN).
func portBound(network string, port int) (bool, error) {
	want := fmt.Sprintf(":%04X", port)
	var firstErr error
	read := false
	for _, f := range []string{network, network + "6"} {
		data, err := os.ReadFile("/proc/net/" + f)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		read = true
		for _, line := range strings.Split(string(data), "\n")[1:] {
			fields := strings.Fields(line)
			if len(fields) < 4 || !strings.HasSuffix(fields[1], want) {
				continue
			}
			if network == "udp" || fields[3] == "0A" {
				return true, nil
			}
		}
	}
	if read { // one table read is enough to say "not yet"
		return false, nil
	}
	return false, firstErr
}
