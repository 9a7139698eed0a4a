package main

import (
	"testing"

	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestContactOmittedAttributes: a manifest contact entry that leaves
// out displayName, description and enterpriseVoice does not manage them
// ("omitted means unmanaged"): an existing contact with its own values is
// unchanged, not a conflict (exit 5, "differs (displayName, description,
// msRTCSIP-OptionFlags)"); a new contact still gets the defaults.
func TestManifestContactOmittedAttributes(t *testing.T) {
	resetLab(t)
	sip := "sip:omitted@" + lab.Domain
	if code, _, errOut := umctl(t, newContactArgs(sip, "+4790000556", "--display-name", "Oslo Voice Access", "--description", "made by hand", "--enterprise-voice")...); code != 0 {
		t.Fatalf("contact new: exit %d: %s", code, errOut)
	}
	entry := manifest.Contact{SIPAddress: sip, RegistrarPool: "pool01." + lab.Domain, OU: contactOU, DisplayNumber: "+4790000556", DialPlan: lab.SipDialPlan}
	fresh := entry
	fresh.SIPAddress, fresh.DisplayNumber = "sip:fresh@"+lab.Domain, "+4790000557"
	path := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion, Contacts: []manifest.Contact{entry, fresh}})
	pending, code := pendingChanges(t, path)
	if code != 3 || len(pending) != 1 || pending[0].Kind != "contact" || pending[0].Action != "add" {
		t.Fatalf("plan: exit %d, pending %+v; want only the new contact's add", code, pending)
	}
	if code, _, errOut := umctl(t, "apply", "-f", path); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	es := contactsInDirectory(t, "(msRTCSIP-PrimaryUserAddress="+labtest.EscapeFilter(sip)+")")
	if len(es) != 1 || es[0]["displayname"][0] != "Oslo Voice Access" || es[0]["description"][0] != "made by hand" || es[0]["msrtcsip-optionflags"][0] != "128" {
		t.Errorf("the existing contact changed: %v", es)
	}
	es = contactsInDirectory(t, "(msRTCSIP-PrimaryUserAddress="+labtest.EscapeFilter(fresh.SIPAddress)+")")
	if len(es) != 1 || es[0]["displayname"][0] != "SipDP Subscriber Access" || len(es[0]["description"]) != 0 {
		t.Errorf("the new contact: %v, want the default display name and no description", es)
	}
	if pending, code := pendingChanges(t, path); code != 0 || len(pending) != 0 {
		t.Fatalf("plan after apply: exit %d, pending %+v", code, pending)
	}
}
