package doctor

import (
	"context"
	"fmt"
	"strings"
)

// huntGroupOrphan: a hunt group whose dial plan link points to no dial plan.
type huntGroupOrphan struct{}

func (huntGroupOrphan) ID() string { return "huntgroup-orphan" }
func (huntGroupOrphan) Title() string {
	return "hunt groups whose dial plan link is empty or points to a missing object"
}

func (huntGroupOrphan) Run(ctx context.Context, env *Env) ([]Finding, error) {
	plans, err := env.Catalog().DialPlans(ctx)
	if err != nil {
		return nil, err
	}
	known := map[string]bool{}
	for _, p := range plans {
		known[strings.ToLower(p.DN)] = true
	}
	gws, err := env.Gateways(ctx)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, g := range gws {
		for _, h := range g.HuntGroups {
			var problem string
			switch {
			case h.DialPlan == "":
				problem = "links to no dial plan (the one it served was deleted): calls to pilot " + h.Pilot + " are refused"
			case !known[strings.ToLower(h.DialPlan)]:
				problem = fmt.Sprintf("links to %s, which is no UM dial plan: calls to pilot %s are refused", h.DialPlan, h.Pilot)
			default:
				continue
			}
			out = append(out, Finding{Severity: Error, Object: g.Name + "/" + h.Name, DN: h.DN, Problem: problem,
				Fix: Command("huntgroup", "remove", h.Name, "--gateway", g.Name)})
		}
	}
	return out, nil
}
