package manifest

import (
	"context"
	"errors"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/umctl/umctl/internal/ad"
)

// The ownership marker: contacts and hunt groups that apply creates from a
// manifest carry adminDescription "umctl-managed" (Exchange and Lync do not
// read adminDescription). --prune deletes only marked objects the manifest no
// longer lists; unmarked ones (made by hand, by ucutil, or adopted with
// export) are never deleted.
const (
	MarkerAttribute = "adminDescription"
	Marker          = "umctl-managed"
)

var markerFilter = "(" + MarkerAttribute + "=" + ldap.EscapeFilter(Marker) + ")"

// planPrune plans the removal of marked contacts and hunt groups that m does not list.
func planPrune(ctx context.Context, d *ad.Dir, p *ad.Plan, m *Manifest, keep keepFunc) error {
	if err := pruneContacts(ctx, d, p, m, keep); err != nil {
		return err
	}
	return pruneHuntGroups(ctx, d, p, m, keep)
}

func pruneContacts(ctx context.Context, d *ad.Dir, p *ad.Plan, m *Manifest, keep keepFunc) error {
	cs, err := d.Contacts(ctx, ad.ContactFilter{LDAPFilter: markerFilter})
	if errors.Is(err, ad.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, c := range m.Contacts {
		listed[strings.ToLower(c.SIPAddress)] = true
	}
	cp := d.NewContactPlanner()
	for _, c := range cs {
		if !listed[strings.ToLower(c.SIPAddress)] && keep("contacts", c.SIPAddress) {
			if err := cp.PlanRemove(ctx, p, c.Identity); err != nil {
				return err
			}
		}
	}
	return nil
}

func pruneHuntGroups(ctx context.Context, d *ad.Dir, p *ad.Plan, m *Manifest, keep keepFunc) error {
	base, err := d.UMContainer(ctx, ad.GatewayContainer)
	if err != nil {
		return err
	}
	es, err := d.Search(ctx, base, ldap.ScopeWholeSubtree, "(&(objectClass=msExchUMHuntGroup)"+markerFilter+")", []string{"cn"})
	if errors.Is(err, ad.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, h := range m.HuntGroups {
		listed[strings.ToLower(h.Gateway+"\x00"+h.Name)] = true
	}
	for _, e := range es {
		name, gateway := e.GetAttributeValue("cn"), gatewayOf(e.DN)
		if listed[strings.ToLower(gateway+"\x00"+name)] || !keep("huntGroups", name) {
			continue
		}
		if err := d.PlanHuntGroupRemove(ctx, p, ad.HuntGroupRemoveSpec{Gateway: gateway, Name: name}); err != nil {
			return err
		}
	}
	return nil
}

// gatewayOf is the name of a hunt group's gateway: the CN of its parent.
func gatewayOf(dn string) string {
	parsed, err := ldap.ParseDN(dn)
	if err != nil || len(parsed.RDNs) < 2 || len(parsed.RDNs[1].Attributes) == 0 {
		return ""
	}
	return parsed.RDNs[1].Attributes[0].Value
}
