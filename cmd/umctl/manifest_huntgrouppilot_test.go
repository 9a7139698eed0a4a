package main

import (
	"testing"

	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestHuntGroupOmittedPilot: a hunt group entry without pilot does
// not manage it: an existing hunt group keeps its hand-set pilot (it was set
// back to the dial plan's default), and a new one gets the default.
func TestManifestHuntGroupOmittedPilot(t *testing.T) {
	resetLabWithGateways(t)
	if code, _, errOut := umctl(t, "huntgroup", "new", "--gateway", "1:1", "--dial-plan", lab.TelExtDialPlan, "--name", "Support", "--pilot", "31999"); code != 0 {
		t.Fatalf("huntgroup new: exit %d: %s", code, errOut)
	}
	path := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion, HuntGroups: []manifest.HuntGroup{
		{Gateway: "1:1", Name: "Support", DialPlan: lab.TelExtDialPlan}, {Gateway: "1:2", Name: "Fresh", DialPlan: lab.TelExtDialPlan}}})
	pending, code := pendingChanges(t, path)
	if code != 3 || len(pending) != 1 || pending[0].Action != "add" {
		t.Fatalf("plan: exit %d, pending %+v; want only the new hunt group's add", code, pending)
	}
	if code, _, errOut := umctl(t, "apply", "-f", path); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	pilots := map[string]string{}
	for _, e := range labtest.LDAPSearch(t, gwBase, "sub", "(|(cn=Support)(cn=Fresh))", "cn", "msExchUMPilotIdentifier") {
		pilots[e["cn"][0]] = e["msexchumpilotidentifier"][0]
	}
	if pilots["Support"] != "31999" || pilots["Fresh"] != lab.TelExtDialPlan {
		t.Errorf("pilots %v, want Support 31999 (kept) and Fresh %s (the default)", pilots, lab.TelExtDialPlan)
	}
}

// TestManifestHuntGroupWithoutPilot: a hunt group that has no pilot at all
// (msExchUMPilotIdentifier is optional; export then omits it) listed without
// one is unchanged: plan exit 0, apply writes nothing, and it still has none.
func TestManifestHuntGroupWithoutPilot(t *testing.T) {
	resetLabWithGateways(t)
	if code, _, errOut := umctl(t, "huntgroup", "new", "--gateway", "1:1", "--dial-plan", lab.TelExtDialPlan, "--name", "NoPilot", "--pilot", "31998"); code != 0 {
		t.Fatalf("huntgroup new: exit %d: %s", code, errOut)
	}
	dn := labtest.LDAPSearch(t, gwBase, "sub", "(cn=NoPilot)", "dn")[0]["dn"][0]
	labtest.LDAPModify(t, "dn: "+dn+"\nchangetype: modify\ndelete: msExchUMPilotIdentifier\n-\n")
	path := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion, HuntGroups: []manifest.HuntGroup{
		{Gateway: "1:1", Name: "NoPilot", DialPlan: lab.TelExtDialPlan}}})
	if pending, code := pendingChanges(t, path); code != 0 || len(pending) != 0 {
		t.Fatalf("plan: exit %d, %d pending, want none: %+v", code, len(pending), pending)
	}
	usn := labtest.HighestUSN(t)
	if code, _, errOut := umctl(t, "apply", "-f", path); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	if got := labtest.LDAPSearch(t, gwBase, "sub", "(cn=NoPilot)", "msExchUMPilotIdentifier"); labtest.HighestUSN(t) != usn || len(got[0]["msexchumpilotidentifier"]) != 0 {
		t.Fatalf("apply wrote: %v", got)
	}
}
