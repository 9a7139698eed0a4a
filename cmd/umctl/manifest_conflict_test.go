package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestContactConflict: a manifest contact whose SIP address an
// existing contact has in another OU (which a modify cannot move it out of)
// is a conflict, exit 5 as `plan` and `apply` document (and as `contact new`
// exits), not the generic exit 1; and nothing is written.
func TestManifestContactConflict(t *testing.T) {
	resetLab(t)
	sip := "sip:conflict-ova@" + lab.Domain
	args := newContactArgs(sip, "+4790000555", "--ou", "OU=UM Users,"+lab.BaseDN)
	if code, _, errOut := umctl(t, args...); code != 0 {
		t.Fatalf("contact new: exit %d: %s", code, errOut)
	}
	path := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion, Contacts: []manifest.Contact{{SIPAddress: sip,
		RegistrarPool: "pool01." + lab.Domain, OU: contactOU, DisplayNumber: "+4790000555", DialPlan: lab.SipDialPlan, DisplayName: "Another name"}}})
	usn := labtest.HighestUSN(t)
	for _, args := range [][]string{{"plan", "-f", path}, {"apply", "-f", path}} {
		code, out, errOut := umctl(t, args...)
		if code != cli.ExitConflict || !strings.Contains(errOut, "already exists") || out != "" {
			t.Errorf("umctl %v: exit %d, stdout %q, stderr %q; want exit %d (conflict)", args, code, out, errOut, cli.ExitConflict)
		}
	}
	if labtest.HighestUSN(t) != usn {
		t.Error("the conflicting manifest wrote")
	}
}

// TestExitCodeConflict: every conflict exits 5, also one no command wrapped
// with its code (the manifest planners return ad.ErrConflict as it is).
func TestExitCodeConflict(t *testing.T) {
	err := fmt.Errorf("%w: contact sip:a@b already exists as CN=x and differs", ad.ErrConflict)
	if code := exitCode(err, true); code != cli.ExitConflict {
		t.Fatalf("exitCode(%v) = %d, want %d", err, code, cli.ExitConflict)
	}
}
