package ad

import (
	"context"
	"errors"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// A forest of two domains, contoso.com and its child child.contoso.com, served
// by fake DCs that record what they are sent.
const (
	parentNC = "DC=contoso,DC=com"
	childNC  = "DC=child,DC=contoso,DC=com"
	configNC = "CN=Configuration," + parentNC
)

// fakeDC answers the crossRef search and records every write and search.
type fakeDC struct {
	mu       sync.Mutex
	writes   []string // "add DN", "modify DN", "delete DN"
	searches []string // bases
	entries  []*ldap.Entry
}

func (f *fakeDC) Search(q *ldap.SearchRequest) (*ldap.SearchResult, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.searches = append(f.searches, q.BaseDN)
	if strings.EqualFold(q.BaseDN, "CN=Partitions,"+configNC) {
		return &ldap.SearchResult{Entries: []*ldap.Entry{
			crossRef("CN=Enterprise Configuration", configNC, "contoso.com", "", "1"),
			crossRef("CN=Enterprise Schema", "CN=Schema,"+configNC, "contoso.com", "", "1"),
			crossRef("CN=CONTOSO", parentNC, "contoso.com", "CONTOSO", "3"),
			crossRef("CN=CHILD", "dc=Child,dc=Contoso,dc=Com", "child.contoso.com.", "CHILD", "3"),
		}}, nil
	}
	return &ldap.SearchResult{Entries: f.entries}, nil
}

func crossRef(cn, nc, dns, netbios, flags string) *ldap.Entry {
	return ldap.NewEntry(cn+",CN=Partitions,"+configNC, map[string][]string{"nCName": {nc}, "dnsRoot": {dns}, "nETBIOSName": {netbios}, "systemFlags": {flags}})
}

func (f *fakeDC) record(op, dn string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.writes = append(f.writes, op+" "+dn)
	return nil
}
func (f *fakeDC) Add(q *ldap.AddRequest) error       { return f.record("add", q.DN) }
func (f *fakeDC) Modify(q *ldap.ModifyRequest) error { return f.record("modify", q.DN) }
func (f *fakeDC) Del(q *ldap.DelRequest) error       { return f.record("delete", q.DN) }

func fakeDir(url, defaultNC string, f *fakeDC) *Dir {
	return &Dir{wrap: f, settings: Settings{URL: url, SPN: "ldap/home.contoso.com"},
		RootDSE: RootDSE{DefaultNC: defaultNC, ConfigNC: configNC, RootDomainNC: parentNC}}
}

// forest is a home connection with routing on, and the DCs it can reach.
type forest struct {
	home, parent, child *fakeDC
	d                   *Dir
	dialled             []Settings
	srvAsked            []string
}

// newForest: home is url (a DC of contoso.com, or a GC); DNS knows the child's
// DC when srv is set; dialling dc1.child gives the child's DC, dc2.contoso the
// parent's.
func newForest(t *testing.T, url string, servers map[string]string, srv bool) *forest {
	t.Helper()
	fo := &forest{home: &fakeDC{}, parent: &fakeDC{}, child: &fakeDC{}}
	fo.d = fakeDir(url, parentNC, fo.home)
	fo.d.RouteWrites(servers)
	fo.d.route.lookupSRV = func(_ context.Context, service, proto, name string) (string, []*net.SRV, error) {
		fo.srvAsked = append(fo.srvAsked, "_"+service+"._"+proto+"."+name)
		if !srv || name != "dc._msdcs.child.contoso.com" {
			return "", nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
		}
		return "", []*net.SRV{{Target: "dc1.child.contoso.com.", Port: 389}}, nil
	}
	fo.d.route.dial = func(_ context.Context, s Settings) (*Dir, error) {
		fo.dialled = append(fo.dialled, s)
		switch {
		case strings.HasPrefix(s.URL, "ldaps://dc1.child.contoso.com"):
			return fakeDir(s.URL, childNC, fo.child), nil
		case strings.HasPrefix(s.URL, "ldaps://dc2.contoso.com"):
			return fakeDir(s.URL, parentNC, fo.parent), nil
		}
		return nil, errors.New("connection refused")
	}
	return fo
}

// withGC gives the home connection a global catalog (gc1.contoso.com) and
// returns it, empty.
func (fo *forest) withGC() *fakeDC {
	gc := &fakeDC{}
	fo.d.gcSettings = &Settings{URL: "ldaps://gc1.contoso.com:3269"}
	fo.d.gc = fakeDir(fo.d.gcSettings.URL, parentNC, gc)
	return gc
}

// twoDomainPlan changes objects of both domains and of the configuration.
func twoDomainPlan() *Plan {
	p := &Plan{}
	p.Add("contact", "CN={1},OU=ExUmContacts,"+parentNC, []Attr{{"objectClass", []string{"contact"}}})
	p.Add("contact", "CN={2},OU=ExUmContacts,"+strings.ToUpper(childNC), []Attr{{"objectClass", []string{"contact"}}})
	p.Update("user", ldap.NewEntry("CN=Ann,OU=Users,"+childNC, map[string][]string{"telephoneNumber": {"1"}}), []Attr{{"telephoneNumber", []string{"2"}}})
	p.Delete("contact", "CN={3},"+parentNC)
	p.Update("gateway", ldap.NewEntry("CN=1:1,CN=UM IPGateway Container,CN=Org,CN=Microsoft Exchange,CN=Services,"+configNC, map[string][]string{"msExchUMIPGatewayPort": {"0"}}),
		[]Attr{{"msExchUMIPGatewayPort", []string{"5061"}}})
	return p
}

func TestWritesGoToTheDCOfTheObjectsDomain(t *testing.T) {
	fo := newForest(t, "ldaps://dc1.contoso.com", nil, true)
	p := twoDomainPlan()
	// The child's contact claims a SIP address: ApplySettled re-checks it on the child's DC.
	p.claim(claimSIP, "SIP address sip:a@contoso.com", "sip:a@contoso.com", nil, p.Changes[1].DN, p.Changes[1])
	fo.child.entries = []*ldap.Entry{ldap.NewEntry(p.Changes[1].DN, map[string][]string{"msRTCSIP-PrimaryUserAddress": {"sip:a@contoso.com"}})}
	ctx := context.Background()
	if applyErr, settleErr := fo.d.ApplySettled(ctx, p, nil); applyErr != nil || settleErr != nil {
		t.Fatal(applyErr, settleErr)
	}
	want := map[*fakeDC][]string{
		fo.home:  {"add CN={1},OU=ExUmContacts," + parentNC, "delete CN={3}," + parentNC, "modify " + p.Changes[4].DN},
		fo.child: {"add " + p.Changes[1].DN, "modify CN=Ann,OU=Users," + childNC},
	}
	for dc, w := range want {
		if strings.Join(dc.writes, "\n") != strings.Join(w, "\n") {
			t.Errorf("writes:\n%s\nwant:\n%s", strings.Join(dc.writes, "\n"), strings.Join(w, "\n"))
		}
	}
	if len(fo.dialled) != 1 || fo.dialled[0].URL != "ldaps://dc1.child.contoso.com" || fo.dialled[0].SPN != "" {
		t.Errorf("dialled %+v, want the child's DC from DNS once, its SPN its own", fo.dialled)
	}
	if strings.Join(fo.srvAsked, " ") != "_ldap._tcp.dc._msdcs.child.contoso.com" {
		t.Errorf("DNS asked %v", fo.srvAsked)
	}
	if n := len(fo.child.searches); n == 0 || fo.child.searches[n-1] != childNC || slices.Index(fo.child.searches, childNC) != n-1 || p.Changes[1].Status != StatusDone {
		t.Errorf("re-checked on %v (child), status %s: want one search of %s, after the writes", fo.child.searches, p.Changes[1].Status, childNC)
	}
	if slices.Contains(fo.home.searches, childNC) {
		t.Errorf("the child's claim was re-checked on the home DC: %v", fo.home.searches)
	}
	fo.d.Close()
	if len(fo.d.route.conns) != 0 {
		t.Errorf("connections left open: %v", fo.d.route.conns)
	}
}

// A domain whose DC cannot be found fails the whole plan before its first write.
func TestNoDCForTheDomainWritesNothing(t *testing.T) {
	for name, servers := range map[string]map[string]string{
		"no DNS record":        nil,
		"configured DC down":   {"child.contoso.com": "ldaps://dc9.child.contoso.com"},
		"DC of another domain": {"child.contoso.com": "ldaps://dc2.contoso.com"},
	} {
		fo := newForest(t, "ldaps://dc1.contoso.com", servers, false)
		p := twoDomainPlan()
		err := fo.d.Apply(context.Background(), p, nil)
		if err == nil || !strings.Contains(err.Error(), "child.contoso.com") || !strings.Contains(err.Error(), "nothing was written") {
			t.Errorf("%s: %v", name, err)
		}
		if servers == nil && !strings.Contains(err.Error(), "--domain-server child.contoso.com=ldaps://") {
			t.Errorf("%s: says not how to configure it: %v", name, err)
		}
		if len(fo.home.writes)+len(fo.child.writes)+len(fo.parent.writes) != 0 {
			t.Errorf("%s: wrote %v %v %v", name, fo.home.writes, fo.child.writes, fo.parent.writes)
		}
		for _, c := range p.Changes {
			if c.Action != ActionUnchanged && c.Status != StatusSkipped {
				t.Errorf("%s: %s %s", name, c.DN, c.Status)
			}
		}
	}
}

// A global catalog takes no writes: with --server on the GC, even its own
// domain's objects and the configuration go to the configured DC, which
// (named by the override, any case, trailing dot) wins over DNS.
func TestGlobalCatalogHomeWritesToTheDomainsDC(t *testing.T) {
	fo := newForest(t, "ldaps://gc1.contoso.com:3269", map[string]string{"Contoso.COM.": "ldaps://dc2.contoso.com", "child.contoso.com": "ldaps://dc1.child.contoso.com:636"}, false)
	p := twoDomainPlan()
	if err := fo.d.Apply(context.Background(), p, nil); err != nil {
		t.Fatal(err)
	}
	if len(fo.home.writes) != 0 || len(fo.parent.writes) != 3 || len(fo.child.writes) != 2 || len(fo.srvAsked) != 0 {
		t.Errorf("gc %v, parent %v, child %v, DNS %v", fo.home.writes, fo.parent.writes, fo.child.writes, fo.srvAsked)
	}
}

func TestDomainOf(t *testing.T) {
	fo := newForest(t, "ldaps://dc1.contoso.com", nil, false)
	cat, ctx := fo.d.Catalog(), context.Background()
	for dn, want := range map[string]string{
		"CN=x,OU=y,DC=child,DC=contoso,DC=com": "child.contoso.com",
		"cn=x,dc=CHILD,dc=contoso,dc=com":      "child.contoso.com",
		childNC:                                "child.contoso.com",
		"CN=x,DC=contoso,DC=com":               "contoso.com",
		"CN=x,DC=grandchild,DC=contoso,DC=com": "contoso.com", // no crossRef: the parent's
		"CN=gw,CN=Services," + configNC:        "",
		"CN=user,CN=Schema," + configNC:        "",
	} {
		dom, ok, err := cat.DomainOf(ctx, dn)
		if want == "" {
			if err != nil || ok {
				t.Errorf("%s: %+v %v %v, want no domain", dn, dom, ok, err)
			}
			continue
		}
		if err != nil || !ok || dom.DNSRoot != want {
			t.Errorf("%s: %+v %v %v, want %s", dn, dom, ok, err, want)
		}
	}
	for _, bad := range []string{"not a dn", "", `CN=DC\=child\,DC\=contoso,DC=com`, "DC=fabrikam,DC=com"} {
		if _, _, err := cat.DomainOf(ctx, bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if n := len(fo.home.searches); n != 1 {
		t.Errorf("crossRefs read %d times", n)
	}
}

// A DC answers a read of another domain's object with a referral: Exists
// (the OU check of `contact new --ou`) asks the object's domain's DC.
func TestExistsReadsTheObjectsDomain(t *testing.T) {
	fo := newForest(t, "ldaps://dc1.contoso.com", nil, true)
	ou := "OU=ExUmContacts," + childNC
	fo.child.entries = []*ldap.Entry{ldap.NewEntry(ou, nil)}
	ok, err := fo.d.Exists(context.Background(), ou)
	if err != nil || !ok || len(fo.child.searches) != 1 || fo.child.searches[0] != ou {
		t.Fatalf("%v %v: child searched %v", ok, err, fo.child.searches)
	}
	if ok, err := fo.d.Exists(context.Background(), "OU=x,"+parentNC); err != nil || ok || fo.home.searches[len(fo.home.searches)-1] != "OU=x,"+parentNC {
		t.Fatalf("own domain: %v %v, home searched %v", ok, err, fo.home.searches)
	}
	fo = newForest(t, "ldaps://dc1.contoso.com", nil, false)
	if _, err := fo.d.Exists(context.Background(), ou); err == nil || !strings.Contains(err.Error(), "child.contoso.com") {
		t.Fatalf("no DC of the child: %v", err)
	}
}
