package main

import (
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
)

// completions runs `umctl __complete ARGS` and returns the values offered and
// the directive line.
func completions(t *testing.T, args ...string) ([]string, string) {
	t.Helper()
	code, out, errOut := umctl(t, append([]string{"__complete"}, args...)...)
	if code != 0 {
		t.Fatalf("__complete %v: exit %d: %s", args, code, errOut)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	var vals []string
	for _, l := range lines[:len(lines)-1] {
		v, _, _ := strings.Cut(l, "\t")
		vals = append(vals, v)
	}
	return vals, lines[len(lines)-1]
}

// TestCompleteDirectoryObjects: the commands that name a contact, a user or a
// hunt group complete them from the lab, never file names.
func TestCompleteDirectoryObjects(t *testing.T) {
	resetLab(t)
	if code, _, errOut := umctl(t, "ucutil"); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := umctl(t, "huntgroup", "new", "--gateway", "1:1", "--dial-plan", lab.TelExtDialPlan); code != 0 {
		t.Fatal(errOut)
	}
	for _, sip := range []string{"sip:ova@" + lab.Domain, "sip:aa@" + lab.Domain} {
		num := map[bool]string{true: lab.SipAccess, false: "+4790000777"}[strings.HasPrefix(sip, "sip:ova")]
		if code, _, errOut := umctl(t, newContactArgs(sip, num)...); code != 0 {
			t.Fatal(errOut)
		}
	}
	has := func(vals []string, v string) bool {
		for _, x := range vals {
			if strings.EqualFold(x, v) {
				return true
			}
		}
		return false
	}
	for _, tc := range []struct {
		args     []string
		want     []string
		wantNot  []string
		wantNone bool
	}{
		{args: []string{"contact", "get", ""}, want: []string{"sip:ova@" + lab.Domain, "sip:aa@" + lab.Domain}},
		{args: []string{"contact", "set", "sip:o"}, want: []string{"sip:ova@" + lab.Domain}, wantNot: []string{"sip:aa@" + lab.Domain}},
		{args: []string{"contact", "remove", "sip:aa@" + lab.Domain, ""}, want: []string{"sip:ova@" + lab.Domain}, wantNot: []string{"sip:aa@" + lab.Domain}},
		{args: []string{"contact", "move", "sip:aa@" + lab.Domain, ""}, wantNone: true}, // one identity only
		{args: []string{"eum", "list", ""}, want: []string{lab.User(1, lab.Domain).Sam}, wantNot: []string{"Administrator"}},
		{args: []string{"eum", "remove", lab.User(1, lab.Domain).Sam[:3]}, want: []string{lab.User(1, lab.Domain).Sam}},
		{args: []string{"eum", "add", "adm"}, want: []string{"Administrator"}}, // any user
		{args: []string{"huntgroup", "remove", ""}, want: []string{lab.TelExtDialPlan}},
	} {
		vals, dir := completions(t, tc.args...)
		if dir != ":4" {
			t.Errorf("%v: directive %s, want :4 (no file names)", tc.args, dir)
		}
		for _, w := range tc.want {
			if !has(vals, w) {
				t.Errorf("%v: %q not offered: %v", tc.args, w, vals)
			}
		}
		for _, w := range tc.wantNot {
			if has(vals, w) {
				t.Errorf("%v: %q offered: %v", tc.args, w, vals)
			}
		}
		if tc.wantNone && len(vals) > 0 {
			t.Errorf("%v: offered %v", tc.args, vals)
		}
	}
}

// TestObjectArgumentsComplete: every command whose first argument names a
// directory object completes it (no file names).
func TestObjectArgumentsComplete(t *testing.T) {
	io, _, _, _ := cli.Test()
	walkTree(newRootCmd(newApp(io)), func(c *cobra.Command) {
		use := strings.Fields(c.Use)
		if len(use) < 2 {
			return
		}
		switch strings.Trim(use[1], "[].") {
		case "NAME", "IDENTITY", "USER":
			if c.ValidArgsFunction == nil {
				t.Errorf("%s takes %s but completes nothing", c.CommandPath(), use[1])
			}
		}
	})
}

// stallingServer accepts TCP connections and never says a word: a DC whose
// TLS (or LDAP) never answers.
func stallingServer(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		ln.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return ln.Addr().String()
}

// TestCompletionGivesUpAfter3s: against a DC that accepts TCP but never
// finishes TLS (LDAPS) or never answers StartTLS, a TAB returns after the
// documented 3 s (it took the 10 s connect timeout), even with a configured
// --timeout of 30 s, offering nothing and no file names.
func TestCompletionGivesUpAfter3s(t *testing.T) {
	isolate(t)
	addr := stallingServer(t)
	t.Setenv("UMCTL_BIND_DN", "CN=x")
	t.Setenv("UMCTL_BIND_PASSWORD", "x")
	t.Setenv("UMCTL_TIMEOUT", "30s")
	for _, scheme := range []string{"ldaps", "ldap"} {
		t.Setenv("UMCTL_SERVER", scheme+"://"+addr)
		start := time.Now()
		code, out, errOut := execUmctl(t, "__complete", "contact", "get", "")
		took := time.Since(start)
		if code != 0 || strings.TrimSpace(strings.Split(out, "\n")[0]) != ":4" {
			t.Errorf("%s: exit %d, %q %s", scheme, code, out, errOut)
		}
		if took > 5*time.Second {
			t.Errorf("%s: TAB took %v against a stalled DC; the limit is 3 s", scheme, took.Round(time.Millisecond))
		}
		t.Logf("%s: TAB gave up after %v", scheme, took.Round(time.Millisecond))
	}
}
