package doctor

import "context"

// dialPlanUnserved: a SIP dial plan that no UM server serves or that no hunt group links.
type dialPlanUnserved struct{}

func (dialPlanUnserved) ID() string { return "dialplan-unserved" }
func (dialPlanUnserved) Title() string {
	return "SIP URI dial plans that no UM server serves, or that have no hunt group on any gateway"
}

func (dialPlanUnserved) Run(ctx context.Context, env *Env) ([]Finding, error) {
	plans, err := env.Catalog().DialPlans(ctx)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, p := range plans {
		if !p.IsSIP() {
			continue
		}
		if len(p.UMServers) == 0 {
			out = append(out, Finding{Severity: Error, Object: p.Name, DN: p.DN,
				Problem: "no UM server serves it (no server links it: Set-UMService -DialPlans): calls for it are refused"})
		}
		if len(p.HuntGroups) == 0 {
			out = append(out, Finding{Severity: Error, Object: p.Name, DN: p.DN,
				Problem: "no hunt group on any gateway links it: Exchange UM refuses Lync's calls for it",
				Fix:     Command("ucutil")})
		}
	}
	return out, nil
}
