package main

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// eumState reads a user's proxyAddresses and adminDescription with ldapsearch.
func eumState(t *testing.T, account string) (proxies []string, record string) {
	t.Helper()
	es := labtest.LDAPSearch(t, lab.BaseDN, "sub", "(sAMAccountName="+labtest.EscapeFilter(account)+")", "proxyAddresses", "adminDescription")
	if len(es) != 1 {
		t.Fatalf("ldapsearch %s: %d entries", account, len(es))
	}
	if d := es[0]["admindescription"]; len(d) > 0 {
		record = d[0]
	}
	proxies = es[0]["proxyaddresses"]
	slices.Sort(proxies)
	return proxies, record
}

func e164(number string) manifest.EUMAddress {
	return manifest.EUMAddress{DialPlan: lab.E164DialPlan, Extension: number}
}

// TestManifestPruneEUM: apply records the EUM addresses it adds in the
// user's adminDescription, in the same modify; --prune removes only recorded
// ones the manifest dropped from a listed user. A hand-added address, an
// address the user had before, and a user the manifest no longer lists are
// untouched; a foreign adminDescription is never overwritten; a re-run writes nothing.
func TestManifestPruneEUM(t *testing.T) {
	resetLab(t)
	pc := lab.E164DialPlan + "." + lab.Domain
	dnOf := func(account string) string {
		return labtest.LDAPSearch(t, lab.BaseDN, "sub", "(sAMAccountName="+account+")", "cn")[0]["dn"][0]
	}
	labtest.LDAPModify(t, "dn: "+dnOf("aksel.foss")+"\nchangetype: modify\nadd: proxyAddresses\nproxyAddresses: eum:+4721000900;phone-context="+pc+"\n-\n")
	labtest.LDAPModify(t, "dn: "+dnOf("chen.wei")+"\nchangetype: modify\nadd: adminDescription\nadminDescription: User_NoSync\n-\n")
	m := &manifest.Manifest{APIVersion: manifest.APIVersion, EUM: []manifest.EUMUser{
		{User: "aksel.foss", Addresses: []manifest.EUMAddress{{DialPlan: lab.TelExtDialPlan, Extension: "30027"}, e164("+4721000901"), e164("+4721000902")}},
		{User: "brit.haug", Addresses: []manifest.EUMAddress{e164("+4721000903")}},
		{User: "chen.wei", Addresses: []manifest.EUMAddress{e164("+4721000904")}},
	}}
	path := writeManifest(t, m)
	code, out, errOut := umctl(t, "plan", "-f", path, "-o", "ldif")
	if code != cli.ExitPartial || !strings.Contains(out, "add: proxyAddresses\nproxyAddresses: eum:+4721000901;phone-context="+pc+"\n-\nadd: adminDescription\nadminDescription: umctl-managed eum:+4721000901;"+pc+"\n") {
		t.Fatalf("plan -o ldif: exit %d, want the address and its record in one modify:\n%s", code, out)
	}
	if !strings.Contains(errOut, `chen.wei: adminDescription holds "User_NoSync", which umctl did not write`) {
		t.Errorf("plan does not say chen.wei's additions go unrecorded: %s", errOut)
	}
	if code, _, errOut := umctl(t, "apply", "-f", path); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	aksel, rec := eumState(t, "aksel.foss")
	if want := "umctl-managed eum:+4721000901;" + pc + " +4721000902;" + pc; rec != want {
		t.Fatalf("aksel.foss adminDescription = %q, want %q", rec, want)
	}
	if !slices.Contains(aksel, "eum:+4721000902;phone-context="+pc) || !slices.Contains(aksel, "eum:+4721000900;phone-context="+pc) || !slices.Contains(aksel, "EUM:30027;phone-context="+lab.TelExtDialPlan+"."+lab.Domain) {
		t.Fatalf("aksel.foss proxyAddresses after apply: %v", aksel)
	}
	if _, rec := eumState(t, "chen.wei"); rec != "User_NoSync" {
		t.Errorf("chen.wei adminDescription = %q, want the foreign value kept", rec)
	}
	brit, britRec := eumState(t, "brit.haug")
	if britRec != "umctl-managed eum:+4721000903;"+pc {
		t.Fatalf("brit.haug adminDescription = %q", britRec)
	}

	// aksel.foss drops +4721000902 and the seeded 30027; brit.haug and chen.wei leave the manifest.
	m.EUM = []manifest.EUMUser{{User: "aksel.foss", Addresses: []manifest.EUMAddress{e164("+4721000901")}}}
	path = writeManifest(t, m)
	if pending, code := pendingChanges(t, path); code != 0 || len(pending) != 0 {
		t.Fatalf("plan without --prune: exit %d, %d pending", code, len(pending))
	}
	code, out, errOut = umctl(t, "plan", "-f", path, "--prune", "-o", "json")
	var p ad.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil || code != cli.ExitPartial {
		t.Fatalf("plan --prune: exit %d, %v: %s", code, err, errOut)
	}
	if p.Pending() != 1 || manifest.EUMRemovals(&p) != 1 {
		t.Fatalf("plan --prune: %d pending, %d removals, want 1 and 1: %s", p.Pending(), manifest.EUMRemovals(&p), out)
	}
	usn := labtest.HighestUSN(t)
	if code, _, errOut := umctl(t, "apply", "-f", path, "--prune"); code != cli.ExitUsage || !strings.Contains(errOut, "--yes") || labtest.HighestUSN(t) != usn {
		t.Fatalf("apply --prune without --yes: exit %d: %s", code, errOut)
	}
	if code, _, errOut := umctl(t, "apply", "-f", path, "--prune", "--yes"); code != 0 {
		t.Fatalf("apply --prune --yes: exit %d: %s", code, errOut)
	}
	after, rec := eumState(t, "aksel.foss")
	want := slices.DeleteFunc(slices.Clone(aksel), func(v string) bool { return strings.Contains(v, "+4721000902") })
	if !slices.Equal(after, want) || rec != "umctl-managed eum:+4721000901;"+pc {
		t.Errorf("aksel.foss after prune: %v %q\nwant %v (the hand-added +4721000900 and the seeded 30027 kept)", after, rec, want)
	}
	if b, r := eumState(t, "brit.haug"); !slices.Equal(b, brit) || r != britRec {
		t.Errorf("brit.haug, not listed, changed: %v %q -> %v %q", brit, britRec, b, r)
	}
	usn = labtest.HighestUSN(t)
	if code, _, errOut := umctl(t, "apply", "-f", path, "--prune", "--yes"); code != 0 || labtest.HighestUSN(t) != usn {
		t.Errorf("re-run of apply --prune: exit %d (%s), or it wrote", code, errOut)
	}

	// Dropping the last recorded address removes the record.
	m.EUM[0].Addresses = []manifest.EUMAddress{{DialPlan: lab.TelExtDialPlan, Extension: "30027"}}
	if code, _, errOut := umctl(t, "apply", "-f", writeManifest(t, m), "--prune", "--yes"); code != 0 {
		t.Fatalf("apply --prune: exit %d: %s", code, errOut)
	}
	if after, rec := eumState(t, "aksel.foss"); rec != "" || len(after) != len(aksel)-2 {
		t.Errorf("aksel.foss with nothing recorded left: %v %q, want no adminDescription", after, rec)
	}

	// With --prune an address umctl added moves to another user in one run:
	// brit.haug's recorded +4721000903 goes to chen.wei (whose foreign
	// adminDescription stays), brit.haug gets +4721000905.
	m.EUM = []manifest.EUMUser{
		{User: "brit.haug", Addresses: []manifest.EUMAddress{e164("+4721000905")}},
		{User: "chen.wei", Addresses: []manifest.EUMAddress{e164("+4721000903")}},
	}
	if code, _, errOut := umctl(t, "apply", "-f", writeManifest(t, m), "--prune", "--yes"); code != 0 {
		t.Fatalf("apply --prune moving +4721000903: exit %d: %s", code, errOut)
	}
	britAfter, britRec := eumState(t, "brit.haug")
	chen, chenRec := eumState(t, "chen.wei")
	if slices.Contains(britAfter, "eum:+4721000903;phone-context="+pc) || britRec != "umctl-managed eum:+4721000905;"+pc ||
		!slices.Contains(chen, "eum:+4721000903;phone-context="+pc) || chenRec != "User_NoSync" {
		t.Errorf("after the move: brit.haug %v %q, chen.wei %v %q", britAfter, britRec, chen, chenRec)
	}

	// 40 new addresses: the record stops at adminDescription's rangeUpper (1,024), with a warning.
	var many []manifest.EUMAddress
	for i := 0; i < 40; i++ {
		many = append(many, e164(fmt.Sprintf("+47210009%02d", 10+i)))
	}
	m.EUM = []manifest.EUMUser{{User: "dina.ali", Addresses: many}}
	code, _, errOut = umctl(t, "apply", "-f", writeManifest(t, m), "-v") // -v: each warning, not a summary
	if code != 0 || !strings.Contains(errOut, "dina.ali: adminDescription has no room left (rangeUpper 1024) to record the EUM address +4721000949") {
		t.Fatalf("apply of 40 addresses: exit %d: %s", code, errOut)
	}
	proxies, rec := eumState(t, "dina.ali")
	n := strings.Count(rec, ";"+pc)
	if len(rec) > 1024 || n < 25 || n >= 40 || strings.Count(errOut, "dina.ali: adminDescription has no room") != 40-n || !slices.Contains(proxies, "eum:+4721000949;phone-context="+pc) {
		t.Errorf("dina.ali: %d recorded in %d characters, %d warnings, %d proxy addresses", n, len(rec), strings.Count(errOut, "has no room"), len(proxies))
	}
}
