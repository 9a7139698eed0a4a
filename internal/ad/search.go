package ad

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"

	"github.com/go-ldap/ldap/v3"
)

const pageSize = 500

// Search runs a paged search (control 1.2.840.113556.1.4.319), one request per
// page, and returns every entry. Continuation references (the Configuration
// partition seen from the domain) are not chased: callers search each
// partition with its own base.
func (d *Dir) Search(ctx context.Context, base string, scope int, filter string, attrs []string) ([]*ldap.Entry, error) {
	if err := d.checkBase(base, scope); err != nil {
		return nil, err
	}
	paging := ldap.NewControlPaging(pageSize)
	var out []*ldap.Entry
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		req := ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, []ldap.Control{paging})
		res, err := d.req().Search(req)
		if err != nil {
			return nil, d.searchErr(base, filter, err)
		}
		out = append(out, res.Entries...)
		next, ok := ldap.FindControl(res.Controls, ldap.ControlTypePaging).(*ldap.ControlPaging)
		if !ok || len(next.Cookie) == 0 {
			return out, nil
		}
		paging.SetCookie(next.Cookie)
	}
}

// searchErr says why a search failed.
func (d *Dir) searchErr(base, filter string, err error) error {
	if isTimeout(err) {
		return fmt.Errorf("search %s: %w", base, noAnswer(d.host(), d.timeout))
	}
	if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
		return fmt.Errorf("%w: %s", ErrNotFound, base)
	}
	return fmt.Errorf("search %s %s: %w", base, filter, err)
}

// searchBatch runs one batched filter of SearchAny without the paged-results
// control: its BatchSize equality terms match about as many entries, and
// Samba serves a paged search by listing the matches first and then reading
// each one again by its GUID, matched against the whole filter once more (an
// unchanged 5,000-row re-run took 0.35 times as long unpaged). Should a batch
// match more entries than the DC sends unpaged (AD stops at its MaxPageSize,
// 1,000, with sizeLimitExceeded), it is searched again, paged.
func (d *Dir) searchBatch(ctx context.Context, base, filter string, attrs []string) ([]*ldap.Entry, error) {
	if err := d.checkBase(base, ldap.ScopeWholeSubtree); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	req := ldap.NewSearchRequest(base, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil)
	res, err := d.req().Search(req)
	switch {
	case ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded):
		return d.Search(ctx, base, ldap.ScopeWholeSubtree, filter, attrs)
	case err != nil:
		return nil, d.searchErr(base, filter, err)
	}
	return res.Entries, nil
}

// BatchSize is how many values one OR filter of a batched search holds, and
// SearchPipeline how many of those searches are in flight at once on the
// connection (the DC answers one while umctl reads the previous).
// Larger filters cost more on the DC, not less: Samba checks each entry an
// index finds against the whole OR filter, so 200 or 500 terms per filter
// made an unchanged 5,000-row re-run 1.2 and 1.9 times slower than 100.
const BatchSize = 100

// SearchPipeline: see BatchSize (UMCTL_SEARCH_PIPELINE, default 4).
var SearchPipeline = envInt("UMCTL_SEARCH_PIPELINE", 4)

// SearchAny finds the entries matching any of terms (each an LDAP filter, such
// as Filter("proxyAddresses", v)), ORed in filters of at most BatchSize terms
// and ANDed with and (may be empty): len(terms)/BatchSize paged searches, up to
// SearchPipeline at a time. An entry matching terms of two batches is returned
// once, in the order of the batches.
func (d *Dir) SearchAny(ctx context.Context, base, and string, terms []string, attrs []string) ([]*ldap.Entry, error) {
	var filters []string
	for start := 0; start < len(terms); start += BatchSize {
		f := "(|" + strings.Join(terms[start:min(start+BatchSize, len(terms))], "") + ")"
		if and != "" {
			f = "(&" + and + f + ")"
		}
		filters = append(filters, f)
	}
	results := make([][]*ldap.Entry, len(filters))
	errs := make([]error, len(filters))
	var wg sync.WaitGroup
	slots := make(chan struct{}, SearchPipeline)
	for i, f := range filters {
		wg.Add(1)
		slots <- struct{}{}
		go func() {
			defer func() { <-slots; wg.Done() }()
			results[i], errs[i] = d.searchBatch(ctx, base, f, attrs)
		}()
	}
	wg.Wait()
	var out []*ldap.Entry
	seen := map[string]bool{}
	for i, es := range results {
		if errs[i] != nil {
			return nil, errs[i]
		}
		for _, e := range es {
			if k := strings.ToLower(e.DN); !seen[k] {
				seen[k] = true
				out = append(out, e)
			}
		}
	}
	return out, nil
}

// checkBase refuses a blank search base, for which Samba answers "invalid
// basedn '(null)'" or "empty base DN". Only a global catalog (ports 3268 and
// 3269) searches the whole forest from the empty base.
func (d *Dir) checkBase(base string, scope int) error {
	blank := strings.TrimSpace(base) == ""
	if !blank || (base == "" && (scope == ldap.ScopeBaseObject || d.isGC())) {
		return nil
	}
	return fmt.Errorf("%w: the search base DN %q is empty: expected a DN such as OU=Users,DC=contoso,DC=com", ErrInvalid, base)
}

// host is the host:port of the connection's server.
func (d *Dir) host() string {
	if u, err := ParseServerURL(d.settings.URL); err == nil {
		return u.Host
	}
	return d.settings.URL
}

func (d *Dir) isGC() bool {
	u, err := ParseServerURL(d.settings.URL)
	return err == nil && (u.Port() == "3268" || u.Port() == "3269")
}

// Read returns one entry by DN, or ErrNotFound.
func (d *Dir) Read(ctx context.Context, dn string, attrs []string) (*ldap.Entry, error) {
	es, err := d.Search(ctx, dn, ldap.ScopeBaseObject, "(objectClass=*)", attrs)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, dn)
	}
	return es[0], nil
}

// Exists reports whether dn names an object.
func (d *Dir) Exists(ctx context.Context, dn string) (bool, error) {
	src, err := d.readerFor(ctx, dn) // a DC of dn's domain
	if err != nil {
		return false, err
	}
	_, err = src.Read(ctx, dn, []string{"1.1"})
	if err == nil {
		return true, nil
	}
	if isNotFound(err) {
		return false, nil
	}
	return false, err
}

func isNotFound(err error) bool { return errors.Is(err, ErrNotFound) }

// Filter builds an equality filter with the value escaped (RFC 4515).
func Filter(attr, value string) string { return "(" + attr + "=" + ldap.EscapeFilter(value) + ")" }

// RDN builds "CN=value" with the value escaped (RFC 4514), and "=" too:
// Active Directory's DN syntax lists it among the characters to escape, and
// Samba refuses it bare ("Invalid DN Syntax"); go-ldap's EscapeDN leaves it.
func RDN(attr, value string) string {
	return attr + "=" + strings.ReplaceAll(ldap.EscapeDN(value), "=", `\=`)
}

func intAttr(e *ldap.Entry, name string) int {
	n, _ := strconv.Atoi(e.GetAttributeValue(name))
	return n
}

// FirstRDNValue returns the value of a DN's first RDN ("CN=SipDP,CN=…" → "SipDP").
func FirstRDNValue(dn string) string {
	parsed, err := ldap.ParseDN(dn)
	if err != nil || len(parsed.RDNs) == 0 || len(parsed.RDNs[0].Attributes) == 0 {
		return dn
	}
	return parsed.RDNs[0].Attributes[0].Value
}

// isDN reports whether s parses as a DN with at least one attribute=value.
func isDN(s string) bool {
	if !strings.Contains(s, "=") {
		return false
	}
	_, err := ldap.ParseDN(s)
	return err == nil
}

// sameDN compares two DNs as DNs (case-insensitively).
func sameDN(a, b string) bool {
	if strings.EqualFold(a, b) {
		return true
	}
	da, err1 := ldap.ParseDN(a)
	db, err2 := ldap.ParseDN(b)
	return err1 == nil && err2 == nil && da.EqualFold(db)
}

// IsDN reports whether s parses as a DN with at least one attribute=value.
func IsDN(s string) bool {
	return isDN(s)
}
