package main

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestPlanChecksLimits: plan refuses what apply refuses, a value
// longer than the schema allows (exit 2, no plan on stdout). It printed the
// plan and exited 3, so a CI plan passed and the apply after it failed.
func TestManifestPlanChecksLimits(t *testing.T) {
	resetLabWithGateways(t)
	path := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion, HuntGroups: []manifest.HuntGroup{
		{Gateway: "1:1", Name: strings.Repeat("h", 65), DialPlan: lab.TelExtDialPlan, Pilot: "31444"}}})
	for _, args := range [][]string{{"plan", "-f", path}, {"plan", "-f", path, "-o", "json"}, {"apply", "-f", path}} {
		code, out, errOut := umctl(t, args...)
		if code != cli.ExitUsage || out != "" || !strings.Contains(errOut, "would hold 65 characters, and the schema's rangeUpper allows 64") {
			t.Errorf("umctl %v: exit %d, stdout %q, stderr %q; want exit 2 for the 65-character CN", args, code, out, errOut)
		}
	}
}
