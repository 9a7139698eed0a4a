package doctor

import (
	"context"
	"fmt"
	"strings"
)

// sipURICase: an EUM SIP name that differs only in case from the user's SIP address.
type sipURICase struct{}

func (sipURICase) ID() string { return "sip-uri-case" }
func (sipURICase) Title() string {
	return "EUM SIP names that differ only in case from the user's msRTCSIP-PrimaryUserAddress"
}

func (sipURICase) Run(ctx context.Context, env *Env) ([]Finding, error) {
	users, err := env.EUMUsers(ctx)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, u := range users {
		sip := trimSIP(u.SIP)
		for _, a := range u.Addresses {
			if !a.IsSIP() || a.Address == sip || !strings.EqualFold(a.Address, sip) {
				continue
			}
			f := Finding{Severity: Warning, Object: u.Account, DN: u.DN,
				Problem: fmt.Sprintf("EUM SIP name %s differs only in case from the SIP address %s (msRTCSIP-PrimaryUserAddress)", a.Address, u.SIP)}
			dp, ok, err := env.Catalog().DialPlanByContext(ctx, a.PhoneContext)
			if err != nil {
				return nil, err
			}
			if ext := extensionIn(u, a.PhoneContext); ok && ext != "" {
				// eum add converges: the SIP name takes the SIP address's case.
				f.Fix = Command("eum", "add", u.Account, "--dial-plan", dp.Name, "--extension", ext)
			}
			out = append(out, f)
		}
	}
	return out, nil
}

func trimSIP(s string) string {
	if len(s) >= 4 && strings.EqualFold(s[:4], "sip:") {
		return s[4:]
	}
	return s
}
