package main

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestSameUserTwice: one user listed under two names (account and
// UPN) is a problem of the manifest naming both entries, exit 2, nothing
// written. Planned as two users, the two modifies each set the user's EUM
// record: apply failed half way with a misleading conflict (exit 5), left
// the addresses unrecorded, and with --prune each entry removed the other's.
func TestManifestSameUserTwice(t *testing.T) {
	resetLab(t)
	u := lab.User(32, lab.Domain) // a user without EUM addresses
	path := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion, EUM: []manifest.EUMUser{
		{User: u.Sam, Addresses: []manifest.EUMAddress{{DialPlan: lab.TelExtDialPlan, Extension: "31291"}}},
		{User: strings.ToUpper(u.Sam) + "@" + lab.Domain, Addresses: []manifest.EUMAddress{e164("+4721000991")}},
	}})
	usn := labtest.HighestUSN(t)
	for _, args := range [][]string{{"plan", "-f", path}, {"apply", "-f", path, "--prune", "--yes"}} {
		code, out, errOut := umctl(t, args...)
		if code != cli.ExitUsage || out != "" || !strings.Contains(errOut, "eum[1].user: invalid input: user \""+strings.ToUpper(u.Sam)+"@"+lab.Domain+"\" is also given as \""+u.Sam+"\" at ") {
			t.Errorf("umctl %v: exit %d, stdout %q, stderr %q; want exit 2 naming both entries", args, code, out, errOut)
		}
	}
	if labtest.HighestUSN(t) != usn {
		t.Error("a manifest listing one user twice wrote")
	}
}
