package manifest

import (
	"slices"
	"strings"
)

// gatewayStatuses and ipFamilies mirror ad.GatewayStatuses and ad.IPFamilies
// (a test keeps them equal).
var (
	gatewayStatuses = []string{"enabled", "disabled", "no-new-calls"}
	ipFamilies      = []string{"ipv4", "ipv6", "any"}
)

// Check finds the mistakes a manifest has on its own, without the directory:
// the version, missing keys, values out of range, and entries that clash
// (two gateways of one name, one extension given to two users, …).
func Check(m *Manifest, file string) error {
	var ps Problems
	if m.APIVersion != APIVersion {
		ps.add(Location{File: file, Path: "apiVersion"}, "expected %q, got %q", APIVersion, m.APIVersion)
	}
	checkGateways(m, &ps)
	checkHuntGroups(m, &ps)
	checkContacts(m, &ps)
	checkEUM(m, &ps)
	return ps.err()
}

func required(ps *Problems, l Location, name, v string) {
	if strings.TrimSpace(v) == "" {
		ps.add(l.field(name), "is required")
	}
}

// seen reports a value given twice (case-insensitively) and remembers where it was first.
type seen map[string]Location

func (s seen) dup(ps *Problems, l Location, what, v string) { s.dupKey(ps, l, what, v, v) }

func (s seen) dupKey(ps *Problems, l Location, what, key, v string) {
	if v == "" {
		return
	}
	k := strings.ToLower(key)
	if first, ok := s[k]; ok {
		ps.add(l, "%s %q is also given at %s:%d (%s)", what, v, first.File, first.Line, first.Path)
		return
	}
	s[k] = l
}

func checkGateways(m *Manifest, ps *Problems) {
	names := seen{}
	for _, g := range m.Gateways {
		required(ps, g.At, "name", g.Name)
		names.dup(ps, g.At.field("name"), "gateway", g.Name)
		if g.Port != nil && (*g.Port < 0 || *g.Port > 65535) {
			ps.add(g.At.field("port"), "expected 0–65535 (0 = the default SIP port), got %d", *g.Port)
		}
		if g.Status != nil && !slices.Contains(gatewayStatuses, *g.Status) {
			ps.add(g.At.field("status"), "expected one of %s, got %q", strings.Join(gatewayStatuses, ", "), *g.Status)
		}
		if g.IPFamily != nil && !slices.Contains(ipFamilies, *g.IPFamily) {
			ps.add(g.At.field("ipFamily"), "expected one of %s, got %q", strings.Join(ipFamilies, ", "), *g.IPFamily)
		}
	}
}

func checkHuntGroups(m *Manifest, ps *Problems) {
	names := seen{}
	for _, h := range m.HuntGroups {
		required(ps, h.At, "gateway", h.Gateway)
		required(ps, h.At, "name", h.Name)
		required(ps, h.At, "dialPlan", h.DialPlan)
		names.dup(ps, h.At.field("name"), "hunt group", h.Gateway+"/"+h.Name)
	}
}

func checkContacts(m *Manifest, ps *Problems) {
	sips, numbers := seen{}, seen{}
	for _, c := range m.Contacts {
		for _, f := range [][2]string{{"sipAddress", c.SIPAddress}, {"registrarPool", c.RegistrarPool}, {"ou", c.OU}, {"displayNumber", c.DisplayNumber}, {"dialPlan", c.DialPlan}} {
			required(ps, c.At, f[0], f[1])
		}
		sips.dup(ps, c.At.field("sipAddress"), "SIP address", c.SIPAddress)
		numbers.dup(ps, c.At.field("displayNumber"), "number", c.DisplayNumber)
	}
}

func checkEUM(m *Manifest, ps *Problems) {
	users, addrs := seen{}, seen{}
	for _, u := range m.EUM {
		required(ps, u.At, "user", u.User)
		users.dup(ps, u.At.field("user"), "user", u.User)
		if len(u.Addresses) == 0 {
			ps.add(u.At.field("addresses"), "is required: at least one {dialPlan, extension}")
		}
		var primary *EUMAddress
		for i, a := range u.Addresses {
			if a.Primary && primary != nil { // each would make itself primary in turn: apply never converges
				ps.add(a.At.field("primary"), "is true, but %s:%d (%s) is the user's primary already: one address of a user is primary", primary.At.File, primary.At.Line, primary.At.Path)
			} else if a.Primary {
				primary = &u.Addresses[i]
			}
			required(ps, a.At, "dialPlan", a.DialPlan)
			if a.Extension == "" && a.SIPName == "" {
				ps.add(a.At.field("extension"), "is required (or sipName on a SIP URI dial plan)")
			}
			addrs.dupKey(ps, a.At.field("extension"), "extension in dial plan "+a.DialPlan, a.DialPlan+"\x00"+a.Extension, a.Extension)
		}
	}
}
