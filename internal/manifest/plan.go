package manifest

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/umctl/umctl/internal/ad"
)

// Plan computes what makes the directory match m, with the ad package's own
// planners (ucutil, gateway set, hunt group new, contact new, eum add): each
// entry becomes their spec, and omitted attributes stay out of the spec.
// Contacts and hunt groups it adds carry the ownership marker. Entries the
// directory refuses (an unknown dial plan, a number in use) come back as
// Problems at their line.
func Plan(ctx context.Context, d *ad.Dir, m *Manifest, o Options) (*ad.Plan, error) {
	if err := CheckTarget(m, o.Target, o.Prune); err != nil {
		return nil, err
	}
	p := &ad.Plan{}
	var ps Problems
	keep := func(section, name string) bool {
		return o.Target == "" || strings.EqualFold(o.Target, section) || strings.EqualFold(o.Target, section+"/"+name)
	}
	// refused records an entry the directory refuses; other errors stop the plan.
	refused := func(l Location, err error) error {
		if err == nil {
			return nil
		}
		if errors.Is(err, ad.ErrInvalid) || errors.Is(err, ad.ErrNotFound) {
			ps.add(l, "%s", err.Error())
			return nil
		}
		return err
	}
	if u := m.UCUtil; u != nil && u.Enabled && keep("ucutil", "") {
		managed := map[string]ad.GatewaySettings{}
		for _, g := range m.Gateways {
			managed[strings.ToLower(g.Name)] = g.spec().GatewaySettings
		}
		err := d.PlanUCUtil(ctx, p, ad.UCUtilOptions{IncludeAdminGroups: u.IncludeAdminGroups, OutcallsGateway: u.OutcallsGateway, Managed: managed})
		if err := refused(u.At, err); err != nil {
			return nil, err
		}
	}
	gatewayDN, err := gatewayDNs(ctx, d, m)
	if err != nil {
		return nil, err
	}
	gateways := map[string]Gateway{} // by DN: one gateway named by its name and by its address
	for _, g := range m.Gateways {
		if keep("gateways", g.Name) {
			dn, err := gatewayDN(p, g.Name)
			if err == nil {
				err = sameGateway(gateways, g, dn)
			}
			if err == nil {
				err = outcallsElsewhere(p, m.UCUtil, g, dn, gatewayDN)
			}
			if err == nil {
				err = d.PlanGatewaySet(ctx, p, g.spec())
			}
			if err := refused(g.At, err); err != nil {
				return nil, err
			}
		}
	}
	from := len(p.Changes) // ucutil's own hunt groups are not the manifest's
	// Hunt groups by gateway DN and name: a gateway may be named by its name or its address.
	huntGroups := map[string]HuntGroup{}
	for _, h := range m.HuntGroups {
		if keep("huntGroups", h.Name) {
			s := ad.HuntGroupSpec{Gateway: h.Gateway, DialPlan: h.DialPlan, Name: h.Name, Pilot: h.Pilot, KeepPilot: true}
			gw, err := gatewayDN(p, h.Gateway)
			if err == nil {
				err = sameHuntGroup(huntGroups, h, gw)
			}
			if err == nil {
				err = d.PlanHuntGroupNew(ctx, p, s)
			}
			if err := refused(h.At, err); err != nil {
				return nil, err
			}
		}
	}
	if err := planContacts(ctx, d, p, m, keep, refused); err != nil {
		return nil, err
	}
	if err := planEUM(ctx, d, p, m, eumOptions{keep: keep, refused: refused, prune: o.Prune}); err != nil {
		return nil, err
	}
	if len(ps) > 0 {
		return nil, ps
	}
	p.MarkAdds(from, MarkerAttribute, Marker, ad.KindContact, ad.KindHuntGroup)
	if o.Prune {
		if err := planPrune(ctx, d, p, m, keep); err != nil {
			return nil, err
		}
	}
	markIndependent(p)
	return p, nil
}

// outcallsElsewhere refuses outcalls: true on a gateway other than ucutil's
// outcallsGateway, on which ucutil turns outcalls off: each run would undo
// the other. Compared as gateways, not as names: an entry may name its
// gateway by address.
func outcallsElsewhere(p *ad.Plan, u *UCUtil, g Gateway, dn string, gatewayDN func(*ad.Plan, string) (string, error)) error {
	if u == nil || !u.Enabled || u.OutcallsGateway == "" || g.Outcalls == nil || !*g.Outcalls {
		return nil
	}
	if out, err := gatewayDN(p, u.OutcallsGateway); err == nil && strings.EqualFold(out, dn) {
		return nil
	}
	return &ad.FieldError{Field: "outcalls", Value: "true", Reason: fmt.Sprintf("ucutil.outcallsGateway %q turns outcalls off on every gateway but that one", u.OutcallsGateway)}
}

// gatewayDNs is d.GatewayDNs, read only when m has gateways or hunt groups.
func gatewayDNs(ctx context.Context, d *ad.Dir, m *Manifest) (func(*ad.Plan, string) (string, error), error) {
	if len(m.Gateways) == 0 && len(m.HuntGroups) == 0 {
		return nil, nil
	}
	return d.GatewayDNs(ctx)
}

// sameGateway refuses an entry for a gateway another entry names already (one
// by its name, one by its address): their two modifies of one object would
// contradict each other, and apply would fail half way and never converge.
func sameGateway(seen map[string]Gateway, g Gateway, dn string) error {
	key := strings.ToLower(dn)
	if first, ok := seen[key]; ok {
		return &ad.FieldError{Field: ad.FieldName, Value: g.Name, Reason: fmt.Sprintf("is also given as %q at %s:%d (%s): list each gateway once", first.Name, first.At.File, first.At.Line, dn)}
	}
	seen[key] = g
	return nil
}

// sameHuntGroup refuses an entry for a hunt group another entry names
// already, its gateway given once by name and once by address: the two would
// set it in turn, and no run would leave it as both say.
func sameHuntGroup(seen map[string]HuntGroup, h HuntGroup, gatewayDN string) error {
	key := strings.ToLower(gatewayDN + "\x00" + h.Name)
	if first, ok := seen[key]; ok {
		return &ad.FieldError{Field: ad.FieldGateway, Value: h.Gateway, Reason: fmt.Sprintf("is gateway %q of the hunt group %q also given at %s:%d (%s): list each hunt group once", first.Gateway, h.Name, first.At.File, first.At.Line, gatewayDN)}
	}
	seen[key] = h
	return nil
}

// Options tune Plan.
type Options struct {
	// Target, if set ("gateways/1:1", "contacts/sip:ova@contoso.com",
	// "eum/bob", "ucutil", or a section), limits the plan to that entry.
	Target string
	// Prune also plans the removal of marked objects the manifest does not list.
	Prune bool
}

func (g Gateway) spec() ad.GatewaySetSpec {
	return ad.GatewaySetSpec{Gateway: g.Name, GatewaySettings: ad.GatewaySettings{Address: g.Address, Port: g.Port,
		Status: g.Status, MWI: g.MWI, Outcalls: g.Outcalls, IPFamily: g.IPFamily}}
}

// spec is the entry as `contact new` takes it; the optional attributes it
// leaves out are unmanaged: an existing contact keeps its own values of them.
func (c Contact) spec() ad.ContactSpec {
	return ad.ContactSpec{SIPAddress: c.SIPAddress, RegistrarPool: c.RegistrarPool, OU: c.OU, DisplayNumber: c.DisplayNumber,
		DialPlan: c.DialPlan, AutoAttendant: c.AutoAttendant != nil && *c.AutoAttendant, DisplayName: c.DisplayName, Description: c.Description,
		EnterpriseVoice: c.EnterpriseVoice != nil && *c.EnterpriseVoice,
		Unmanaged: ad.ContactUnmanaged{DisplayName: c.DisplayName == "", Description: c.Description == "", EnterpriseVoice: c.EnterpriseVoice == nil,
			AutoAttendant: c.AutoAttendant == nil},
		Converge: true}
}

type keepFunc func(section, name string) bool
type refuseFunc func(Location, error) error

func planContacts(ctx context.Context, d *ad.Dir, p *ad.Plan, m *Manifest, keep keepFunc, refused refuseFunc) error {
	var list []Contact
	var specs []ad.ContactSpec
	for _, c := range m.Contacts {
		if keep("contacts", c.SIPAddress) {
			list, specs = append(list, c), append(specs, c.spec())
		}
	}
	if len(specs) == 0 {
		return nil
	}
	cp := d.NewContactPlanner()
	if err := cp.Prefetch(ctx, specs); err != nil {
		return err
	}
	for i, s := range specs {
		if err := refused(list[i].At, cp.PlanNew(ctx, p, s)); err != nil {
			return err
		}
	}
	return nil
}
