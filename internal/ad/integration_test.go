package ad_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

func TestRootDSEAndOrg(t *testing.T) {
	d := labtest.Dial(t)
	ctx := context.Background()
	if d.RootDSE.ConfigNC != "CN=Configuration,"+lab.BaseDN || d.RootDSE.RootDomainNC != lab.BaseDN || d.ForestDNSName() != lab.Domain {
		t.Fatalf("%+v", d.RootDSE)
	}
	org, err := d.ExchangeOrg(ctx)
	if err != nil || org != "CN="+lab.OrgName+",CN=Microsoft Exchange,CN=Services,CN=Configuration,"+lab.BaseDN {
		t.Fatalf("%s %v", org, err)
	}
	for _, s := range []string{ad.SchemaExchange, ad.SchemaLync} {
		if err := d.RequireSchema(ctx, s); err != nil {
			t.Error(err)
		}
	}
}

// A second organization makes discovery fail clearly (a forest has one).
func TestTwoExchangeOrgs(t *testing.T) {
	d := labtest.Dial(t)
	dn := "CN=Second Org,CN=Microsoft Exchange,CN=Services,CN=Configuration," + lab.BaseDN
	add := ldap.NewAddRequest(dn, nil)
	add.Attribute("objectClass", []string{"msExchOrganizationContainer"})
	if err := d.Conn().Add(add); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Conn().Del(ldap.NewDelRequest(dn, nil)) })
	d2 := labtest.Dial(t)
	if _, err := d2.ExchangeOrg(context.Background()); !errors.Is(err, ad.ErrNoExchange) {
		t.Fatalf("want ErrNoExchange, got %v", err)
	}
	if _, err := d2.DialPlans(context.Background()); !errors.Is(err, ad.ErrNoExchange) {
		t.Fatalf("dial plans: %v", err)
	}
}

func TestReadsWriteNothing(t *testing.T) {
	before := labtest.HighestUSN(t)
	d := labtest.Dial(t)
	ctx := context.Background()
	if _, err := d.DialPlans(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Pools(ctx); err != nil {
		t.Fatal(err)
	}
	if after := labtest.HighestUSN(t); after != before {
		t.Fatalf("highestCommittedUSN moved from %s to %s", before, after)
	}
}

func TestCatalogPool(t *testing.T) {
	d := labtest.Dial(t)
	p, err := d.Catalog().Pool(context.Background(), "SBA01.Lab.Umctl.Test.")
	if err != nil || !p.Branch || p.Name != "2:1" || p.Product != "Lync Server 2010" {
		t.Fatalf("%+v %v", p, err)
	}
	if _, err := d.Catalog().Pool(context.Background(), "nope."+lab.Domain); !errors.Is(err, ad.ErrNotFound) {
		t.Fatal(err)
	}
}

// The "schema not extended" error, against the lab DC, with a class it lacks.
func TestRequireSchemaMissing(t *testing.T) {
	d := labtest.Dial(t)
	err := d.RequireSchemaNames(context.Background(), "Contoso Frobnicator", "msExchUMDialPlan", "contosoFrobnicator")
	if !errors.Is(err, ad.ErrSchema) || !strings.Contains(err.Error(), "no Contoso Frobnicator extension (missing contosoFrobnicator)") {
		t.Fatal(err)
	}
}

// A modify planned from a value that changed before apply fails with
// ErrConflict and leaves the other writer's value in place.
func TestApplyConflict(t *testing.T) {
	d := labtest.Dial(t)
	ctx := context.Background()
	dn := "CN=conflict-test,OU=umctl-test," + lab.BaseDN
	labtest.Apply(t, "dn: "+dn+"\nchangetype: add\nobjectClass: contact\ndescription: a\n")
	t.Cleanup(func() { _ = d.Conn().Del(ldap.NewDelRequest(dn, nil)) })
	e, err := d.Read(ctx, dn, []string{"description"})
	if err != nil {
		t.Fatal(err)
	}
	p := &ad.Plan{}
	p.Update("contact", e, []ad.Attr{{Name: "description", Vals: []string{"b"}}})
	labtest.Apply(t, "dn: "+dn+"\nchangetype: modify\nreplace: description\ndescription: c\n-\n")
	if err := d.Apply(ctx, p, nil); !errors.Is(err, ad.ErrConflict) {
		t.Fatalf("want ErrConflict, got %v", err)
	}
	if es := labtest.LDAPSearch(t, dn, "base", "(objectClass=*)", "description"); es[0]["description"][0] != "c" {
		t.Fatalf("the other writer's value was overwritten: %v", es[0]["description"])
	}
	// Planned again from the current value, the change applies.
	e, _ = d.Read(ctx, dn, []string{"description"})
	p = &ad.Plan{}
	p.Update("contact", e, []ad.Attr{{Name: "description", Vals: []string{"b"}}})
	if err := d.Apply(ctx, p, nil); err != nil || p.Changes[0].Status != ad.StatusDone {
		t.Fatal(err)
	}
}

// An EUM change planned from proxyAddresses that another writer changed before
// apply fails with ErrConflict (the delete of the old value finds nothing).
func TestEUMConflict(t *testing.T) {
	labtest.Reset(t)
	d := labtest.Dial(t)
	ctx := context.Background()
	u := lab.User(22, lab.Domain) // EUM:30022 primary on TelExtnDP
	p := &ad.Plan{}
	if err := d.NewEUMPlanner().PlanAdd(ctx, p, ad.EUMSpec{User: u.Sam, DialPlan: lab.E164DialPlan, Extension: "+4721000022", Primary: true}); err != nil {
		t.Fatal(err)
	}
	labtest.Apply(t, "dn: CN="+u.CN+","+lab.UserOU+","+lab.BaseDN+"\nchangetype: modify\ndelete: proxyAddresses\nproxyAddresses: "+u.EUM[0]+"\n-\n")
	if err := d.Apply(ctx, p, nil); !errors.Is(err, ad.ErrConflict) {
		t.Fatalf("want ErrConflict, got %v", err)
	}
}

// LineIndex agrees with ldapsearch: every line URI's number maps to the SIP
// address, and every SIP address with an EUM proxy to that proxy.
func TestLineIndex(t *testing.T) {
	d := labtest.Dial(t)
	idx, err := d.LineIndex(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	lines := labtest.LDAPSearch(t, lab.BaseDN, "sub", "(&(msRTCSIP-Line=tel:*)(msRTCSIP-PrimaryUserAddress=*))", "msRTCSIP-Line")
	eums := labtest.LDAPSearch(t, lab.BaseDN, "sub", "(&(proxyAddresses=eum:*)(msRTCSIP-PrimaryUserAddress=*))", "proxyAddresses")
	if len(idx) != len(lines)+len(eums) || len(lines) < lab.SeedUsers {
		t.Fatalf("index %d entries, directory %d lines + %d with EUM proxies", len(idx), len(lines), len(eums))
	}
	u := lab.User(1, lab.Domain)
	if idx[u.Phone] != u.SIP || idx[u.SIP] != u.EUM[0] {
		t.Fatalf("%s -> %q, want %s; %s -> %q, want %s", u.Phone, idx[u.Phone], u.SIP, u.SIP, idx[u.SIP], u.EUM[0])
	}
}
