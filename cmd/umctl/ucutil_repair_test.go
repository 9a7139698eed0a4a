package main

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/labtest"
)

func setGatewayAddressByHand(t *testing.T, gateway, address string) {
	t.Helper()
	labtest.LDAPModify(t, "dn: CN="+gateway+","+gwBase+"\nchangetype: modify\nreplace: msExchUMIPGatewayAddress\nmsExchUMIPGatewayAddress: "+address+"\n-\n")
}

func gatewayAddresses(t *testing.T) map[string]string {
	t.Helper()
	out := map[string]string{}
	for name, g := range gatewaysInDirectory(t) {
		out[name] = g["msexchumipgatewayaddress"][0]
	}
	return out
}

// A pool's gateway (named after the pool) whose address was changed by hand
// is repaired, not duplicated: the plan shows the address change, --verify
// exits 3 before and 0 after.
func TestUCUtilRepairsGatewayAddressChangedByHand(t *testing.T) {
	resetLab(t)
	if code, _, errOut := umctl(t, "ucutil"); code != 0 {
		t.Fatalf("first run: exit %d %s", code, errOut)
	}
	setGatewayAddressByHand(t, "1:1", "10.0.0.99")
	usn := labtest.HighestUSN(t)
	if code, _, errOut := umctl(t, "ucutil", "--verify"); code != cli.ExitPartial {
		t.Fatalf("--verify with a wrong address: exit %d, want 3 (%s)", code, errOut)
	}
	code, out, errOut := umctl(t, "ucutil", "--dry-run")
	if code != 0 || !strings.Contains(out, "0 to add, 1 to change") || !strings.Contains(out, "10.0.0.99") || !strings.Contains(out, "pool01.lab.umctl.test") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	if labtest.HighestUSN(t) != usn {
		t.Fatal("--verify or --dry-run wrote")
	}
	if code, _, errOut := umctl(t, "ucutil"); code != 0 {
		t.Fatalf("repair: exit %d %s", code, errOut)
	}
	addrs := gatewayAddresses(t)
	if len(addrs) != 4 || addrs["1:1"] != "pool01.lab.umctl.test" {
		t.Fatalf("after the repair: %v", addrs)
	}
	if code, _, errOut := umctl(t, "ucutil", "--verify"); code != 0 {
		t.Fatalf("--verify after the repair: exit %d %s", code, errOut)
	}
}

// FQDNs compare case-insensitively and without the trailing dot: neither
// `gateway set --address FQDN.` nor an absolute, upper-case address written by
// another tool makes ucutil plan a second gateway.
func TestGatewayAddressTrailingDotAndCase(t *testing.T) {
	resetLab(t)
	if code, _, errOut := umctl(t, "ucutil"); code != 0 {
		t.Fatalf("first run: exit %d %s", code, errOut)
	}
	if code, _, errOut := umctl(t, "gateway", "set", "1:2", "--address", "elsewhere.lab.umctl.test."); code != 0 {
		t.Fatalf("gateway set: exit %d %s", code, errOut)
	}
	if a := gatewayAddresses(t)["1:2"]; a != "elsewhere.lab.umctl.test" {
		t.Fatalf("stored address %q, want it without the trailing dot", a)
	}
	usn := labtest.HighestUSN(t)
	if code, _, errOut := umctl(t, "gateway", "set", "1:2", "--address", "elsewhere.lab.umctl.test."); code != 0 || labtest.HighestUSN(t) != usn {
		t.Fatalf("the same address again: exit %d %s, or it wrote", code, errOut)
	}
	if code, _, errOut := umctl(t, "gateway", "set", "1:2", "--address", "pool02.lab.umctl.test."); code != 0 {
		t.Fatalf("gateway set: exit %d %s", code, errOut)
	}
	if code, out, _ := umctl(t, "ucutil", "--verify"); code != 0 {
		t.Fatalf("--verify after --address with a trailing dot: exit %d\n%s", code, out)
	}
	setGatewayAddressByHand(t, "1:2", "POOL02.Lab.Umctl.Test.")
	if code, out, _ := umctl(t, "ucutil", "--verify"); code != 0 {
		t.Fatalf("--verify with an absolute upper-case address: exit %d\n%s", code, out)
	}
	if code, out, errOut := umctl(t, "gateway", "get", "pool02.lab.umctl.test"); code != 0 || !strings.Contains(out, "1:2") {
		t.Fatalf("gateway get by address: exit %d\n%s%s", code, out, errOut)
	}
	if addrs := gatewayAddresses(t); len(addrs) != 4 || addrs["1:2"] != "POOL02.Lab.Umctl.Test." {
		t.Fatalf("gateways: %v", addrs)
	}
	if code, _, errOut := umctl(t, "gateway", "set", "1:2", "--address", "."); code != cli.ExitUsage || !strings.Contains(errOut, "--address") {
		t.Fatalf(`--address ".": exit %d %s`, code, errOut)
	}
}
