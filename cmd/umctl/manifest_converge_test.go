package main

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestContactConverges: a manifest contact that exists (in its OU)
// with other values is changed to match, as a gateway is: plan shows one
// modify (exit 3), apply writes it, ldapsearch reads the new number and
// name, and plan then has nothing to do. An auto attendant listed without
// autoAttendant keeps its type (omitted is unmanaged), and nothing is planned.
func TestManifestContactConverges(t *testing.T) {
	resetLab(t)
	sip, aa := "sip:converge-ova@"+lab.Domain, "sip:converge-aa@"+lab.Domain
	if code, _, errOut := umctl(t, newContactArgs(sip, "+4790000556", "--yes")...); code != 0 {
		t.Fatalf("contact new: exit %d: %s", code, errOut)
	}
	if code, _, errOut := umctl(t, newContactArgs(aa, "+4790000557", "--auto-attendant", "--yes")...); code != 0 {
		t.Fatalf("contact new --auto-attendant: exit %d: %s", code, errOut)
	}
	entry := func(sip, number, name string) manifest.Contact {
		return manifest.Contact{SIPAddress: sip, RegistrarPool: "pool01." + lab.Domain, OU: contactOU, DisplayNumber: number, DialPlan: lab.SipDialPlan, DisplayName: name}
	}
	path := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion, Contacts: []manifest.Contact{
		entry(sip, "+4790000558", "Converged OVA"), entry(aa, "+4790000557", "")}})
	pending, code := pendingChanges(t, path)
	if code != cli.ExitPartial || len(pending) != 1 || pending[0].Kind != "contact" || !strings.Contains(pending[0].DN, contactOU) {
		t.Fatalf("plan: exit %d, %d pending, want the one contact modify: %+v", code, len(pending), pending)
	}
	if code, _, errOut := umctl(t, "apply", "-f", path); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	got := labtest.LDAPSearch(t, contactOU, "one", "(msRTCSIP-PrimaryUserAddress="+labtest.EscapeFilter(sip)+")", "telephoneNumber", "msRTCSIP-Line", "displayName")
	if len(got) != 1 || got[0]["telephonenumber"][0] != "+4790000558" || got[0]["msrtcsip-line"][0] != "tel:+4790000558" || got[0]["displayname"][0] != "Converged OVA" {
		t.Fatalf("the contact in the directory: %v", got)
	}
	if pending, code := pendingChanges(t, path); code != 0 || len(pending) != 0 {
		t.Fatalf("plan after apply: exit %d, %d pending", code, len(pending))
	}
	if es := labtest.LDAPSearch(t, contactOU, "one", "(msRTCSIP-PrimaryUserAddress="+labtest.EscapeFilter(aa)+")", "otherIpPhone"); len(es) != 1 || !strings.Contains(strings.Join(es[0]["otheripphone"], " "), "AutoAttendant") {
		t.Fatalf("the auto attendant lost its type: %v", es)
	}
}

// TestManifestContactKeepsWhatItCannotState: a manifest has no enabled and
// no option flags but Enterprise Voice, so converging a listed contact leaves
// them as they are, as `contact set` does: a contact disabled by hand (and
// with another msRTCSIP-OptionFlags bit) that otherwise matches plans
// nothing (exit 0), and apply writes nothing (highestCommittedUSN).
func TestManifestContactKeepsWhatItCannotState(t *testing.T) {
	resetLab(t)
	sip := "sip:converge-off@" + lab.Domain
	if code, _, errOut := umctl(t, newContactArgs(sip, "+4790000559", "--yes")...); code != 0 {
		t.Fatalf("contact new: exit %d: %s", code, errOut)
	}
	if code, _, errOut := umctl(t, "contact", "set", sip, "--enabled", "false"); code != 0 {
		t.Fatalf("contact set --enabled false: exit %d: %s", code, errOut)
	}
	dn := labtest.LDAPSearch(t, contactOU, "one", "(msRTCSIP-PrimaryUserAddress="+labtest.EscapeFilter(sip)+")", "dn")[0]["dn"][0]
	labtest.LDAPModify(t, "dn: "+dn+"\nchangetype: modify\nreplace: msRTCSIP-OptionFlags\nmsRTCSIP-OptionFlags: 16\n-\n")
	path := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion, Contacts: []manifest.Contact{{SIPAddress: sip,
		RegistrarPool: "pool01." + lab.Domain, OU: contactOU, DisplayNumber: "+4790000559", DialPlan: lab.SipDialPlan}}})
	if pending, code := pendingChanges(t, path); code != 0 || len(pending) != 0 {
		t.Fatalf("plan: exit %d, %d pending, want none: %+v", code, len(pending), pending)
	}
	usn := labtest.HighestUSN(t)
	if code, _, errOut := umctl(t, "apply", "-f", path); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	got := labtest.LDAPSearch(t, contactOU, "one", "(msRTCSIP-PrimaryUserAddress="+labtest.EscapeFilter(sip)+")", "msRTCSIP-UserEnabled", "msRTCSIP-OptionFlags")
	if after := labtest.HighestUSN(t); after != usn || got[0]["msrtcsip-userenabled"][0] != "FALSE" || got[0]["msrtcsip-optionflags"][0] != "16" {
		t.Fatalf("apply wrote (USN %s → %s): %v", usn, after, got)
	}
}
