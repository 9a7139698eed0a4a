package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/umctl/umctl/internal/ad"
)

// gatewayFlags: MWI toward a branch pool, or outcalls on more than one gateway.
type gatewayFlags struct{}

func (gatewayFlags) ID() string { return "gateway-flags" }
func (gatewayFlags) Title() string {
	return "message waiting allowed on a branch (SBA) pool's gateway, or outcalls allowed on more than one gateway"
}

func (gatewayFlags) Run(ctx context.Context, env *Env) ([]Finding, error) {
	pools, err := env.Catalog().Pools(ctx)
	if err != nil {
		return nil, err
	}
	gws, err := env.Gateways(ctx)
	if err != nil {
		return nil, err
	}
	var out []Finding
	matched := ad.MatchPoolGateways(pools, gws)
	for _, p := range pools {
		if g := matched[p.DN]; g != nil && p.Branch && g.MWI {
			out = append(out, Finding{Severity: Error, Object: g.Name, DN: g.DN,
				Problem: fmt.Sprintf("message waiting is allowed toward branch pool %s: a Survivable Branch Appliance does not take Exchange UM's NOTIFY", p.FQDN),
				Fix:     Command("gateway", "set", g.Name, "--mwi", "false")})
		}
	}
	var on []ad.Gateway
	for _, g := range gws {
		if g.Outcalls && g.Status != "disabled" {
			on = append(on, g)
		}
	}
	if len(on) < 2 {
		return out, nil
	}
	names := make([]string, len(on))
	for i, g := range on {
		names[i] = g.Name
	}
	for _, g := range on[1:] {
		out = append(out, Finding{Severity: Warning, Object: g.Name, DN: g.DN,
			Problem: fmt.Sprintf("outcalls are allowed on %d gateways (%s); Exchange UM should place outcalls through one (keep %s; 'umctl ucutil --outcalls-gateway %s' keeps it so)",
				len(on), strings.Join(names, ", "), on[0].Name, on[0].Name),
			Fix: Command("gateway", "set", g.Name, "--outcalls", "false")})
	}
	return out, nil
}
