package main

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestTargetTypo: a --target that selects nothing (a misspelt section,
// an entry the manifest does not list) is a usage error before umctl connects,
// not "No changes" and exit 0, which a CI drift check takes for "in sync".
func TestManifestTargetTypo(t *testing.T) {
	isolate(t) // no server: the check comes before connecting
	port := 5061
	path := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion, Gateways: []manifest.Gateway{{Name: "1:1", Port: &port}}})
	for _, args := range [][]string{
		{"plan", "-f", path, "--target", "gateway/1:1"},
		{"plan", "-f", path, "--target", "gateways/1:2", "--detailed-exitcode"},
		{"apply", "-f", path, "--target", "gateways/1:2", "--prune", "--yes"},
	} {
		code, out, errOut := umctl(t, args...)
		if code != cli.ExitUsage || out != "" || !strings.Contains(errOut, `--target "`+args[4]+`"`) || strings.Contains(errOut, "--server is required") {
			t.Errorf("umctl %v: exit %d, stdout %q, stderr %q; want exit 2 naming --target", args, code, out, errOut)
		}
	}
}
