package main

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestSameHuntGroupTwice: one hunt group listed twice, its gateway
// once by name and once by address, is a problem naming both entries, exit
// 2, nothing written. Planned twice, each run set the other entry's pilot.
func TestManifestSameHuntGroupTwice(t *testing.T) {
	resetLabWithGateways(t)
	path := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion, HuntGroups: []manifest.HuntGroup{
		{Gateway: "1:1", Name: "Sales", DialPlan: lab.TelExtDialPlan, Pilot: "31001"},
		{Gateway: "pool01." + lab.Domain, Name: "sales", DialPlan: lab.TelExtDialPlan, Pilot: "31002"}}})
	usn := labtest.HighestUSN(t)
	for _, args := range [][]string{{"plan", "-f", path}, {"apply", "-f", path}} {
		code, out, errOut := umctl(t, args...)
		if code != cli.ExitUsage || out != "" || !strings.Contains(errOut, `huntGroups[1]: invalid input: gateway "pool01.`+lab.Domain+`" is gateway "1:1" of the hunt group "sales" also given at `) {
			t.Errorf("umctl %v: exit %d, stdout %q, stderr %q; want exit 2 naming both entries", args, code, out, errOut)
		}
	}
	if labtest.HighestUSN(t) != usn {
		t.Error("a manifest listing one hunt group twice wrote")
	}
}
