package ad

import (
	"context"
	"fmt"

	"github.com/go-ldap/ldap/v3"
)

// Global catalog: Exchange and Lync keep proxy addresses, SIP addresses and
// line URIs unique across the forest, not only in one domain. With a global
// catalog configured (UseGlobalCatalog), ForestSearchAny asks it (base "", every
// domain and the configuration partition); writes go to a DC of each object's
// domain (route.go).

// UseGlobalCatalog makes forest-wide searches go to the global catalog that s
// (this connection's settings with the GC's URL, e.g. ldaps://gc1:3269) names.
// It is dialled on first use and closed with d.
func (d *Dir) UseGlobalCatalog(s Settings) { d.gcSettings = &s }

// GlobalCatalog returns the global catalog connection, dialling it on first
// use, or nil when none is configured.
func (d *Dir) GlobalCatalog(ctx context.Context) (*Dir, error) {
	if d.gcSettings == nil {
		return nil, nil
	}
	if d.gc == nil {
		gc, err := Dial(ctx, *d.gcSettings)
		if err != nil {
			return nil, fmt.Errorf("global catalog %s: %w", d.gcSettings.URL, err)
		}
		d.gc = gc
	}
	return d.gc, nil
}

// ForestSearchAny is SearchAny over the forest, for uniqueness checks: on the
// global catalog when one is configured, else in this DC's domain.
func (d *Dir) ForestSearchAny(ctx context.Context, terms, attrs []string) ([]*ldap.Entry, error) {
	dc, base, err := d.forestScope(ctx)
	if err != nil {
		return nil, err
	}
	return dc.SearchAny(ctx, base, "", terms, attrs)
}

// forestScope is where a forest-wide read goes: the global catalog with base
// "" (every domain, and the configuration partition) when one is
// configured, else this DC's domain. Only attributes in the GC's partial
// attribute set may be read there.
func (d *Dir) forestScope(ctx context.Context) (*Dir, string, error) {
	gc, err := d.GlobalCatalog(ctx)
	switch {
	case err != nil:
		return nil, "", err
	case gc == nil:
		return d, d.RootDSE.DefaultNC, nil
	}
	return gc, "", nil
}
