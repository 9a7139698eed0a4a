package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

func pc(dp string) string { return ";phone-context=" + dp + "." + lab.Domain }

// eumOf reads a user's EUM proxy addresses with ldapsearch, sorted.
func eumOf(t *testing.T, u lab.SeedUser) []string {
	es := labtest.LDAPSearch(t, "CN="+u.CN+","+lab.UserOU+","+lab.BaseDN, "base", "(objectClass=user)", "proxyAddresses")
	var out []string
	for _, v := range es[0]["proxyaddresses"] {
		if strings.HasPrefix(strings.ToLower(v), "eum:") {
			out = append(out, v)
		}
	}
	sort.Strings(out)
	return out
}

func TestEUMCheckFindsSeededDefects(t *testing.T) {
	resetLab(t)
	code, out, _ := umctl(t, "eum", "check", "-o", "json")
	var fs []ad.Finding
	if code != cli.ExitPartial || json.Unmarshal([]byte(out), &fs) != nil {
		t.Fatalf("exit %d: %s", code, out)
	}
	got := map[string]bool{}
	for _, f := range fs {
		got[f.Problem+" "+f.User] = true
	}
	for _, want := range []string{
		"duplicate " + lab.User(21, lab.Domain).Sam, "duplicate " + lab.User(33, lab.Domain).Sam,
		"wrong-length " + lab.User(34, lab.Domain).Sam, "no-primary " + lab.User(35, lab.Domain).Sam,
		"unknown-phone-context " + lab.User(36, lab.Domain).Sam,
	} {
		if !got[want] {
			t.Errorf("eum check did not report %q: %v", want, fs)
		}
	}
	if len(fs) != 5 {
		t.Errorf("%d findings, want the 5 seeded ones: %v", len(fs), fs)
	}
	if code, out, _ := umctl(t, "eum", "check", "--dial-plan", lab.SipDialPlan); code != 0 || out != "problem\tuser\tproxy_address\tdetail\n" { // the header only
		t.Errorf("SipDP is clean: exit %d %s", code, out)
	}
}

func TestEUMAddRemoveFind(t *testing.T) {
	resetLab(t)
	u := lab.User(32, lab.Domain) // not UM-enabled in the seed
	dn := "CN=" + u.CN + "," + lab.UserOU + "," + lab.BaseDN
	sipName := strings.TrimPrefix(u.SIP, "sip:")
	if code, _, errOut := umctl(t, "eum", "add", u.Sam+"@"+lab.Domain, "--dial-plan", lab.SipDialPlan, "--extension", "1032"); code != 0 {
		t.Fatalf("add: %s", errOut)
	}
	want := []string{"EUM:" + sipName + pc("SipDP"), "eum:1032" + pc("SipDP")}
	if got := eumOf(t, u); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after add: %q, want %q", got, want)
	}
	usn := labtest.HighestUSN(t)
	if code, out, _ := umctl(t, "eum", "add", u.Sam, "--dial-plan", "sipdp", "--extension", "1032"); code != 0 || !strings.Contains(out, "No changes") || labtest.HighestUSN(t) != usn {
		t.Fatalf("re-add wrote: %s", out)
	}
	if code, _, errOut := umctl(t, "eum", "add", u.SIP, "--dial-plan", lab.TelExtDialPlan, "--extension", "30032"); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := umctl(t, "eum", "add", dn, "--dial-plan", lab.E164DialPlan, "--extension", "+4721000032", "--primary"); code != 0 {
		t.Fatal(errOut)
	}
	want = []string{"EUM:+4721000032" + pc("E164DP"), "eum:1032" + pc("SipDP"), "eum:30032" + pc("TelExtnDP"), "eum:" + sipName + pc("SipDP")}
	if got := eumOf(t, u); strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("after --primary: %q, want %q", got, want)
	}

	// Refused input: each names the field; nothing written.
	usn = labtest.HighestUSN(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{u.Sam, "--dial-plan", "SipDP", "--extension", "123"}, `--extension "123": dial plan SipDP needs exactly 4 digits`},
		{[]string{u.Sam, "--dial-plan", "TelExtnDP", "--extension", "3003a"}, "needs exactly 5 digits"},
		{[]string{u.Sam, "--dial-plan", "E164DP", "--extension", "4721000099"}, "dial plan E164DP is E.164"},
		{[]string{u.Sam, "--dial-plan", "SipDP", "--extension", "1001"}, `--extension "1001" in dial plan SipDP is already used by CN=` + lab.User(1, lab.Domain).CN},
		{[]string{u.Sam, "--dial-plan", "SipDP", "--extension", "1099", "--sip-name", lab.User(2, lab.Domain).Sam + "@" + lab.Domain}, "--sip-name"},
		{[]string{u.Sam, "--dial-plan", "E164DP", "--extension", lab.E164Access}, "is the subscriber access number of dial plan E164DP"},
		{[]string{u.Sam, "--dial-plan", "TelExtnDP", "--extension", "30099", "--sip-name", "x@y.z"}, "--sip-name: dial plan TelExtnDP is a TelExtn plan"},
		{[]string{u.Sam, "--dial-plan", "SipDP", "--extension", "1099", "--sip-name", "nobody"}, `--sip-name "nobody": expected user@domain`},
		{[]string{"no.such.user", "--dial-plan", "SipDP", "--extension", "1099"}, `user "no.such.user": no user`},
		{[]string{u.Sam, "--dial-plan", "Nope", "--extension", "1099"}, `--dial-plan "Nope": no such UM dial plan`},
		{[]string{"*)(sAMAccountName=*", "--dial-plan", "SipDP", "--extension", "1099"}, "no user"},
	} {
		code, out, errOut := umctl(t, append([]string{"eum", "add"}, tc.args...)...)
		if code != cli.ExitUsage || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("eum add %v: exit %d %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
	if labtest.HighestUSN(t) != usn {
		t.Fatal("refused input wrote")
	}

	// find: the lookup Exchange does.
	code, out, _ := umctl(t, "eum", "find", "1032", "--dial-plan", "SipDP", "-o", "json")
	var r ad.FindResult
	if code != 0 || json.Unmarshal([]byte(out), &r) != nil || len(r.Owners) != 1 || r.Owners[0].DN != dn || r.ProxyAddress != "eum:1032"+pc("SipDP") {
		t.Fatalf("find: %d %s", code, out)
	}
	// Nobody owning it is an empty result, exit 0 (the exit-code table's "no results").
	if code, out, _ := umctl(t, "eum", "find", "1099", "--dial-plan", "SipDP", "-o", "json"); code != 0 || !strings.Contains(out, `"owners": []`) {
		t.Fatalf("find of an unused extension: exit %d %s", code, out)
	}

	// remove the primary's plan: another becomes primary.
	if code, _, errOut := umctl(t, "eum", "remove", u.Sam, "--dial-plan", "E164DP"); code != cli.ExitUsage || !strings.Contains(errOut, "--yes") {
		t.Fatalf("remove without --yes: %d %s", code, errOut)
	}
	if code, _, errOut := umctl(t, "eum", "remove", u.Sam, "--dial-plan", "E164DP", "--yes"); code != 0 || !strings.Contains(errOut, "is primary now") {
		t.Fatalf("remove: %d %s", code, errOut)
	}
	got := eumOf(t, u)
	primaries := 0
	for _, v := range got {
		if strings.HasPrefix(v, "EUM:") {
			primaries++
		}
	}
	if len(got) != 3 || primaries != 1 {
		t.Fatalf("after remove: %q", got)
	}
	if code, _, _ := umctl(t, "eum", "remove", u.Sam, "--all", "--yes"); code != 0 || len(eumOf(t, u)) != 0 {
		t.Fatalf("remove --all: %q", eumOf(t, u))
	}
	if code, _, _ := umctl(t, "eum", "check"); code != cli.ExitPartial {
		t.Fatalf("check still sees the seeded defects: %d", code)
	}
}

// Uniqueness spans equivalent phone contexts, in add, find and check.
func TestEUMEquivalentDialPlans(t *testing.T) {
	resetLab(t)
	dp2 := "CN=SipDP2,CN=UM DialPlan Container," + org
	labtest.Apply(t, "dn: "+dp2+"\nchangetype: add\nobjectClass: msExchUMDialPlan\nmsExchUMDialPlanURIType: 3\nmsExchUMNumberingPlanDigits: 4\n"+
		"msExchUMPhoneContext: SipDP2."+lab.Domain+"\nmsExchUMEquivalentDialPlanPhoneContexts: SipDP."+lab.Domain+"\n")
	u := lab.User(32, lab.Domain)
	code, _, errOut := umctl(t, "eum", "add", u.Sam, "--dial-plan", "SipDP2", "--extension", "1001")
	if code != cli.ExitUsage || !strings.Contains(errOut, "already used by CN="+lab.User(1, lab.Domain).CN) || !strings.Contains(errOut, "SipDP."+lab.Domain) {
		t.Fatalf("equivalent duplicate: %d %s", code, errOut)
	}
	_, out, _ := umctl(t, "eum", "find", "1001", "--dial-plan", "SipDP2", "-o", "json")
	var r ad.FindResult
	if json.Unmarshal([]byte(out), &r) != nil || len(r.Owners) != 1 || len(r.PhoneContexts) != 2 {
		t.Fatalf("find across equivalents: %s", out)
	}
	// A duplicate planted directly is found by check, across the equivalent plans.
	labtest.Apply(t, "dn: CN="+u.CN+","+lab.UserOU+","+lab.BaseDN+"\nchangetype: modify\nadd: proxyAddresses\nproxyAddresses: EUM:1001"+pc("SipDP2")+"\n-\n")
	_, out, _ = umctl(t, "eum", "check", "--dial-plan", "SipDP2", "-o", "json")
	var fs []ad.Finding
	if json.Unmarshal([]byte(out), &fs) != nil || len(fs) != 2 || fs[0].Problem != ad.ProblemDuplicate {
		t.Fatalf("check across equivalents: %s", out)
	}
}

func TestEUMCSV(t *testing.T) {
	resetLab(t)
	rows := []string{"user,dial_plan,extension,sip_name,primary",
		lab.User(32, lab.Domain).Sam + ",SipDP,1032,,",
		lab.User(35, lab.Domain).Sam + ",TelExtnDP,30035,,true", // fixes the seeded missing primary
		lab.User(34, lab.Domain).Sam + ",TelExtnDP,301,,",       // wrong length
		"nobody,SipDP,1099,,",
		lab.User(36, lab.Domain).Sam + ",SipDP,1032,,", // duplicate of row 2 in the same file
	}
	path := writeCSV(t, rows)
	code, _, errOut := umctl(t, "eum", "add", "--from-csv", path)
	if code != cli.ExitPartial || !strings.Contains(errOut, `row 4: invalid input: extension "301"`) || !strings.Contains(errOut, "row 5:") ||
		!strings.Contains(errOut, `row 6: invalid input: extension "1032" in dial plan SipDP is already used by`) {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if got := eumOf(t, lab.User(35, lab.Domain)); len(got) != 1 || got[0] != "EUM:30035"+pc("TelExtnDP") {
		t.Fatalf("primary fixed: %q", got)
	}
	usn := labtest.HighestUSN(t)
	if code, _, _ := umctl(t, "eum", "add", "--from-csv", path); code != cli.ExitPartial || labtest.HighestUSN(t) != usn {
		t.Fatal("re-run wrote")
	}
	if code, _, errOut := umctl(t, "eum", "add", "--from-csv", writeCSV(t, []string{"user,extension", "x,1"})); code != cli.ExitUsage || !strings.Contains(errOut, "no dial_plan column") {
		t.Fatalf("header check: %d %s", code, errOut)
	}
}
