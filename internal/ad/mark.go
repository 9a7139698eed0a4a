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

// AlsoSwap adds to a planned modify the replacement of attr's values old by
// new (delete old, add new), in the same request, so the directory applies
// both or neither; its undo reverses both. It reports false, changing
// nothing, when c is not a modify.
func (c *Change) AlsoSwap(attr string, old, new []string) bool {
	req, ok := c.req.(*ldap.ModifyRequest)
	undo, okUndo := c.undo.(*ldap.ModifyRequest)
	if !ok || !okUndo || c.Action != ActionModify || len(old)+len(new) == 0 {
		return false
	}
	if len(old) > 0 {
		req.Delete(attr, old)
	}
	if len(new) > 0 {
		req.Add(attr, new)
		undo.Delete(attr, new)
	}
	if len(old) > 0 {
		undo.Add(attr, old)
	}
	c.Diffs = append(c.Diffs, AttrDiff{Name: attr, Old: old, New: new})
	return true
}

// KindUser is the kind of a planned change to a user (its EUM addresses).
const KindUser = eumKind
