package main

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestSameGatewayTwice: one gateway listed by its name and by its
// address is a problem naming both entries, exit 2, nothing written. Planned
// twice, the second modify failed ("No Such Attribute", reported as a
// conflict, exit 5) and each run flipped the port to the other entry's.
func TestManifestSameGatewayTwice(t *testing.T) {
	resetLabWithGateways(t)
	p1, p2 := 5071, 5072
	path := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion, Gateways: []manifest.Gateway{
		{Name: "1:1", Port: &p1}, {Name: "POOL01." + lab.Domain, Port: &p2}}})
	usn := labtest.HighestUSN(t)
	for _, args := range [][]string{{"plan", "-f", path}, {"apply", "-f", path}} {
		code, out, errOut := umctl(t, args...)
		if code != cli.ExitUsage || out != "" || !strings.Contains(errOut, `gateways[1]: invalid input: name "POOL01.`+lab.Domain+`" is also given as "1:1" at `) {
			t.Errorf("umctl %v: exit %d, stdout %q, stderr %q; want exit 2 naming both entries", args, code, out, errOut)
		}
	}
	if labtest.HighestUSN(t) != usn {
		t.Error("a manifest listing one gateway twice wrote")
	}
}
