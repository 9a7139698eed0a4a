package ad

import (
	"context"
	"slices"

	"github.com/go-ldap/ldap/v3"
)

// Users of other domains. The DC that umctl reads and writes holds its own
// domain only. With a global catalog and write routing on (route.go), a name
// that DC has no user for is looked for in the whole forest on the GC, and
// each user found in another domain is read again from a DC of that domain:
// the GC holds a partial, possibly lagging copy, and a plan's old values must
// be those of the DC that takes the write.

// loadElsewhere looks up forest-wide the names of asked (their keys in
// fresh: looked up just now) that no user of the DC's domain answered.
func (ep *EUMPlanner) loadElsewhere(ctx context.Context, asked, fresh []string) error {
	if ep.d.route == nil || ep.d.gcSettings == nil {
		return nil
	}
	now := make(map[string]bool, len(fresh))
	for _, k := range fresh {
		now[k] = true
	}
	want := map[string]bool{}
	var terms []string
	for _, n := range asked {
		if k := nameKey(n); now[k] && len(ep.byName[k]) == 0 && !want[k] {
			want[k] = true
			terms = append(terms, userTerms(n)...)
		}
	}
	if len(terms) == 0 {
		return nil
	}
	gc, err := ep.d.GlobalCatalog(ctx)
	if err != nil {
		return err
	}
	es, err := gc.SearchAny(ctx, "", "", terms, []string{"objectClass"})
	if err != nil {
		return err
	}
	groups, err := ep.elsewhereDCs(ctx, es)
	if err != nil {
		return err
	}
	for _, g := range groups {
		es, err := g.dc.SearchAny(ctx, g.dc.RootDSE.DefaultNC, "", g.terms, userAttrs)
		if err != nil {
			return err
		}
		for _, e := range es {
			read := eumUserFromEntry(e)
			u := ep.canonical(read, true)
			for _, k := range read.nameKeys() {
				if want[k] && isPerson(e) && !slices.Contains(ep.byName[k], u) {
					ep.byName[k] = append(ep.byName[k], u)
				}
			}
		}
	}
	return nil
}

// dnTerms are the DN filters of the users to read from one DC.
type dnTerms struct {
	dc    *Dir
	terms []string
}

// elsewhereDCs groups the users the GC found outside the DC's own domain by
// the DC of their domain.
func (ep *EUMPlanner) elsewhereDCs(ctx context.Context, es []*ldap.Entry) ([]*dnTerms, error) {
	var out []*dnTerms
	for _, e := range es {
		if !isPerson(e) {
			continue
		}
		dc, ok, err := ep.d.otherDomainDC(ctx, e.DN)
		if err != nil {
			return nil, err
		}
		if !ok {
			continue // the DC's own domain was searched already
		}
		i := slices.IndexFunc(out, func(g *dnTerms) bool { return g.dc == dc })
		if i < 0 {
			out, i = append(out, &dnTerms{dc: dc}), len(out)
		}
		out[i].terms = append(out[i].terms, Filter("distinguishedName", e.DN))
	}
	return out, nil
}
