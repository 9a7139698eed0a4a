package doctor

import (
	"context"
	"fmt"
	"net"
	"regexp"
	"strings"

	"github.com/umctl/umctl/internal/ad"
)

// staleGateway: a UM IP gateway that ExchUCUtil made for a pool that is gone.
type staleGateway struct{}

func (staleGateway) ID() string { return "stale-gateway" }
func (staleGateway) Title() string {
	return "UM IP gateways made for a pool (by ExchUCUtil or ucutil) whose address is no pool's FQDN"
}

// poolCN is the CN Lync gives its pools (site:pool, such as 1:1).
var poolCN = regexp.MustCompile(`^[0-9]+:[0-9]+$`)

func (staleGateway) Run(ctx context.Context, env *Env) ([]Finding, error) {
	pools, err := env.Catalog().Pools(ctx)
	if err != nil {
		return nil, err
	}
	gws, err := env.Gateways(ctx)
	if err != nil {
		return nil, err
	}
	served := map[string]bool{}
	for _, g := range ad.MatchPoolGateways(pools, gws) {
		served[strings.ToLower(g.DN)] = true
	}
	var fqdns []string
	for _, p := range pools {
		if ad.GetsGateway(p) {
			fqdns = append(fqdns, p.FQDN)
		}
	}
	var out []Finding
	for _, g := range gws {
		if served[strings.ToLower(g.DN)] || !madeForPool(g) {
			continue
		}
		out = append(out, Finding{Severity: Warning, Object: g.Name, DN: g.DN,
			Problem: fmt.Sprintf("address %s is no pool's FQDN (pools: %s): it was made for a pool that is gone, and ExchUCUtil never removes it",
				g.Address, listOrNone(fqdns)),
			Fix: Command("gateway", "remove", g.Name)})
	}
	return out, nil
}

// madeForPool reports a gateway that looks made for a Lync pool, as ExchUCUtil
// names them: an FQDN address, and a name that is a pool CN (1:1), the FQDN
// itself, or its first label. Gateways toward PBXs and SBCs (IP addresses, other names) are left alone.
func madeForPool(g ad.Gateway) bool {
	if net.ParseIP(g.Address) != nil || !strings.Contains(g.Address, ".") {
		return false
	}
	first, _, _ := strings.Cut(g.Address, ".")
	return poolCN.MatchString(g.Name) || ad.SameFQDN(g.Name, g.Address) || strings.EqualFold(g.Name, first)
}

func listOrNone(v []string) string {
	if len(v) == 0 {
		return "none"
	}
	return strings.Join(v, ", ")
}
