package ad

import (
	"context"
	"errors"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// UMServer is an Exchange server that serves UM dial plans (an
// msExchExchangeServer with msExchUMServerDialPlanLink).
type UMServer struct {
	Name      string   `json:"name"`
	DN        string   `json:"dn"`
	FQDN      string   `json:"fqdn"`
	DialPlans []string `json:"dialPlans"`
}

// UMServers lists the Exchange servers that serve a UM dial plan, sorted by
// name: one search under the organization's administrative groups.
func (d *Dir) UMServers(ctx context.Context) ([]UMServer, error) {
	org, err := d.ExchangeOrg(ctx)
	if err != nil {
		return nil, err
	}
	es, err := d.Search(ctx, RDN("CN", AdminGroupsContainer)+","+org, ldap.ScopeWholeSubtree,
		"(&(objectClass=msExchExchangeServer)(msExchUMServerDialPlanLink=*))", []string{"cn", "dNSHostName", "msExchUMServerDialPlanLink"})
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	out := make([]UMServer, 0, len(es))
	for _, e := range es {
		out = append(out, UMServer{Name: e.GetAttributeValue("cn"), DN: e.DN, FQDN: e.GetAttributeValue("dNSHostName"),
			DialPlans: sorted(e.GetAttributeValues("msExchUMServerDialPlanLink"))})
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}
