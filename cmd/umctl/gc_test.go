package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// With a global catalog (--gc, UMCTL_GC or the profile key gc), uniqueness is
// checked forest-wide: an EUM address, SIP address or line URI held by an
// object outside this DC's domain partition refuses the change. The lab's one
// Samba DC serves the GC on 3269; the "other domain" is an object of the
// configuration partition, which the GC covers and a domain search does not.
func TestGlobalCatalogUniqueness(t *testing.T) {
	resetLab(t)
	gc := "ldaps://" + labtest.Address() + ":3269"
	elsewhere := "CN=Elsewhere,CN=Services,CN=Configuration," + lab.BaseDN
	labtest.LDAPModify(t, "dn: "+elsewhere+"\nchangetype: add\nobjectClass: contact\nproxyAddresses: EUM:47001;phone-context=TelExtnDP."+lab.Domain+
		"\nproxyAddresses: sip:elsewhere@"+lab.Domain+"\nmsRTCSIP-PrimaryUserAddress: sip:elsewhere2@"+lab.Domain+"\nmsRTCSIP-Line: tel:+4790000777\n")
	user := lab.User(32, lab.Domain).Sam // not UM-enabled
	add := []string{"eum", "add", user, "--dial-plan", lab.TelExtDialPlan, "--extension", "47001"}

	// The domain alone does not see it: without a GC the plan would make a duplicate.
	if code, out, errOut := umctl(t, append(add, "--dry-run")...); code != 0 || !strings.Contains(out, "47001") {
		t.Fatalf("without a GC: exit %d\n%s%s", code, out, errOut)
	}
	usn := labtest.HighestUSN(t)
	refusedWith := func(want int, how string, args ...string) {
		t.Helper()
		code, _, errOut := umctl(t, args...)
		if code != want || !strings.Contains(errOut, "already") || !strings.Contains(errOut, elsewhere) {
			t.Errorf("%s: exit %d, %s", how, code, errOut)
		}
		if labtest.HighestUSN(t) != usn {
			t.Fatalf("%s: a refused change wrote", how)
		}
	}
	refused := func(how string, args ...string) { t.Helper(); refusedWith(cli.ExitUsage, how, args...) }
	refused("--gc", append([]string{"--gc", gc}, add...)...)
	refused("--gc, contact SIP address", append([]string{"--gc", gc}, newContactArgs("sip:elsewhere@"+lab.Domain, "+4790000701", "--yes")...)...)
	// A contact elsewhere with that SIP address is the same contact: a conflict.
	refusedWith(cli.ExitConflict, "--gc, contact primary SIP address", append([]string{"--gc", gc}, newContactArgs("sip:elsewhere2@"+lab.Domain, "+4790000702", "--yes")...)...)
	refused("--gc, contact number", append([]string{"--gc", gc}, newContactArgs("sip:fresh@"+lab.Domain, "+4790000777", "--yes")...)...)
	t.Setenv("UMCTL_GC", gc)
	refused("UMCTL_GC", add...)
	os.Unsetenv("UMCTL_GC")
	cfg := filepath.Join(os.Getenv("UMCTL_CONFIG_DIR"), "config.yaml")
	if err := os.WriteFile(cfg, []byte("current-profile: lab\nprofiles:\n  lab:\n    gc: "+gc+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	refused("profile key gc", add...)
	if code, out, errOut := umctl(t, "eum", "find", "47001", "--dial-plan", lab.TelExtDialPlan); code != 0 || !strings.Contains(out+errOut, "Elsewhere") {
		t.Fatalf("eum find through the GC: exit %d\n%s%s", code, out, errOut)
	}

	// A free value passes the forest-wide check and is written to the DC.
	if code, _, errOut := umctl(t, "eum", "add", user, "--dial-plan", lab.TelExtDialPlan, "--extension", "47002"); code != 0 {
		t.Fatalf("free extension through the GC: exit %d %s", code, errOut)
	}
	es := labtest.LDAPSearch(t, lab.BaseDN, "sub", "(proxyAddresses=EUM:47002;phone-context=TelExtnDP."+lab.Domain+")", "sAMAccountName")
	if len(es) != 1 || es[0]["samaccountname"][0] != user {
		t.Fatalf("on the DC: %v", es)
	}
	if code, _, errOut := umctl(t, append([]string{"--gc", "http://gc1"}, add...)...); code != cli.ExitUsage || !strings.Contains(errOut, `--gc "http://gc1"`) {
		t.Fatalf("bad --gc: exit %d %s", code, errOut)
	}
}

// A global catalog takes no writes (Samba, as AD, refuses them on 3269), and
// in a forest of several domains only a DC of the object's own domain holds it
// writable. With --server on the lab's GC, each write must go to the DC that
// --domain-server (or UMCTL_DOMAIN_SERVERS, or the profile key domain-servers)
// names for the object's domain; what landed is read back with ldapsearch
// from the DC. Without such a DC (the lab's domain has no DNS SRV record for
// umctl's resolver) nothing is written.
func TestGlobalCatalogWritesGoToTheDomainsDC(t *testing.T) {
	resetLab(t)
	gc, dc := "ldaps://"+labtest.Address()+":3269", "ldaps://"+labtest.Address()
	t.Setenv("UMCTL_SERVER", gc) // reads (and uniqueness) on the GC
	user := lab.User(32, lab.Domain).Sam
	add := func(ext string, extra ...string) []string {
		return append(append([]string{"--gc", gc}, extra...), "eum", "add", user, "--dial-plan", lab.TelExtDialPlan, "--extension", ext)
	}
	usn := labtest.HighestUSN(t)
	code, _, errOut := umctl(t, add("47021")...)
	if code == 0 || !strings.Contains(errOut, "no domain controller found for the domain "+lab.Domain) || !strings.Contains(errOut, "--domain-server "+lab.Domain+"=") {
		t.Fatalf("no DC for the domain: exit %d %s", code, errOut)
	}
	if labtest.HighestUSN(t) != usn {
		t.Fatal("a write went somewhere without a DC of the object's domain")
	}

	holder := func(ext string) []map[string][]string {
		return labtest.LDAPSearch(t, lab.BaseDN, "sub", "(proxyAddresses=eum:"+ext+";phone-context="+lab.TelExtDialPlan+"."+lab.Domain+")", "sAMAccountName")
	}
	if code, _, errOut := umctl(t, add("47022", "--domain-server", strings.ToUpper(lab.Domain)+"."+"="+dc)...); code != 0 {
		t.Fatalf("--domain-server: exit %d %s", code, errOut)
	}
	if es := holder("47022"); len(es) != 1 || es[0]["samaccountname"][0] != user {
		t.Fatalf("eum add through --domain-server, on the DC: %v", es)
	}
	t.Setenv("UMCTL_DOMAIN_SERVERS", lab.Domain+"="+dc)
	if code, _, errOut := umctl(t, "eum", "remove", user, "--dial-plan", lab.TelExtDialPlan, "--yes"); code != 0 {
		t.Fatalf("UMCTL_DOMAIN_SERVERS: exit %d %s", code, errOut)
	}
	if es := holder("47022"); len(es) != 0 {
		t.Fatalf("eum remove through UMCTL_DOMAIN_SERVERS left %v", es)
	}
	os.Unsetenv("UMCTL_DOMAIN_SERVERS")

	// The profile key; the contact (a domain object) and ucutil's gateways,
	// hunt groups and permissions (configuration objects) all land on the DC.
	cfg := filepath.Join(os.Getenv("UMCTL_CONFIG_DIR"), "config.yaml")
	if err := os.WriteFile(cfg, []byte("current-profile: lab\nprofiles:\n  lab:\n    gc: "+gc+"\n    domain-servers:\n      "+lab.Domain+": "+dc+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sip := "sip:gcwrite@" + lab.Domain
	if code, _, errOut := umctl(t, newContactArgs(sip, "+4790000721", "--yes")...); code != 0 {
		t.Fatalf("contact new through the profile's domain-servers: exit %d %s", code, errOut)
	}
	if es := contactsInDirectory(t, "(msRTCSIP-PrimaryUserAddress="+sip+")"); len(es) != 1 {
		t.Fatalf("contact on the DC: %v", es)
	}
	if code, _, errOut := umctl(t, "ucutil"); code != 0 {
		t.Fatalf("ucutil through the GC: exit %d %s", code, errOut)
	}
	if gws := gatewaysInDirectory(t); len(gws) == 0 {
		t.Fatal("ucutil wrote no gateway to the DC")
	}

	for _, bad := range [][]string{{"--domain-server", lab.Domain}, {"--domain-server", lab.Domain + "=" + gc}, {"--domain-server", "=" + dc}} {
		usn := labtest.HighestUSN(t)
		code, _, errOut := umctl(t, add("47023", bad...)...)
		if code != cli.ExitUsage || !strings.Contains(errOut, `--domain-server "`+bad[1]+`"`) {
			t.Errorf("%v: exit %d %s", bad, code, errOut)
		}
		if labtest.HighestUSN(t) != usn {
			t.Fatalf("%v wrote", bad)
		}
	}
}

// With a global catalog the audits read the forest: an EUM address or SIP
// address that an object outside this DC's domain partition also holds is a
// duplicate for `eum check`, `contact check` and `doctor`, which without a GC
// do not see that object.
func TestGlobalCatalogAudits(t *testing.T) {
	resetLab(t)
	gc := "ldaps://" + labtest.Address() + ":3269"
	taken := lab.User(22, lab.Domain) // seeded with EUM:30022 in TelExtnDP
	elsewhere := "CN=Elsewhere,CN=Services,CN=Configuration," + lab.BaseDN
	labtest.LDAPModify(t, "dn: "+elsewhere+"\nchangetype: add\nobjectClass: contact\nproxyAddresses: EUM:30022;phone-context=TelExtnDP."+lab.Domain+
		"\nmsRTCSIP-PrimaryUserAddress: "+taken.SIP+"\n")
	duplicates := func(args ...string) []ad.Finding {
		t.Helper()
		code, out, errOut := umctl(t, append(args, "eum", "check", "-o", "json")...)
		var fs []ad.Finding
		if code != cli.ExitPartial || json.Unmarshal([]byte(out), &fs) != nil {
			t.Fatalf("eum check %v: exit %d\n%s%s", args, code, out, errOut)
		}
		var dup []ad.Finding
		for _, f := range fs {
			if f.Problem == ad.ProblemDuplicate && strings.Contains(f.Proxy, "30022") {
				dup = append(dup, f)
			}
		}
		return dup
	}
	if dup := duplicates(); len(dup) != 0 {
		t.Fatalf("without a GC the domain's audit sees no duplicate of 30022: %+v", dup)
	}
	dup := duplicates("--gc", gc)
	dns := map[string]bool{}
	for _, f := range dup {
		dns[strings.ToLower(f.DN)] = true
	}
	if len(dup) != 2 || !dns[strings.ToLower(elsewhere)] || !strings.Contains(fmt.Sprint(dup), taken.Sam) {
		t.Fatalf("with the GC: %+v, want the duplicate on %s and %s", dup, taken.Sam, elsewhere)
	}
	for _, args := range [][]string{nil, {"--gc", gc}} {
		code, out, errOut := umctl(t, append(args, "contact", "check", "-o", "json")...)
		found := strings.Contains(out, ad.ProblemDuplicateSIP) && strings.Contains(out, "Elsewhere")
		if found != (args != nil) || (code == 0) == found {
			t.Fatalf("contact check %v: exit %d, duplicate SIP address on Elsewhere reported: %v\n%s%s", args, code, found, out, errOut)
		}
	}
	code, out, errOut := umctl(t, "--gc", gc, "doctor", "-o", "json")
	if code == 0 || !strings.Contains(out, "eum-duplicate") || !strings.Contains(out, "Elsewhere") {
		t.Fatalf("doctor --gc: exit %d, no eum-duplicate on Elsewhere:\n%s%s", code, out, errOut)
	}
}
