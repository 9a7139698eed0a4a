package main

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestWarningsSummarised: a plan of 12 contacts whose numbers are not
// their dial plan's access number has 12 alike warnings: one summary line on
// stderr, every one with -v and in -o json.
func TestManifestWarningsSummarised(t *testing.T) {
	resetLab(t)
	m := &manifest.Manifest{APIVersion: manifest.APIVersion}
	for i := 0; i < 12; i++ {
		m.Contacts = append(m.Contacts, manifest.Contact{SIPAddress: fmt.Sprintf("sip:warn%02d@%s", i, lab.Domain), RegistrarPool: "pool01." + lab.Domain,
			OU: contactOU, DisplayNumber: fmt.Sprintf("+47900008%02d", i), DialPlan: lab.SipDialPlan})
	}
	path := writeManifest(t, m)
	code, _, errOut := umctl(t, "plan", "-f", path)
	lines := strings.Split(strings.TrimSpace(errOut), "\n")
	if code != cli.ExitPartial || len(lines) != 1 || !strings.HasPrefix(lines[0], "warning: 12 warnings like this one: sip:warn00@") ||
		!strings.Contains(lines[0], "(also sip:warn01@"+lab.Domain+", sip:warn02@"+lab.Domain+" and 9 more; -v or -o json lists them all)") {
		t.Errorf("plan: exit %d, stderr:\n%s", code, errOut)
	}
	code, _, errOut = umctl(t, "plan", "-f", path, "-v")
	if code != cli.ExitPartial || strings.Count(errOut, "warning: sip:warn") != 12 {
		t.Errorf("plan -v: exit %d, stderr:\n%s", code, errOut)
	}
	code, out, _ := umctl(t, "plan", "-f", path, "-o", "json")
	var p ad.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil || code != cli.ExitPartial || len(p.Warnings) != 12 {
		t.Errorf("plan -o json: exit %d, %v, %d warnings", code, err, len(p.Warnings))
	}
}
