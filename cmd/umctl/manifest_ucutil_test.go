package main

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestGatewayFromUCUtil: gateways and hunt groups entries may name a
// gateway that ucutil creates in the same run. The first apply converges:
// the gateway is created once with the entry's settings, a hunt group ucutil
// also plans is created once, another one under the new gateway is created
// (marked), and a plan afterwards has nothing to do.
func TestManifestGatewayFromUCUtil(t *testing.T) {
	resetLab(t)
	if n := len(labtest.LDAPSearch(t, "CN=Configuration,"+lab.BaseDN, "sub", "(objectClass=msExchUMIPGateway)", "cn")); n != 0 {
		t.Fatalf("the seeded lab has %d gateways, want none (ucutil creates them)", n)
	}
	port, off, on, status, family := 5061, false, true, "disabled", "ipv4"
	m := &manifest.Manifest{APIVersion: manifest.APIVersion,
		UCUtil:   &manifest.UCUtil{Enabled: true, OutcallsGateway: "1:1"},
		Gateways: []manifest.Gateway{{Name: "1:1", Port: &port, MWI: &off, Outcalls: &on, Status: &status, IPFamily: &family}},
		HuntGroups: []manifest.HuntGroup{
			{Gateway: "1:1", Name: lab.SipDialPlan, Pilot: lab.SipDialPlan, DialPlan: lab.SipDialPlan},
			{Gateway: "1:1", Name: "ExtraHG", Pilot: "extrahg", DialPlan: lab.TelExtDialPlan},
		}}
	path := writeManifest(t, m)
	if code, _, errOut := umctl(t, "apply", "-f", path); code != 0 {
		t.Fatalf("first apply: exit %d: %s", code, errOut)
	}
	base := "CN=Configuration," + lab.BaseDN
	gws := labtest.LDAPSearch(t, base, "sub", "(&(objectClass=msExchUMIPGateway)(cn=1:1))",
		"msExchUMIPGatewayPort", "msExchUMIPGatewayStatus", "msExchUMIPGatewayFlags2", "msExchUMOutcallsAllowed")
	if len(gws) != 1 {
		t.Fatalf("gateway 1:1: %v", gws)
	}
	g := gws[0]
	if g["msexchumipgatewayport"][0] != "5061" || g["msexchumipgatewaystatus"][0] != "1" || g["msexchumoutcallsallowed"][0] != "TRUE" {
		t.Errorf("gateway 1:1 in the directory: %v, want port 5061, status 1 (disabled), outcalls TRUE", g)
	}
	for name, want := range map[string]int{lab.SipDialPlan: 1, "ExtraHG": 1} {
		hgs := labtest.LDAPSearch(t, base, "sub", "(&(objectClass=msExchUMHuntGroup)(cn="+name+"))", "adminDescription")
		n := 0
		for _, h := range hgs {
			if strings.Contains(h["dn"][0], ",CN=1:1,") {
				n++
				if marked := len(h["admindescription"]) > 0; marked != (name == "ExtraHG") {
					t.Errorf("hunt group %s marked %v: only the manifest's own ExtraHG is marked", name, marked)
				}
			}
		}
		if n != want {
			t.Errorf("hunt group %s under 1:1: %d, want %d", name, n, want)
		}
	}
	if pending, code := pendingChanges(t, path); code != 0 || len(pending) != 0 {
		t.Fatalf("plan after the first apply: exit %d, %d pending: %+v", code, len(pending), pending)
	}
	usn := labtest.HighestUSN(t)
	if code, _, errOut := umctl(t, "apply", "-f", path); code != 0 || labtest.HighestUSN(t) != usn {
		t.Errorf("second apply: exit %d (%s), or it wrote", code, errOut)
	}
}

// TestManifestOutcallsGatewayByAddress: with ucutil's outcallsGateway, an
// entry that allows outcalls on that gateway is accepted whether it names it
// by name or by address; on another gateway it is a problem of the manifest
// (exit 2, naming the entry), and nothing is written.
func TestManifestOutcallsGatewayByAddress(t *testing.T) {
	resetLabWithGateways(t)
	on := true
	gw := func(name string) *manifest.Manifest {
		return &manifest.Manifest{APIVersion: manifest.APIVersion, UCUtil: &manifest.UCUtil{Enabled: true, OutcallsGateway: "1:1"},
			Gateways: []manifest.Gateway{{Name: name, Outcalls: &on}}}
	}
	if code, _, errOut := umctl(t, "plan", "-f", writeManifest(t, gw("pool01."+lab.Domain))); code != 0 && code != 3 {
		t.Fatalf("outcalls on 1:1 named by its address: exit %d: %s", code, errOut)
	}
	usn := labtest.HighestUSN(t)
	code, _, errOut := umctl(t, "apply", "-f", writeManifest(t, gw("2:1")))
	if code != 2 || !strings.Contains(errOut, "gateways[0]") || !strings.Contains(errOut, `outcallsGateway "1:1"`) || labtest.HighestUSN(t) != usn {
		t.Fatalf("outcalls on 2:1: exit %d, want 2 naming gateways[0] and nothing written: %s", code, errOut)
	}
}
