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

// The catalog reads each part once per Dir, however often the planners ask.
func TestCatalogReadsOnce(t *testing.T) {
	d := labtest.Dial(t)
	ctx := context.Background()
	rt := d.CountRoundTrips()
	cat := d.Catalog()
	dp, err := cat.DialPlan(ctx, "sipdp")
	if err != nil || dp.Name != lab.SipDialPlan {
		t.Fatalf("%+v %v", dp, err)
	}
	if _, err := cat.AutoAttendantNumbers(ctx, dp); err != nil {
		t.Fatal(err)
	}
	if _, err := cat.Pool(ctx, "POOL01."+lab.Domain+"."); err != nil { // case and a trailing dot do not matter
		t.Fatal(err)
	}
	first := rt.Searches()
	for i := 0; i < 3; i++ {
		_, _ = cat.DialPlans(ctx)
		_, _ = cat.SIPDialPlan(ctx, lab.SipDialPlan)
		_, _ = cat.AutoAttendantNumbers(ctx, dp)
		_, _ = cat.Pools(ctx)
		_, _, _ = cat.DialPlanByContext(ctx, dp.PhoneContext)
	}
	if rt.Searches() != first || d.Catalog() != cat {
		t.Fatalf("asked again: %d searches after %d", rt.Searches(), first)
	}
	_, err = cat.DialPlan(ctx, "nope")
	fe, ok := ad.AsFieldError(err)
	if !ok || fe.Field != ad.FieldDialPlan || !errors.Is(err, ad.ErrNotFound) || !strings.Contains(fe.Reason, lab.TelExtDialPlan) {
		t.Fatalf("unknown dial plan: %v", err)
	}
	if _, err := cat.SIPDialPlan(ctx, lab.E164DialPlan); !errors.Is(err, ad.ErrInvalid) || errors.Is(err, ad.ErrNotFound) {
		t.Fatalf("E.164 plan as a SIP plan: %v", err)
	}
}

// The lab's schema indexes what umctl searches by equality, as AD does:
// the Lync attributes as Lync's forest preparation marks them, the others in
// the base schema.
func TestSchemaIndexesLookupAttributes(t *testing.T) {
	for _, attr := range []string{"msRTCSIP-PrimaryUserAddress", "msRTCSIP-Line", "proxyAddresses", "sAMAccountName", "userPrincipalName"} {
		es := labtest.LDAPSearch(t, "CN=Schema,CN=Configuration,"+lab.BaseDN, "one", "(lDAPDisplayName="+attr+")", "searchFlags")
		if len(es) != 1 || len(es[0]["searchflags"]) != 1 {
			t.Fatalf("%s: %v", attr, es)
		}
		var flags int
		for _, c := range es[0]["searchflags"][0] {
			flags = flags*10 + int(c-'0')
		}
		if flags&1 == 0 {
			t.Errorf("%s: searchFlags %d, not indexed", attr, flags)
		}
	}
}

// A user is found by every name with one search, however it is written.
func TestEUMPlannerFindsUsersByIndexedNames(t *testing.T) {
	d := labtest.Dial(t)
	ctx := context.Background()
	u := lab.User(3, lab.Domain)
	dn := "CN=" + u.CN + "," + lab.UserOU + "," + lab.BaseDN
	for _, name := range []string{u.Sam, strings.ToUpper(u.Sam), u.Sam + "@" + lab.Domain, u.SIP, strings.TrimPrefix(u.SIP, "sip:"), strings.ToLower(dn)} {
		ep := d.NewEUMPlanner()
		rt := d.CountRoundTrips()
		got, err := ep.User(ctx, name)
		if err != nil || !strings.EqualFold(got.DN, dn) || rt.Searches() != 1 {
			t.Errorf("%q: %+v %v after %d searches", name, got, err, rt.Searches())
		}
	}
	_, err := d.NewEUMPlanner().User(ctx, "*")
	if fe, ok := ad.AsFieldError(err); !ok || fe.Field != ad.FieldUser || !errors.Is(err, ad.ErrNotFound) {
		t.Fatalf("a filter as a name finds nothing: %v", err)
	}
}

// maxPageSize answers as AD does past its MaxPageSize: an unpaged search that
// matches more than limit entries gets limit of them and sizeLimitExceeded.
type maxPageSize struct {
	ad.Requester
	limit int
}

func (m maxPageSize) Search(q *ldap.SearchRequest) (*ldap.SearchResult, error) {
	res, err := m.Requester.Search(q)
	if err == nil && len(q.Controls) == 0 && len(res.Entries) > m.limit {
		res.Entries = res.Entries[:m.limit]
		return res, ldap.NewError(ldap.LDAPResultSizeLimitExceeded, errors.New("size limit exceeded"))
	}
	return res, err
}

// A batch of SearchAny goes unpaged, in one request; when it matches more
// entries than the DC sends unpaged, it is searched again, paged, and every
// entry still comes back.
func TestSearchAnyPagesWhenABatchIsTooBig(t *testing.T) {
	ctx := context.Background()
	var terms []string
	for i := 1; i <= 20; i++ {
		terms = append(terms, ad.Filter("sAMAccountName", lab.User(i, lab.Domain).Sam))
	}
	for _, limit := range []int{1000, 5} {
		d := labtest.Dial(t)
		d.WrapRequests(func(r ad.Requester) ad.Requester { return maxPageSize{r, limit} })
		rt := d.CountRoundTrips()
		es, err := d.SearchAny(ctx, d.RootDSE.DefaultNC, "", terms, []string{"sAMAccountName"})
		want := int64(1) // one unpaged request
		if limit < 20 {
			want = 2 // refused unpaged, then one page
		}
		if err != nil || len(es) != 20 || rt.Searches() != want {
			t.Errorf("limit %d: %d entries, %d searches, %v (want 20 entries in %d searches)", limit, len(es), rt.Searches(), err, want)
		}
	}
}
