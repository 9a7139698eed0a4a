package ad

import (
	"context"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// contactsElsewhere finds the contacts of other domains that f names by
// identity or SIP address, when the DC's own domain has none: their DNs on
// the global catalog (by the name clauses only: the GC holds a partial copy
// of each domain), then each contact, with the whole filter, from a DC of its
// own domain, which is also the DC that takes a change to it. Nothing without
// a global catalog and write routing, or without a name to look for.
func (cp *ContactPlanner) contactsElsewhere(ctx context.Context, f ContactFilter, filter string) ([]*ldap.Entry, error) {
	d := cp.d
	names := nameClauses(f)
	if d.route == nil || d.gcSettings == nil || len(names) == 0 {
		return nil, nil
	}
	gc, err := d.GlobalCatalog(ctx)
	if err != nil {
		return nil, err
	}
	found, err := gc.Search(ctx, "", ldap.ScopeWholeSubtree, "(&(objectClass=contact)"+strings.Join(names, "")+")", []string{"1.1"})
	if err != nil {
		return nil, err
	}
	var out []*ldap.Entry
	for _, e := range found {
		dc, ok, err := d.otherDomainDC(ctx, e.DN)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // this DC's own domain was searched already
		}
		es, err := dc.Search(ctx, e.DN, ldap.ScopeBaseObject, filter, contactAttrs)
		if err != nil && !isNotFound(err) {
			return nil, err
		}
		out = append(out, es...)
	}
	return out, nil
}
