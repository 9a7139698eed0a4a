package main

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/labtest"
)

// TestHuntGroupNameWithEquals: a hunt group named with "=" (and the other
// characters a DN escapes) is created under that name and found again by the
// next run; "=" went into the DN unescaped and the DC refused it ("Invalid DN
// Syntax", exit 1).
func TestHuntGroupNameWithEquals(t *testing.T) {
	resetLabWithGateways(t)
	name := `Sales=East, "B" \ (main)*+;<>#`
	args := []string{"huntgroup", "new", "--gateway", "1:1", "--dial-plan", "TelExtnDP", "--name", name, "--pilot", "31777"}
	if code, _, errOut := umctl(t, args...); code != 0 {
		t.Fatalf("huntgroup new --name %q: exit %d: %s", name, code, errOut)
	}
	es := labtest.LDAPSearch(t, gwBase, "sub", "(&(objectClass=msExchUMHuntGroup)(cn="+labtest.EscapeFilter(name)+"))", "cn", "msExchUMPilotIdentifier")
	if len(es) != 1 || es[0]["cn"][0] != name || es[0]["msexchumpilotidentifier"][0] != "31777" {
		t.Fatalf("ldapsearch finds %v, want one hunt group cn=%q", es, name)
	}
	usn := labtest.HighestUSN(t)
	if code, out, errOut := umctl(t, args...); code != 0 || !strings.Contains(out, "No changes: 1 unchanged") || labtest.HighestUSN(t) != usn {
		t.Fatalf("second run: exit %d, %q %q, or it wrote", code, out, errOut)
	}
}
