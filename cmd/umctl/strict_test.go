package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/cli"
)

// execUmctl runs this test binary as umctl (see TestMain) and returns the exit
// code, stdout and stderr: what a shell script sees.
func execUmctl(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), "UMCTL_TEST_EXEC=1")
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return code, out.String(), errOut.String()
}

// typo swaps the last two letters of a name (check → chekc), or doubles the
// last one when that changes nothing.
func typo(name string) string {
	b := []byte(name)
	n := len(b)
	if n < 2 || b[n-1] == b[n-2] {
		return name + name[n-1:]
	}
	b[n-1], b[n-2] = b[n-2], b[n-1]
	return string(b)
}

// TestMistypedSubcommandsFail runs the binary with a mistyped subcommand under
// every command group: each must exit 2 and suggest the right name, and
// print nothing on stdout (a CI step with a typo must fail).
func TestMistypedSubcommandsFail(t *testing.T) {
	isolate(t)
	io, _, _, _ := cli.Test()
	root := newRootCmd(newApp(io))
	groups := 0
	walkTree(root, func(c *cobra.Command) {
		if !c.HasSubCommands() {
			return
		}
		groups++
		sub := c.Commands()[0].Name()
		args := append(strings.Fields(strings.TrimPrefix(c.CommandPath(), "umctl")), typo(sub))
		code, out, errOut := execUmctl(t, args...)
		want := `unknown command "` + typo(sub) + `" for "` + c.CommandPath() + `"`
		if code != cli.ExitUsage || out != "" || !strings.Contains(errOut, want) || !strings.Contains(errOut, "Did you mean this?\n\t") || !strings.Contains(errOut, "\t"+sub+"\n") {
			t.Errorf("umctl %s: exit %d, stdout %q, stderr %q; want exit 2, %s and a suggestion of %q", strings.Join(args, " "), code, out, errOut, want, sub)
		}
	})
	if groups < 10 {
		t.Fatalf("only %d command groups found", groups)
	}
	// The typos of the issue, and a group named alone (its help, exit 0).
	for _, args := range [][]string{{"eum", "chekc"}, {"contact", "gett"}, {"gateway", "lst"}, {"lab", "stauts"}, {"help", "eum", "chekc"}} {
		if code, _, errOut := execUmctl(t, args...); code != cli.ExitUsage || !strings.Contains(errOut, "Did you mean this?") {
			t.Errorf("umctl %v: exit %d, stderr %q", args, code, errOut)
		}
	}
	if code, out, _ := execUmctl(t, "eum"); code != 0 || !strings.Contains(out, "Available Commands:") {
		t.Errorf("umctl eum: exit %d, stdout %q", code, out)
	}
}

// TestStrayArgumentsFail: every command declares what arguments it takes, so a
// stray argument is a usage error instead of being ignored.
func TestStrayArgumentsFail(t *testing.T) {
	isolate(t)
	io, _, _, _ := cli.Test()
	walkTree(newRootCmd(newApp(io)), func(c *cobra.Command) {
		if c.Runnable() && c.Args == nil {
			t.Errorf("%s accepts any arguments: give it Args", c.CommandPath())
		}
	})
	for _, args := range [][]string{{"pool", "list", "extra"}, {"lab", "status", "extra"}, {"relay", "check-config", "extra"}} {
		if code, out, errOut := execUmctl(t, args...); code != cli.ExitUsage || out != "" || !strings.Contains(errOut, `unknown command "extra"`) {
			t.Errorf("umctl %v: exit %d, stdout %q, stderr %q", args, code, out, errOut)
		}
	}
}
