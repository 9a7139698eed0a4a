package ad

import (
	"context"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// usersMatching returns the users with EUM addresses whose sAMAccountName,
// UPN or SIP address (sip: may be left out) matches pattern, * being the only
// wildcard (an escaped substring filter): `eum list 'per.*'`.
func (ep *EUMPlanner) usersMatching(ctx context.Context, pattern string) ([]*EUMUser, error) {
	filter := "(&(proxyAddresses=eum:*)(|" + Match("sAMAccountName", pattern) + Match("userPrincipalName", pattern) +
		Match("msRTCSIP-PrimaryUserAddress", withSIPScheme(pattern)) + "))"
	es, err := ep.d.Search(ctx, ep.d.RootDSE.DefaultNC, ldap.ScopeWholeSubtree, filter, userAttrs)
	if err != nil {
		return nil, err
	}
	var out []*EUMUser
	for _, e := range es {
		if isPerson(e) {
			out = append(out, ep.canonical(eumUserFromEntry(e), true))
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Account) < strings.ToLower(out[j].Account) })
	return out, nil
}
