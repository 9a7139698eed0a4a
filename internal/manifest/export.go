package manifest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/umctl/umctl/internal/ad"
)

// Export reads the directory's current state as a manifest of the given
// sections (all when none): Plan of it plans nothing. ucutil is exported as
// enabled only when `umctl ucutil` has nothing left to do. EUM addresses that
// `umctl eum add` would refuse (one extension held by two users, an extension
// of the wrong length: what `umctl eum check` reports) are left out with a warning.
func Export(ctx context.Context, d *ad.Dir, sections []string) (m *Manifest, warnings []string, err error) {
	if err := CheckSections(sections); err != nil {
		return nil, nil, err
	}
	want := func(s string) bool { return len(sections) == 0 || slices.Contains(sections, s) }
	m = &Manifest{APIVersion: APIVersion}
	if want("ucutil") {
		p := &ad.Plan{}
		if err := d.PlanUCUtil(ctx, p, ad.UCUtilOptions{}); err != nil {
			return nil, nil, fmt.Errorf("ucutil: %w", err)
		}
		if p.Pending() == 0 {
			m.UCUtil = &UCUtil{Enabled: true}
		}
	}
	if want("gateways") || want("huntGroups") {
		if err := exportGateways(ctx, d, m, want("gateways"), want("huntGroups")); err != nil {
			return nil, nil, err
		}
	}
	if want("contacts") {
		cs, err := d.Contacts(ctx, ad.ContactFilter{})
		if err != nil {
			return nil, nil, err
		}
		for _, c := range cs {
			s := c.Spec()
			e := Contact{SIPAddress: s.SIPAddress, RegistrarPool: s.RegistrarPool, OU: s.OU,
				DisplayNumber: s.DisplayNumber, DialPlan: s.DialPlan, AutoAttendant: &s.AutoAttendant, DisplayName: s.DisplayName,
				Description: s.Description}
			if s.EnterpriseVoice { // written when on, as before; left out, it is not managed
				e.EnterpriseVoice = &s.EnterpriseVoice
			}
			m.Contacts = append(m.Contacts, e)
		}
	}
	if want("eum") {
		if warnings, err = exportEUM(ctx, d, m); err != nil {
			return nil, nil, err
		}
	}
	return m, warnings, nil
}

// CheckSections refuses a section name that is not one of Sections (the
// field is "section": the CLI shows it as --section).
func CheckSections(sections []string) error {
	for _, s := range sections {
		if !slices.Contains(Sections, s) {
			return &ad.FieldError{Field: "section", Value: s, Reason: "expected one of " + strings.Join(Sections, ", ")}
		}
	}
	return nil
}

func exportGateways(ctx context.Context, d *ad.Dir, m *Manifest, gateways, huntGroups bool) error {
	gws, err := d.Gateways(ctx)
	if err != nil {
		return err
	}
	plans, err := d.Catalog().DialPlans(ctx)
	if err != nil {
		return err
	}
	for _, g := range gws {
		if gateways {
			m.Gateways = append(m.Gateways, exportGateway(g))
		}
		if !huntGroups {
			continue
		}
		for _, h := range g.HuntGroups {
			for _, dp := range plans {
				if strings.EqualFold(dp.DN, h.DialPlan) {
					m.HuntGroups = append(m.HuntGroups, HuntGroup{Gateway: g.Name, Name: h.Name, Pilot: h.Pilot, DialPlan: dp.Name})
				}
			}
		}
	}
	return nil
}

func exportGateway(g ad.Gateway) Gateway {
	out := Gateway{Name: g.Name, Address: &g.Address, Port: &g.Port, Status: &g.Status, MWI: &g.MWI, Outcalls: &g.Outcalls}
	if slices.Contains(ipFamilies, g.IPFamily) {
		out.IPFamily = &g.IPFamily
	}
	return out
}

func exportEUM(ctx context.Context, d *ad.Dir, m *Manifest) ([]string, error) {
	ep := d.NewEUMPlanner()
	list, err := ep.List(ctx, "", "")
	if err != nil {
		return nil, err
	}
	specs := ad.EUMSpecs(list)
	if err := ep.Prefetch(ctx, specs); err != nil {
		return nil, err
	}
	var warnings []string
	byUser := map[string]int{}
	for _, s := range specs {
		if s.DialPlan == "" || s.Extension == "" && s.SIPName == "" {
			continue // in no dial plan, or a SIP name alone: `eum add` cannot make it
		}
		scratch := &ad.Plan{}
		if err := ep.PlanAdd(ctx, scratch, s); err != nil {
			if !errors.Is(err, ad.ErrInvalid) && !errors.Is(err, ad.ErrNotFound) {
				return nil, err
			}
			warnings = append(warnings, fmt.Sprintf("eum: %s %s in dial plan %s left out: %v (see umctl eum check)", s.User, s.Extension, s.DialPlan, err))
			continue
		}
		if scratch.Pending() > 0 {
			warnings = append(warnings, fmt.Sprintf("eum: %s %s in dial plan %s left out: eum add would rewrite it (%s)", s.User, s.Extension, s.DialPlan, scratch.Changes[0].DN))
			continue
		}
		i, ok := byUser[strings.ToLower(s.User)]
		if !ok {
			i = len(m.EUM)
			byUser[strings.ToLower(s.User)] = i
			m.EUM = append(m.EUM, EUMUser{User: s.User})
		}
		m.EUM[i].Addresses = append(m.EUM[i].Addresses, EUMAddress{DialPlan: s.DialPlan, Extension: s.Extension, SIPName: s.SIPName, Primary: s.Primary})
	}
	return warnings, nil
}
