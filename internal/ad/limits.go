package ad

import (
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"
)

// planValue is one attribute value a plan would write.
type planValue struct {
	c     *Change
	attr  string
	value string
}

// longValues are the values (RDNs of new objects included) the plan would
// write that are longer than minRangeUpper: the only ones a schema limit of
// the attributes umctl writes can refuse.
func longValues(p *Plan) []planValue {
	var out []planValue
	add := func(c *Change, attr string, vals []string) {
		for _, v := range vals {
			if utf8.RuneCountInString(v) > minRangeUpper {
				out = append(out, planValue{c, attr, v})
			}
		}
	}
	for _, c := range p.Changes {
		switch r := c.req.(type) {
		case *ldap.AddRequest:
			if dn, err := ldap.ParseDN(r.DN); err == nil && len(dn.RDNs) > 0 {
				for _, a := range dn.RDNs[0].Attributes {
					add(c, a.Type, []string{a.Value})
				}
			}
			for _, a := range r.Attributes {
				add(c, a.Type, a.Vals)
			}
		case *ldap.ModifyRequest:
			for _, m := range r.Changes {
				if m.Operation != ldap.DeleteAttribute {
					add(c, m.Modification.Type, m.Modification.Vals)
				}
			}
		}
	}
	return out
}

// CheckLimits refuses a plan that would write a value longer than the
// schema's rangeUpper of its attribute, before anything is written: the safety
// net of every command (planners name the flag or column first where they
// can). The schema is read only when some value is longer than minRangeUpper.
func (d *Dir) CheckLimits(ctx context.Context, p *Plan) error {
	long := longValues(p)
	if len(long) == 0 {
		return nil
	}
	var attrs []string
	for _, v := range long {
		attrs = append(attrs, v.attr)
	}
	limits, err := d.Catalog().RangeUppers(ctx, attrs...)
	if err != nil {
		return err
	}
	for _, v := range long {
		max := limits[strings.ToLower(v.attr)]
		if n := utf8.RuneCountInString(v.value); max > 0 && n > max {
			return fmt.Errorf("%w: %s %s: %s %q would hold %d characters, and the schema's rangeUpper allows %d; nothing was written",
				ErrInvalid, v.c.Kind, shorten(v.c.DN), v.attr, shorten(v.value), n, max)
		}
	}
	return nil
}
