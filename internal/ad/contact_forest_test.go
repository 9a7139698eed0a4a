package ad

import (
	"context"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// A contact of the child domain, named by SIP address through a DC of the
// parent with a global catalog: its DN comes from the GC, the contact itself
// (with the whole filter) from the child's DC; one the GC finds in the
// parent's domain was searched there already and is left out.
func TestContactOfAnotherDomain(t *testing.T) {
	fo := newForest(t, "ldaps://dc1.contoso.com", nil, true)
	gc := fo.withGC()
	child, parent := "CN={1},OU=ExUmContacts,"+childNC, "CN={2},OU=ExUmContacts,"+parentNC
	gc.entries = []*ldap.Entry{ldap.NewEntry(child, nil), ldap.NewEntry(parent, nil)}
	fo.child.entries = []*ldap.Entry{ldap.NewEntry(child, map[string][]string{"msRTCSIP-PrimaryUserAddress": {"sip:ova@contoso.com"}})}

	cp := fo.d.NewContactPlanner()
	es, err := cp.contactsElsewhere(context.Background(), ContactFilter{Identity: "sip:ova@contoso.com"}, "(objectClass=contact)")
	if err != nil || len(es) != 1 || es[0].DN != child {
		t.Fatalf("%v %v", es, err)
	}
	if len(gc.searches) != 1 || gc.searches[0] != "" || len(fo.child.searches) != 1 || fo.child.searches[0] != child {
		t.Fatalf("GC searched %q, child's DC %q", gc.searches, fo.child.searches)
	}
	for _, b := range fo.home.searches {
		if b == parent {
			t.Fatalf("the parent's contact was read again: %q", fo.home.searches)
		}
	}
	// A listing without a name, or no GC: no forest search.
	if es, err := cp.contactsElsewhere(context.Background(), ContactFilter{Pool: "pool01.contoso.com"}, "(objectClass=contact)"); err != nil || es != nil || len(gc.searches) != 1 {
		t.Fatalf("no name: %v %v, GC searched %d times", es, err, len(gc.searches))
	}
	fo.d.gcSettings = nil
	if es, err := cp.contactsElsewhere(context.Background(), ContactFilter{Identity: "sip:ova@contoso.com"}, "(objectClass=contact)"); err != nil || es != nil || len(gc.searches) != 1 {
		t.Fatalf("no GC: %v %v, GC searched %d times", es, err, len(gc.searches))
	}
}
