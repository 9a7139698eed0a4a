package doctor

import (
	"context"
	"strings"

	"github.com/umctl/umctl/internal/ad"
)

// eumCheck reports `umctl eum check`'s findings as eum-<problem>.
type eumCheck struct{}

func (eumCheck) ID() string { return "eum" }
func (eumCheck) Title() string {
	return "the findings of 'umctl eum check' (eum-duplicate, eum-wrong-length, …)"
}

// SubIDs are the ids of its findings.
func (eumCheck) SubIDs() []string {
	return []string{"eum-" + ad.ProblemDuplicate, "eum-" + ad.ProblemLength, "eum-" + ad.ProblemFormat,
		"eum-" + ad.ProblemUnknownPlan, "eum-" + ad.ProblemNoPrimary, "eum-" + ad.ProblemManyPrimaries}
}

func (eumCheck) Run(ctx context.Context, env *Env) ([]Finding, error) {
	users, err := env.EUMUsers(ctx)
	if err != nil {
		return nil, err
	}
	fs, err := env.EUM().CheckUsers(ctx, users)
	if err != nil {
		return nil, err
	}
	byDN := map[string]*ad.EUMUser{}
	for _, u := range users {
		byDN[strings.ToLower(u.DN)] = u
	}
	out := make([]Finding, 0, len(fs))
	for _, f := range fs {
		sev := Error
		if f.Problem == ad.ProblemNoPrimary {
			sev = Warning
		}
		problem := f.Detail
		if f.Proxy != "" {
			problem = f.Proxy + ": " + f.Detail
		}
		fix, err := eumFix(ctx, env, f, byDN[strings.ToLower(f.DN)])
		if err != nil {
			return nil, err
		}
		out = append(out, Finding{Check: "eum-" + f.Problem, Severity: sev, Object: f.User, DN: f.DN, Problem: problem, Fix: fix})
	}
	return out, nil
}

// eumFix is the command that fixes an eum check finding; none for a
// duplicate (someone must decide whose address it is).
func eumFix(ctx context.Context, env *Env, f ad.Finding, u *ad.EUMUser) (string, error) {
	a, _ := ad.ParseEUM(f.Proxy)
	switch f.Problem {
	case ad.ProblemLength, ad.ProblemFormat:
		dp, ok, err := env.Catalog().DialPlanByContext(ctx, a.PhoneContext)
		if err != nil || !ok {
			return "", err
		}
		return Command("eum", "remove", f.User, "--dial-plan", dp.Name, "--extension", a.Address), nil
	case ad.ProblemUnknownPlan:
		return Command("eum", "remove", f.User, "--extension", a.Address), nil
	case ad.ProblemNoPrimary, ad.ProblemManyPrimaries:
		return primaryFix(ctx, env, u)
	}
	return "", nil
}

// primaryFix makes one address primary: the first primary one, else the first
// one, through `eum add --primary` of its dial plan and extension (on a SIP
// URI plan that makes the SIP name primary, as Exchange does).
func primaryFix(ctx context.Context, env *Env, u *ad.EUMUser) (string, error) {
	if u == nil || len(u.Addresses) == 0 {
		return "", nil
	}
	pick := u.Addresses[0]
	for _, a := range u.Addresses {
		if a.Primary {
			pick = a
			break
		}
	}
	dp, ok, err := env.Catalog().DialPlanByContext(ctx, pick.PhoneContext)
	if err != nil || !ok {
		return "", err
	}
	ext := pick.Address
	if pick.IsSIP() {
		if ext = extensionIn(u, pick.PhoneContext); ext == "" {
			return "", nil
		}
	}
	return Command("eum", "add", u.Account, "--dial-plan", dp.Name, "--extension", ext, "--primary"), nil
}

// extensionIn is u's extension (not SIP name) in a phone context, or "".
func extensionIn(u *ad.EUMUser, pc string) string {
	for _, a := range u.Addresses {
		if !a.IsSIP() && strings.EqualFold(a.PhoneContext, pc) {
			return a.Address
		}
	}
	return ""
}
