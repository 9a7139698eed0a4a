package ad

import (
	"fmt"
	"testing"
)

func TestParentOf(t *testing.T) {
	for dn, want := range map[string]string{
		`CN={1},OU=ExUmContacts,DC=lab`: "OU=ExUmContacts,DC=lab",
		`CN=Smith\, John,OU=A\,B,DC=x`:  `OU=A\,B,DC=x`,
		`CN=back\\,OU=x`:                "OU=x",
		`DC=x`:                          "",
	} {
		if got := parentOf(dn); got != want {
			t.Errorf("parentOf(%q) = %q, want %q", dn, got, want)
		}
	}
}

func TestEUMSpecs(t *testing.T) {
	e := func(user, dp, addr string, primary bool) EUMEntry {
		return EUMEntry{User: user, DN: "CN=" + user, DialPlan: dp, EUMAddress: EUMAddress{Address: addr, Primary: primary, PhoneContext: dp + ".x"}}
	}
	got := EUMSpecs([]EUMEntry{
		e("a", "SipDP", "a@x", true), e("a", "SipDP", "1001", false), e("a", "Tel", "30001", false),
		e("b", "SipDP", "1002", true), // extension primary on a SIP plan, no SIP name
		e("c", "SipDP", "c@x", false), e("c", "SipDP", "1003", true), e("c", "SipDP", "1004", false),
		e("d", "SipDP", "d@x", true), // SIP name without extension
	})
	want := []EUMSpec{
		{User: "a", DialPlan: "SipDP", Extension: "1001", SIPName: "a@x", Primary: true},
		{User: "a", DialPlan: "Tel", Extension: "30001"},
		{User: "b", DialPlan: "SipDP", Extension: "1002", Primary: true},
		{User: "c", DialPlan: "SipDP", Extension: "1003", SIPName: "c@x"},
		{User: "c", DialPlan: "SipDP", Extension: "1004", SIPName: "c@x"},
		{User: "d", DialPlan: "SipDP", SIPName: "d@x", Primary: true},
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("got  %v\nwant %v", got, want)
	}
}
