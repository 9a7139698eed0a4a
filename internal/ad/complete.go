package ad

import (
	"context"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// UserName is a user as shell completion offers it.
type UserName struct {
	Account     string // sAMAccountName
	DisplayName string
}

// UserNames returns up to limit users whose sAMAccountName starts with prefix
// (* in prefix is a wildcard, everything else literal), only those with EUM
// addresses if withEUM. One search with a size limit: completion stays cheap
// in a forest of 500,000 users.
func (d *Dir) UserNames(ctx context.Context, prefix string, withEUM bool, limit int) ([]UserName, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	filter := "(&(objectCategory=person)(objectClass=user)" + Match("sAMAccountName", prefix+"*")
	if withEUM {
		filter += "(proxyAddresses=eum:*)"
	}
	filter += ")"
	req := ldap.NewSearchRequest(d.RootDSE.DefaultNC, ldap.ScopeWholeSubtree, ldap.NeverDerefAliases, limit, 0, false,
		filter, []string{"sAMAccountName", "displayName"}, nil)
	res, err := d.conn.Search(req)
	if err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultSizeLimitExceeded) {
		return nil, err
	}
	var out []UserName
	if res != nil {
		for _, e := range res.Entries {
			out = append(out, UserName{Account: e.GetAttributeValue("sAMAccountName"), DisplayName: e.GetAttributeValue("displayName")})
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Account) < strings.ToLower(out[j].Account) })
	return out, nil
}
