package main

import (
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// checkFits asserts that `umctl ARGS -o table` with COLUMNS=80 prints no line
// wider than 80 columns and no blank line, and that every value of the first
// column of the piped (TSV) form appears whole.
func checkFits(t *testing.T, args ...string) string {
	t.Helper()
	t.Setenv("COLUMNS", "80")
	code, table, errOut := umctl(t, append(args, "-o", "table")...)
	if code != 0 && code != 3 {
		t.Fatalf("umctl %v: exit %d: %s", args, code, errOut)
	}
	for _, l := range strings.Split(strings.TrimSuffix(table, "\n"), "\n") {
		if w := twwidth.Width(l); w > 80 || strings.TrimSpace(l) == "" {
			t.Errorf("umctl %v: a line of width %d: %q", args, w, l)
		}
	}
	_, tsv, _ := umctl(t, append(args, "--no-headers")...)
	for _, l := range strings.Split(strings.TrimSpace(tsv), "\n") {
		if id, _, _ := strings.Cut(l, "\t"); id != "" && !strings.Contains(table, id) {
			t.Errorf("umctl %v: identity %q is not whole in:\n%s", args, id, table)
		}
	}
	return table
}

// TestTablesFit80 renders the lab's lists at 80 columns.
func TestTablesFit80(t *testing.T) {
	useLab(t)
	for _, args := range [][]string{{"dialplan", "list"}, {"pool", "list"}, {"eum", "list"}, {"eum", "check"}, {"gateway", "list"}} {
		checkFits(t, args...)
	}
	out := checkFits(t, "dialplan", "get", "SipDP") // a view: values wrap at word boundaries
	if !strings.Contains(out, "CN=SipDP,") || !strings.Contains(out, "DC=test") {
		t.Errorf("dialplan get lost the DN:\n%s", out)
	}
}
