package ad

import (
	"slices"

	"github.com/go-ldap/ldap/v3"
)

// Kinds of planned objects that a caller may mark as its own.
const (
	KindContact   = contactKind
	KindHuntGroup = huntGroupKind
)

// MarkAdds gives every add of the given kinds planned from change index from
// on an attribute value (a manifest's ownership marker), shown in the plan.
func (p *Plan) MarkAdds(from int, attr, value string, kinds ...string) {
	for _, c := range p.Changes[from:] {
		r, ok := c.req.(*ldap.AddRequest)
		if !ok || c.Action != ActionAdd || !slices.Contains(kinds, c.Kind) {
			continue
		}
		r.Attribute(attr, []string{value})
		c.Diffs = append(c.Diffs, AttrDiff{Name: attr, New: []string{value}})
	}
}
