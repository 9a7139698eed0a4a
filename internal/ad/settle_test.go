package ad

import (
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func holder(dn, usn, guid string, attrs map[string][]string) *ldap.Entry {
	e := ldap.NewEntry(dn, attrs)
	e.Attributes = append(e.Attributes,
		&ldap.EntryAttribute{Name: "uSNChanged", Values: []string{usn}, ByteValues: [][]byte{[]byte(usn)}},
		&ldap.EntryAttribute{Name: "objectGUID", Values: []string{guid}, ByteValues: [][]byte{[]byte(guid)}})
	return e
}

// The holder written first (lower uSNChanged; 9 < 10 as numbers, not text)
// keeps a value; equal USNs go to the lower objectGUID, so both sides agree.
func TestWrittenBefore(t *testing.T) {
	a := holder("CN=a", "9", "\x02", nil)
	b := holder("CN=b", "10", "\x01", nil)
	c := holder("CN=c", "10", "\x03", nil)
	if !writtenBefore(a, b) || writtenBefore(b, a) {
		t.Error("uSNChanged 9 must come before 10")
	}
	if !writtenBefore(b, c) || writtenBefore(c, b) {
		t.Error("equal USNs: the lower objectGUID first")
	}
}

// A claim is held by the objects that have the value in the claim's form:
// an EUM address in any equivalent context, a SIP address in either
// attribute whatever its case, a number with or without ;ext=.
func TestClaimHeldBy(t *testing.T) {
	eum := &Claim{kind: claimEUM, value: "1001", contexts: []string{"a.example", "b.example"}}
	sip := &Claim{kind: claimSIP, value: "sip:x@example.com"}
	line := &Claim{kind: claimLine, value: "+4790001001"}
	for _, tc := range []struct {
		c     *Claim
		attrs map[string][]string
		want  bool
	}{
		{eum, map[string][]string{"proxyAddresses": {"smtp:x@y", "eum:1001;phone-context=B.example"}}, true},
		{eum, map[string][]string{"proxyAddresses": {"EUM:1001;phone-context=c.example"}}, false},
		{eum, map[string][]string{"proxyAddresses": {"EUM:10011;phone-context=a.example"}}, false},
		{sip, map[string][]string{"msRTCSIP-PrimaryUserAddress": {"SIP:X@example.com"}}, true},
		{sip, map[string][]string{"proxyAddresses": {"sip:x@example.com"}}, true},
		{sip, map[string][]string{"proxyAddresses": {"smtp:x@example.com"}}, false},
		{line, map[string][]string{"msRTCSIP-Line": {"tel:+4790001001;ext=1001"}}, true},
		{line, map[string][]string{"msRTCSIP-Line": {"tel:+47900010011"}}, false},
	} {
		if got := tc.c.heldBy(ldap.NewEntry("CN=o", tc.attrs)); got != tc.want {
			t.Errorf("%+v held by %v = %v, want %v", tc.c, tc.attrs, got, tc.want)
		}
	}
}
