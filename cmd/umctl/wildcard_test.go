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

// sipsOf runs `umctl ARGS -o json` and returns the contacts' SIP addresses, sorted.
func sipsOf(t *testing.T, args ...string) (int, []string) {
	t.Helper()
	code, out, errOut := umctl(t, append(args, "-o", "json")...)
	if code != 0 {
		return code, nil
	}
	var cs []ad.Contact
	if err := json.Unmarshal([]byte(out), &cs); err != nil {
		t.Fatalf("%v: %v\n%s%s", args, err, out, errOut)
	}
	var sips []string
	for _, c := range cs {
		sips = append(sips, strings.TrimSuffix(strings.TrimPrefix(c.SIPAddress, "sip:"), "@"+lab.Domain))
	}
	sort.Strings(sips)
	return code, sips
}

// TestContactWildcards: * in an identity, --sip-address and --number is a
// substring match against the lab; every other character is literal.
func TestContactWildcards(t *testing.T) {
	resetLab(t)
	for _, c := range [][]string{
		{"ova-oslo", "+4790000100", "Oslo (main)"},
		{"ova-bergen", "+4790000200", "Bergen*"},
		{"aa-oslo", "+4791000300", "Oslo menu"},
	} {
		if code, _, errOut := umctl(t, newContactArgs("sip:"+c[0]+"@"+lab.Domain, c[1], "--display-name", c[2])...); code != 0 {
			t.Fatalf("create %s: %s", c[0], errOut)
		}
	}
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sip:ova*"}, "ova-bergen ova-oslo"},
		{[]string{"ova*"}, "ova-bergen ova-oslo"}, // sip: may be left out
		{[]string{"*oslo*"}, "aa-oslo ova-oslo"},
		{[]string{"Oslo (main)"}, "ova-oslo"}, // a display name with parentheses, literally
		{[]string{"Oslo (*"}, "ova-oslo"},     // ( is literal in a pattern too
		{[]string{"Bergen*"}, "ova-bergen"},   // the display name, and a SIP address starting so: none
		{[]string{"--number", "+4790*"}, "ova-bergen ova-oslo"},
		{[]string{"--number", "+47*00"}, "aa-oslo ova-bergen ova-oslo"},
		{[]string{"--sip-address", "*bergen*"}, "ova-bergen"},
		{[]string{"--sip-address", "sip:*", "--number", "*300"}, "aa-oslo"},
		{[]string{"*"}, "aa-oslo ova-bergen ova-oslo"},
	} {
		code, sips := sipsOf(t, append([]string{"contact", "get"}, tc.args...)...)
		if code != 0 || strings.Join(sips, " ") != tc.want {
			t.Errorf("contact get %q: exit %d, %v; want %s", tc.args, code, sips, tc.want)
		}
	}
	// Filter syntax in a pattern is escaped: it matches nothing instead of everything.
	if code, _, errOut := umctl(t, "contact", "get", "*)(cn=*"); code != cli.ExitFailure || !strings.Contains(errOut, `no Exchange UM contact matches "*)(cn=*"`) {
		t.Errorf("filter injection: exit %d: %s", code, errOut)
	}
	// A command on one contact refuses a pattern matching several, and names them.
	if code, _, errOut := umctl(t, "contact", "set", "sip:ova*", "--description", "x"); code != cli.ExitUsage || !strings.Contains(errOut, "2 Exchange UM contacts match") || !strings.Contains(errOut, "sip:ova-oslo@") {
		t.Errorf("set with a pattern: exit %d: %s", code, errOut)
	}
	// remove takes a pattern; the plan shows each SIP address and number.
	code, plan, errOut := umctl(t, "contact", "remove", "sip:ova*", "--yes")
	if code != 0 {
		t.Fatalf("remove: exit %d: %s", code, errOut)
	}
	for _, want := range []string{"- contact CN={", "msRTCSIP-PrimaryUserAddress: sip:ova-oslo@" + lab.Domain, "msRTCSIP-Line: tel:+4790000100", "sip:ova-bergen@", "tel:+4790000200", "2 to delete"} {
		if !strings.Contains(plan, want) {
			t.Errorf("removal plan lacks %q:\n%s", want, plan)
		}
	}
	es := contactsInDirectory(t, "(objectClass=contact)")
	if len(es) != 1 || es[0]["msrtcsip-primaryuseraddress"][0] != "sip:aa-oslo@"+lab.Domain {
		t.Fatalf("after remove 'sip:ova*' the directory holds %v", es)
	}
}

// TestEUMListWildcard: `eum list PATTERN` lists the users ldapsearch finds for
// the same substring filter; filter syntax in a pattern matches nothing.
func TestEUMListWildcard(t *testing.T) {
	useLab(t)
	users := func(args ...string) []string {
		code, out, errOut := umctl(t, append(append([]string{"eum", "list"}, args...), "-o", "json")...)
		if code != 0 {
			t.Fatalf("eum list %v: exit %d: %s", args, code, errOut)
		}
		var es []ad.EUMEntry
		if err := json.Unmarshal([]byte(out), &es); err != nil {
			t.Fatal(err)
		}
		set := map[string]bool{}
		for _, e := range es {
			set[e.User] = true
		}
		var list []string
		for u := range set {
			list = append(list, u)
		}
		sort.Strings(list)
		return list
	}
	var want []string
	for _, e := range labtest.LDAPSearch(t, lab.BaseDN, "sub", "(&(proxyAddresses=eum:*)(sAMAccountName=a*))", "sAMAccountName") {
		want = append(want, e["samaccountname"][0])
	}
	sort.Strings(want)
	if got := users("a*"); len(want) < 2 || strings.Join(got, " ") != strings.Join(want, " ") {
		t.Errorf("eum list 'a*': %v; ldapsearch: %v", got, want)
	}
	if got := users("*)(sAMAccountName=*"); len(got) != 0 {
		t.Errorf("filter syntax in a pattern matched %v", got)
	}
}
