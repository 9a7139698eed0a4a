package ad

import (
	"context"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// A user of the child domain, asked for through a DC of the parent with a
// global catalog: found on the GC, read again from the child's DC (whose copy
// differs from the GC's lagging one), and planned from that copy.
func TestEUMUserOfAnotherDomain(t *testing.T) {
	fo := newForest(t, "ldaps://dc1.contoso.com", nil, true)
	gc := fo.withGC()
	dn := "CN=Alice,OU=Users," + childNC
	attrs := func(proxy string) map[string][]string {
		return map[string][]string{"objectClass": {"top", "person", "user"}, "sAMAccountName": {"alice"},
			"userPrincipalName": {"alice@child.contoso.com"}, "proxyAddresses": {proxy}}
	}
	gc.entries = []*ldap.Entry{ldap.NewEntry(dn, attrs("eum:1;phone-context=old.contoso.com"))}
	fo.child.entries = []*ldap.Entry{ldap.NewEntry(dn, attrs("eum:2;phone-context=new.contoso.com"))}

	ep := fo.d.NewEUMPlanner()
	u, err := ep.User(context.Background(), "Alice@child.contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	if u.DN != dn || u.fromGC || len(u.Addresses) != 1 || u.Addresses[0].Address != "2" {
		t.Fatalf("user %+v (from the GC: %v)", u, u.fromGC)
	}
	if len(gc.searches) != 1 || gc.searches[0] != "" || len(fo.child.searches) != 1 || fo.child.searches[0] != childNC {
		t.Fatalf("GC searched %q, child's DC %q", gc.searches, fo.child.searches)
	}
	home := len(fo.home.searches)
	if _, err := ep.User(context.Background(), "alice@CHILD.contoso.com"); err != nil || len(gc.searches) != 1 || len(fo.home.searches) != home {
		t.Fatalf("asked again: %v; GC %d searches, home %d more", err, len(gc.searches), len(fo.home.searches)-home)
	}

	// A user of the DC's own domain costs no GC search; a name nowhere is not found.
	fo.home.entries = []*ldap.Entry{ldap.NewEntry("CN=Bob,"+parentNC, map[string][]string{"objectClass": {"user"}, "sAMAccountName": {"bob"}})}
	if u, err := ep.User(context.Background(), "bob"); err != nil || u.DN != "CN=Bob,"+parentNC || len(gc.searches) != 1 {
		t.Fatalf("own domain: %+v %v, GC searched %d times", u, err, len(gc.searches))
	}
	fo.home.entries, gc.entries = nil, nil
	if _, err := ep.User(context.Background(), "nobody"); err == nil || len(gc.searches) != 2 {
		t.Fatalf("nobody: %v, GC searched %d times", err, len(gc.searches))
	}
}

// The audits (eum check, doctor) read every EUM user of the forest on the
// global catalog when one is configured, else of the DC's domain.
func TestEUMAuditReadsTheForest(t *testing.T) {
	fo := newForest(t, "ldaps://dc1.contoso.com", nil, true)
	gc := fo.withGC()
	dn := "CN=Alice,OU=Users," + childNC
	gc.entries = []*ldap.Entry{ldap.NewEntry(dn, map[string][]string{"sAMAccountName": {"alice"}, "proxyAddresses": {"EUM:1;phone-context=dp.contoso.com"}})}
	ep := fo.d.NewEUMPlanner()
	us, err := ep.AllUsers(context.Background())
	if err != nil || len(us) != 1 || us[0].DN != dn || len(gc.searches) != 1 || gc.searches[0] != "" || len(fo.home.searches) != 0 {
		t.Fatalf("with a GC: %v %v; GC searched %q, home %q", us, err, gc.searches, fo.home.searches)
	}
	fo.d.gcSettings = nil
	if _, err := ep.AllUsers(context.Background()); err != nil || len(gc.searches) != 1 || len(fo.home.searches) != 1 || fo.home.searches[0] != parentNC {
		t.Fatalf("without: %v; GC searched %q, home %q", err, gc.searches, fo.home.searches)
	}
}
