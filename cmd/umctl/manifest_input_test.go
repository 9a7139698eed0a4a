package main

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestHuntGroupControlCharacters: a hunt group's name or pilot with a
// control character is refused from a manifest as it is from `huntgroup new`
// (exit 2, named at its line, nothing written); it was written as it was.
func TestManifestHuntGroupControlCharacters(t *testing.T) {
	resetLabWithGateways(t)
	for _, h := range []manifest.HuntGroup{
		{Gateway: "1:1", Name: "Sales\x1b[2J", DialPlan: lab.TelExtDialPlan, Pilot: "31999"},
		{Gateway: "1:1", Name: "Sales", DialPlan: lab.TelExtDialPlan, Pilot: "31999\x00"},
	} {
		path := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion, HuntGroups: []manifest.HuntGroup{h}})
		usn := labtest.HighestUSN(t)
		code, out, errOut := umctl(t, "apply", "-f", path)
		if code != cli.ExitUsage || !strings.Contains(errOut, "huntGroups[0]") || !strings.Contains(errOut, "control characters are refused") || strings.ContainsAny(out+errOut, "\x00\x1b") {
			t.Errorf("hunt group %q pilot %q: exit %d, stdout %q, stderr %q; want exit 2 naming the entry", h.Name, h.Pilot, code, out, errOut)
		}
		if labtest.HighestUSN(t) != usn {
			t.Errorf("hunt group %q pilot %q was written", h.Name, h.Pilot)
		}
	}
}
