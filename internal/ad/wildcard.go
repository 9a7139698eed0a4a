package ad

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// HasWildcard reports whether an identity or filter value is a pattern (has *).
func HasWildcard(s string) bool { return strings.Contains(s, "*") }

// Match builds the filter item for attr and a value that may hold * wildcards:
// an equality filter without one, else a substring filter in which * is the
// only metacharacter; everything else (parentheses, backslash, NUL) is escaped
// as RFC 4515 requires. Runs of * count as one; "*" alone is a presence filter.
// This is the everyday form of PowerShell's -Filter {DisplayNumber -like "+47*"}.
func Match(attr, value string) string {
	if !HasWildcard(value) {
		return Filter(attr, value)
	}
	parts := strings.Split(value, "*")
	var kept []string
	for i, p := range parts { // empty parts only at the ends: "a**b" is a*b
		if p != "" || i == 0 || i == len(parts)-1 {
			kept = append(kept, ldap.EscapeFilter(p))
		}
	}
	return "(" + attr + "=" + strings.Join(kept, "*") + ")"
}

// withSIPScheme puts "sip:" in front of a SIP address (or pattern) given without it.
func withSIPScheme(s string) string {
	if strings.HasPrefix(strings.ToLower(s), "sip:") {
		return s
	}
	return "sip:" + s
}

// contactsFor resolves an identity for a removal: a pattern (*) names every
// contact it matches (at least one), anything else exactly one contact.
func (cp *ContactPlanner) contactsFor(ctx context.Context, identity string) ([]Contact, error) {
	if !HasWildcard(identity) {
		c, err := cp.Contact(ctx, identity)
		return []Contact{c}, err
	}
	cs, err := cp.Contacts(ctx, ContactFilter{Identity: identity})
	if err != nil {
		return nil, err
	}
	if len(cs) == 0 {
		return nil, fmt.Errorf("%w: no Exchange UM contact matches %q", ErrNotFound, identity)
	}
	return cs, nil
}

// sipList names up to five contacts by SIP address.
func sipList(cs []Contact) string {
	var names []string
	for i, c := range cs {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(cs)-5))
			break
		}
		names = append(names, c.SIPAddress)
	}
	return strings.Join(names, ", ")
}
