package main

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// removedTwice runs a remove whose object is gone already: the directory is
// as asked, so it reports no changes and exits 0, writes nothing, and says on
// stderr what it did not find (a typo shows).
func removedTwice(t *testing.T, args []string, missing string) {
	t.Helper()
	usn := labtest.HighestUSN(t)
	code, out, errOut := umctl(t, args...)
	if code != 0 || !strings.Contains(out, "No changes") || !strings.Contains(errOut, missing) || !strings.Contains(errOut, "nothing to remove") {
		t.Fatalf("%v again: exit %d, want 0, No changes and %q on stderr:\n%s%s", args, code, missing, out, errOut)
	}
	if labtest.HighestUSN(t) != usn {
		t.Fatalf("%v again wrote", args)
	}
}

// A second run of a remove is unchanged (exit 0), as a second run of an add is.
func TestRemoveTwiceIsUnchanged(t *testing.T) {
	resetLab(t)
	sip := "sip:twice@" + lab.Domain
	if code, _, errOut := umctl(t, newContactArgs(sip, "+4790000788", "--yes")...); code != 0 {
		t.Fatalf("contact new: %s", errOut)
	}
	for i := 0; i < 2; i++ {
		if code, _, errOut := umctl(t, "contact", "remove", sip, "--yes"); code != 0 {
			t.Fatalf("contact remove #%d: exit %d: %s", i+1, code, errOut)
		}
	}
	removedTwice(t, []string{"contact", "remove", sip, "--yes"}, `no Exchange UM contact "`+sip+`"`)
	removedTwice(t, []string{"contact", "remove", "sip:twice*", "--yes"}, `no Exchange UM contact matches "sip:twice*"`)
	u := lab.User(22, lab.Domain) // EUM:30022 in TelExtnDP
	if code, _, errOut := umctl(t, "eum", "remove", u.Sam, "--extension", "30022", "--yes"); code != 0 {
		t.Fatalf("eum remove: %s", errOut)
	}
	removedTwice(t, []string{"eum", "remove", u.Sam, "--extension", "30022", "--yes"}, "user "+u.Sam+" has no matching EUM address")
	// The user is what the command names: one that does not exist stays an error.
	if code, _, errOut := umctl(t, "eum", "remove", "nosuch.user", "--all", "--yes"); code == 0 || !strings.Contains(errOut, "nosuch.user") {
		t.Fatalf("eum remove of an unknown user: exit %d: %s", code, errOut)
	}
	// So is the gateway a hunt group remove names: a typo there is not "nothing to remove".
	if code, _, errOut := umctl(t, "huntgroup", "remove", lab.SipDialPlan, "--gateway", "nosuch-gw", "--yes"); code != cli.ExitFailure || !strings.Contains(errOut, `"nosuch-gw"`) || strings.Contains(errOut, "nothing to remove") {
		t.Fatalf("huntgroup remove --gateway of an unknown gateway: exit %d, want %d: %s", code, cli.ExitFailure, errOut)
	}
}
