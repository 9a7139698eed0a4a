package ad

// DeleteShowing plans the removal of an object and records some of its values
// (as Old values), so that the plan says what goes, not only a DN such as
// CN={GUID}: a contact's SIP address and number.
func (p *Plan) DeleteShowing(kind, dn string, values []Attr) {
	p.Delete(kind, dn)
	c := p.Changes[len(p.Changes)-1]
	for _, v := range values {
		if len(v.Vals) > 0 {
			c.Diffs = append(c.Diffs, AttrDiff{Name: v.Name, Old: v.Vals})
		}
	}
}

// removalSummary is what a removal plan shows of a contact.
func (c Contact) removalSummary() []Attr {
	return []Attr{{"msRTCSIP-PrimaryUserAddress", nonEmpty(c.SIPAddress)}, {"msRTCSIP-Line", nonEmpty(c.LineURI)},
		{"displayName", nonEmpty(c.DisplayName)}}
}
