package ad

import "strings"

// Spec is the request that creates this contact as it is: `contact new` (or a
// --from-csv row) with it plans nothing for an existing contact.
func (c Contact) Spec() ContactSpec {
	return ContactSpec{SIPAddress: c.SIPAddress, RegistrarPool: c.RegistrarPool, OU: parentOf(c.Identity),
		DisplayNumber: c.DisplayNumber, DialPlan: c.DialPlan, AutoAttendant: c.AutoAttendant,
		DisplayName: c.DisplayName, Description: c.Description, EnterpriseVoice: c.EnterpriseVoice}
}

// EUMSpecs turns listed EUM addresses back into the `eum add` requests that
// produce them, in the order listed: one per user, dial plan and extension; on a
// SIP URI plan each carries the user's SIP name there, and is primary when that
// SIP name is (PlanAdd makes the SIP name the primary one). A SIP name without
// an extension gives a request without one (which `eum add` refuses, as Exchange
// does). Addresses in a phone context no dial plan has get an empty DialPlan.
func EUMSpecs(entries []EUMEntry) []EUMSpec {
	type group struct {
		user, dialPlan string
		sip, ext       []EUMAddress
	}
	var order []*group
	byKey := map[string]*group{}
	for _, e := range entries {
		k := strings.ToLower(e.DN + "\x00" + e.PhoneContext)
		g := byKey[k]
		if g == nil {
			g = &group{user: e.User, dialPlan: e.DialPlan}
			byKey[k] = g
			order = append(order, g)
		}
		if e.IsSIP() {
			g.sip = append(g.sip, e.EUMAddress)
		} else {
			g.ext = append(g.ext, e.EUMAddress)
		}
	}
	var out []EUMSpec
	for _, g := range order {
		if len(g.ext) == 0 {
			for _, s := range g.sip {
				out = append(out, EUMSpec{User: g.user, DialPlan: g.dialPlan, SIPName: s.Address, Primary: s.Primary})
			}
			continue
		}
		for _, x := range g.ext {
			s := EUMSpec{User: g.user, DialPlan: g.dialPlan, Extension: x.Address, Primary: x.Primary}
			if len(g.sip) > 0 {
				s.SIPName, s.Primary = g.sip[0].Address, g.sip[0].Primary
			}
			out = append(out, s)
		}
	}
	return out
}

// parentOf is the DN of an object's parent, spelled as the directory spelled the
// object's DN (parentDN re-encodes it): everything after the first comma that
// is not escaped.
func parentOf(dn string) string {
	for i := 0; i < len(dn); i++ {
		switch dn[i] {
		case '\\':
			i++
		case ',':
			return strings.TrimSpace(dn[i+1:])
		}
	}
	return ""
}
