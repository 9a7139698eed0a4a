package ad

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

const pageSize = 500

// Search runs a paged search (control 1.2.840.113556.1.4.319) and returns every
// entry. Continuation references (the Configuration partition seen from the
// domain) are not chased: callers search each partition with its own base.
func (d *Dir) Search(ctx context.Context, base string, scope int, filter string, attrs []string) ([]*ldap.Entry, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	req := ldap.NewSearchRequest(base, scope, ldap.NeverDerefAliases, 0, 0, false, filter, attrs, nil)
	res, err := d.conn.SearchWithPaging(req, pageSize)
	if err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, base)
		}
		return nil, fmt.Errorf("search %s %s: %w", base, filter, err)
	}
	return res.Entries, nil
}

// Read returns one entry by DN, or ErrNotFound.
func (d *Dir) Read(ctx context.Context, dn string, attrs []string) (*ldap.Entry, error) {
	es, err := d.Search(ctx, dn, ldap.ScopeBaseObject, "(objectClass=*)", attrs)
	if err != nil {
		return nil, err
	}
	if len(es) == 0 {
		return nil, fmt.Errorf("%w: %s", ErrNotFound, dn)
	}
	return es[0], nil
}

// Exists reports whether dn names an object.
func (d *Dir) Exists(ctx context.Context, dn string) (bool, error) {
	_, err := d.Read(ctx, dn, []string{"1.1"})
	if err == nil {
		return true, nil
	}
	if isNotFound(err) {
		return false, nil
	}
	return false, err
}

func isNotFound(err error) bool {
	return err != nil && strings.HasPrefix(err.Error(), ErrNotFound.Error())
}

// Filter builds an equality filter with the value escaped (RFC 4515).
func Filter(attr, value string) string { return "(" + attr + "=" + ldap.EscapeFilter(value) + ")" }

// RDN builds "CN=value" with the value escaped (RFC 4514).
func RDN(attr, value string) string { return attr + "=" + ldap.EscapeDN(value) }

func intAttr(e *ldap.Entry, name string) int {
	n, _ := strconv.Atoi(e.GetAttributeValue(name))
	return n
}

// FirstRDNValue returns the value of a DN's first RDN ("CN=SipDP,CN=…" → "SipDP").
func FirstRDNValue(dn string) string {
	parsed, err := ldap.ParseDN(dn)
	if err != nil || len(parsed.RDNs) == 0 || len(parsed.RDNs[0].Attributes) == 0 {
		return dn
	}
	return parsed.RDNs[0].Attributes[0].Value
}
