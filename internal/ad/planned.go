package ad

import (
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Objects a plan creates are not in the directory until it is applied, but
// later entries of the same plan may name them (a manifest's gateway entry
// for a gateway ucutil creates in the same run). These helpers find them in
// the plan and fold further settings into their add.

// addedEntry is what a planned add will create, as a read entry would show it.
func addedEntry(c *Change) (*ldap.Entry, bool) {
	r, ok := c.req.(*ldap.AddRequest)
	if !ok || c.Action != ActionAdd {
		return nil, false
	}
	e := &ldap.Entry{DN: r.DN}
	for _, a := range r.Attributes {
		e.Attributes = append(e.Attributes, ldap.NewEntryAttribute(a.Type, a.Vals))
	}
	return e, true
}

// plannedGateway finds a gateway p adds, by name or address, as Dir.Gateway
// finds one in the directory, with the hunt groups p adds under it.
func (p *Plan) plannedGateway(name string) (Gateway, *Change, bool) {
	for _, byAddress := range []bool{false, true} {
		for _, c := range p.Changes {
			e, ok := addedEntry(c)
			if !ok || c.Kind != gatewayKind {
				continue
			}
			g := gatewayFromEntry(e)
			if (!byAddress && strings.EqualFold(g.Name, name)) || (byAddress && SameFQDN(g.Address, name)) {
				g.entry = nil // not in the directory yet
				g.HuntGroups = p.plannedHuntGroups(g)
				return g, c, true
			}
		}
	}
	return Gateway{}, nil, false
}

// plannedHuntGroups are the hunt groups p adds under gateway g.
func (p *Plan) plannedHuntGroups(g Gateway) []HuntGroup {
	var out []HuntGroup
	for _, c := range p.Changes {
		e, ok := addedEntry(c)
		if ok && c.Kind == huntGroupKind && sameDN(parentDN(e.DN), g.DN) {
			out = append(out, HuntGroup{Name: e.GetAttributeValue("cn"), DN: e.DN, Gateway: g.Name,
				Pilot: e.GetAttributeValue("msExchUMPilotIdentifier"), DialPlan: e.GetAttributeValue("msExchUMHuntGroupDialPlanLink")})
		}
	}
	return out
}

// pendingAdd is the add of dn that p plans, nil when there is none.
func (p *Plan) pendingAdd(dn string) *Change {
	for _, c := range p.Changes {
		if c.Action == ActionAdd && sameDN(c.DN, dn) {
			return c
		}
	}
	return nil
}

// setAdded gives a planned add attribute values (replacing what it had), in
// the request and in the diff the plan shows.
func (c *Change) setAdded(a Attr) {
	r := c.req.(*ldap.AddRequest)
	for i := range r.Attributes {
		if strings.EqualFold(r.Attributes[i].Type, a.Name) {
			r.Attributes[i].Vals = a.Vals
			for j := range c.Diffs {
				if strings.EqualFold(c.Diffs[j].Name, a.Name) {
					c.Diffs[j].New = a.Vals
				}
			}
			return
		}
	}
	r.Attribute(a.Name, a.Vals)
	c.Diffs = append(c.Diffs, AttrDiff{Name: a.Name, New: a.Vals})
}
