package ad

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// ContactFilter selects Exchange UM contacts for `contact get`.
type ContactFilter struct {
	Identity   string // SIP address, DN, {GUID} CN or display name; * is a wildcard (not in a DN)
	SIPAddress string // * is a wildcard
	OU         string
	Pool       string // FQDN
	Number     string // * is a wildcard
	DialPlan   string
	LDAPFilter string // ANDed as given
}

// Contacts lists Exchange UM contacts (contacts with a SIP address and otherIpPhone).
func (d *Dir) Contacts(ctx context.Context, f ContactFilter) ([]Contact, error) {
	return d.NewContactPlanner().Contacts(ctx, f)
}

// Contact finds exactly one Exchange UM contact by identity.
func (d *Dir) Contact(ctx context.Context, identity string) (Contact, error) {
	return d.NewContactPlanner().Contact(ctx, identity)
}

// contactFilter builds the search for f: one search, on indexed attributes
// first when an identity or number narrows it.
func (cp *ContactPlanner) contactFilter(ctx context.Context, f ContactFilter) (base string, scope int, filter string, err error) {
	base, scope = cp.d.RootDSE.DefaultNC, ldap.ScopeWholeSubtree
	if f.OU != "" {
		base = f.OU
	}
	if id := f.Identity; isDN(id) && !HasWildcard(id) {
		base, scope = id, ldap.ScopeBaseObject
	}
	and := nameClauses(f)
	if f.Number != "" && HasWildcard(f.Number) {
		and = append(and, "(|"+Match("msRTCSIP-Line", LineURI(f.Number))+Match("telephoneNumber", f.Number)+")")
	} else if f.Number != "" {
		and = append(and, "(|"+Filter("msRTCSIP-Line", LineURI(f.Number))+Filter("telephoneNumber", f.Number)+"(msRTCSIP-Line="+ldap.EscapeFilter(LineURI(f.Number)+";")+"*))")
	}
	and = append(and, "(objectClass=contact)(msRTCSIP-PrimaryUserAddress=*)(otherIpPhone=*)")
	if f.Pool != "" {
		pool, err := cp.cat.Pool(ctx, f.Pool)
		if err != nil {
			return "", 0, "", err
		}
		and = append(and, Filter("msRTCSIP-PrimaryHomeServer", homeServerDN(pool)))
	}
	if f.DialPlan != "" {
		dp, err := cp.cat.SIPDialPlan(ctx, f.DialPlan)
		if err != nil {
			return "", 0, "", err
		}
		and = append(and, "(otherIpPhone=*;phone-context="+ldap.EscapeFilter(dp.PhoneContext)+")")
	}
	if f.LDAPFilter != "" {
		if _, err := ldap.CompileFilter(f.LDAPFilter); err != nil {
			return "", 0, "", fieldErr(FieldLDAPFilter, f.LDAPFilter, "%v", err)
		}
		and = append(and, f.LDAPFilter)
	}
	return base, scope, "(&" + strings.Join(and, "") + ")", nil
}

// nameClauses are the filters of f's identity (unless it is a DN) and SIP address.
func nameClauses(f ContactFilter) []string {
	var and []string
	if id := f.Identity; id != "" && (!isDN(id) || HasWildcard(id)) {
		and = append(and, "(|"+Match("msRTCSIP-PrimaryUserAddress", withSIPScheme(id))+Match("displayName", id)+Match("cn", id)+")")
	}
	if f.SIPAddress != "" {
		and = append(and, Match("msRTCSIP-PrimaryUserAddress", withSIPScheme(f.SIPAddress)))
	}
	return and
}

// Contacts lists the Exchange UM contacts f selects, sorted by SIP address.
// A base in another domain (an OU, a DN) is searched on a DC of that domain;
// a name no contact of this DC's domain has, on the global catalog (see
// contactsElsewhere).
func (cp *ContactPlanner) Contacts(ctx context.Context, f ContactFilter) ([]Contact, error) {
	base, scope, filter, err := cp.contactFilter(ctx, f)
	if err != nil {
		return nil, err
	}
	src, err := cp.d.readerFor(ctx, base)
	if err != nil {
		return nil, err
	}
	es, err := src.Search(ctx, base, scope, filter, contactAttrs)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 && f.OU == "" {
		if es, err = cp.contactsElsewhere(ctx, f, filter); err != nil {
			return nil, err
		}
	}
	out := make([]Contact, 0, len(es))
	for _, e := range es {
		c, err := contactFromEntry(ctx, cp.cat, e)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].SIPAddress) < strings.ToLower(out[j].SIPAddress) })
	return out, nil
}

// Contact finds exactly one Exchange UM contact by identity, with one search.
func (cp *ContactPlanner) Contact(ctx context.Context, identity string) (Contact, error) {
	cs, err := cp.Contacts(ctx, ContactFilter{Identity: identity})
	if err != nil && !isNotFound(err) {
		return Contact{}, err
	}
	switch len(cs) {
	case 0:
		return Contact{}, fmt.Errorf("%w: no Exchange UM contact %q (give a SIP address, DN, {GUID} or display name)", ErrNotFound, identity)
	case 1:
		return cs[0], nil
	}
	return Contact{}, fieldErr(FieldIdentity, identity, "%d Exchange UM contacts match (%s); give one SIP address or DN", len(cs), sipList(cs))
}
