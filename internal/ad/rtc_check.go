package ad

import (
	"context"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Problems `contact check` knows: a SIP address or a number that several
// objects (users or contacts) have. Lync routes such a call or sign-in to one
// of them, unpredictably; Exchange UM's contacts stop working.
const (
	ProblemDuplicateSIP  = "duplicate-sip-address"
	ProblemDuplicateLine = "duplicate-line-uri"
)

var rtcCheckAttrs = []string{"objectClass", "sAMAccountName", "displayName", "cn", "msRTCSIP-PrimaryUserAddress", "msRTCSIP-Line", "proxyAddresses"}

// CheckRTCDuplicates audits SIP addresses (msRTCSIP-PrimaryUserAddress and
// sip: proxy addresses) and line URIs (by number) across users and contacts,
// and reports every object that shares one with another. It is an audit: it
// reads every object with a SIP address or a line URI (one paged search; of
// the whole forest, on the global catalog, when one is configured).
func (d *Dir) CheckRTCDuplicates(ctx context.Context) ([]Finding, error) {
	dc, base, err := d.forestScope(ctx)
	if err != nil {
		return nil, err
	}
	es, err := dc.Search(ctx, base, ldap.ScopeWholeSubtree,
		"(|(msRTCSIP-PrimaryUserAddress=*)(msRTCSIP-Line=*)(proxyAddresses=sip:*))", rtcCheckAttrs)
	if err != nil {
		return nil, err
	}
	bySIP, byNumber := map[string][]*ldap.Entry{}, map[string][]*ldap.Entry{}
	for _, e := range es {
		for _, s := range sipValues(e) {
			bySIP[s] = append(bySIP[s], e)
		}
		if n := lineNumber(e); n != "" {
			byNumber[n] = append(byNumber[n], e)
		}
	}
	findings := append(duplicates(ProblemDuplicateSIP, bySIP), duplicates(ProblemDuplicateLine, byNumber)...)
	if findings == nil {
		findings = []Finding{}
	}
	return findings, nil
}

// duplicates reports each object of every value that several objects have,
// in value order.
func duplicates(problem string, byValue map[string][]*ldap.Entry) []Finding {
	var values []string
	for v, es := range byValue {
		if len(es) > 1 {
			values = append(values, v)
		}
	}
	sort.Strings(values)
	var out []Finding
	for _, v := range values {
		for _, e := range byValue[v] {
			var others []string
			for _, o := range byValue[v] {
				if o != e {
					others = append(others, o.DN)
				}
			}
			out = append(out, Finding{Problem: problem, User: objectName(e), DN: e.DN, Proxy: v, Detail: "also on " + strings.Join(others, "; ")})
		}
	}
	return out
}

// objectName is how a finding names an object: a user's sAMAccountName, a
// contact's display name, else its CN.
func objectName(e *ldap.Entry) string {
	for _, a := range []string{"sAMAccountName", "displayName", "cn"} {
		if v := e.GetAttributeValue(a); v != "" {
			return v
		}
	}
	return e.DN
}
