package ad_test

import (
	"context"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// AttributeIndex (the relay's Graph ids: msDS-ExternalDirectoryObjectId, which
// the lab's 2012 R2 schema lacks, so mail stands in) maps each Lync user's SIP
// address to the attribute, as ldapsearch sees it; a bad attribute name is
// refused before anything is sent.
func TestAttributeIndex(t *testing.T) {
	d := labtest.Dial(t)
	idx, err := d.AttributeIndex(context.Background(), "mail")
	if err != nil {
		t.Fatal(err)
	}
	want := labtest.LDAPSearch(t, lab.BaseDN, "sub", "(&(msRTCSIP-PrimaryUserAddress=*)(mail=*))", "mail")
	if len(idx) != len(want) || len(idx) < lab.SeedUsers {
		t.Fatalf("index %d entries, directory %d", len(idx), len(want))
	}
	u := lab.User(1, lab.Domain)
	if !strings.EqualFold(idx[u.SIP], u.Sam+"@"+lab.Domain) {
		t.Fatalf("%s -> %q, want %s@%s", u.SIP, idx[u.SIP], u.Sam, lab.Domain)
	}
	if _, err := d.AttributeIndex(context.Background(), "mail)(objectClass=*"); err == nil || !strings.Contains(err.Error(), "expected an LDAP attribute name") {
		t.Fatalf("bad attribute: %v", err)
	}
}
