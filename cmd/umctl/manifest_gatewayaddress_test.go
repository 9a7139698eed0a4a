package main

import (
	"strconv"
	"testing"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestGatewayByAddressWithUCUtil: a gateways entry that names its
// gateway by address wins over ucutil as one named by name does. ucutil
// planned the gateway's MWI back, so every apply flipped it and plan never
// came back to 0.
func TestManifestGatewayByAddressWithUCUtil(t *testing.T) {
	resetLabWithGateways(t)
	off := false
	path := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion, UCUtil: &manifest.UCUtil{Enabled: true},
		Gateways: []manifest.Gateway{{Name: "pool02." + lab.Domain, MWI: &off}}})
	if code, _, errOut := umctl(t, "apply", "-f", path); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	usn := labtest.HighestUSN(t)
	if pending, code := pendingChanges(t, path); code != 0 || len(pending) != 0 {
		t.Fatalf("plan after apply: exit %d, %d pending: %+v", code, len(pending), pending)
	}
	gws := labtest.LDAPSearch(t, gwBase, "one", "(cn=1:2)", "msExchUMIPGatewayFlags2")
	if len(gws) != 1 {
		t.Fatalf("gateway 1:2: %v", gws)
	}
	if f, _ := strconv.Atoi(gws[0]["msexchumipgatewayflags2"][0]); f&1 != 0 {
		t.Errorf("gateway 1:2 has MWI allowed (msExchUMIPGatewayFlags2 %d), the manifest says mwi: false", f)
	}
	if code, _, errOut := umctl(t, "apply", "-f", path); code != cli.ExitOK || labtest.HighestUSN(t) != usn {
		t.Fatalf("second apply: exit %d (%s), or it wrote", code, errOut)
	}
}
