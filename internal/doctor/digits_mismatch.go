package doctor

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/umctl/umctl/internal/ad"
)

// digitsMismatch: line URI extensions whose length is not the dial plan's
// number of digits. For PBX integrations they must match, or MWI and
// diversion break; on SIP URI plans it is a warning.
type digitsMismatch struct{}

func (digitsMismatch) ID() string { return "digits-mismatch" }
func (digitsMismatch) Title() string {
	return "users of a dial plan whose line URI (msRTCSIP-Line ;ext=) has another length than the plan's digits"
}

type lineExt struct {
	user *ad.EUMUser
	ext  string
}

func (digitsMismatch) Run(ctx context.Context, env *Env) ([]Finding, error) {
	users, err := env.EUMUsers(ctx)
	if err != nil {
		return nil, err
	}
	byPlan := map[string][]lineExt{} // plan name → users with a line extension
	plans := map[string]ad.DialPlan{}
	for _, u := range users {
		ext := lineExtension(u.Line)
		if ext == "" {
			continue
		}
		seen := map[string]bool{}
		for _, a := range u.Addresses {
			dp, ok, err := env.Catalog().DialPlanByContext(ctx, a.PhoneContext)
			if err != nil {
				return nil, err
			}
			if !ok || seen[dp.Name] || dp.URIType == ad.URITypeName(ad.URIE164) || dp.NumberOfDigits <= 0 {
				continue
			}
			seen[dp.Name], plans[dp.Name] = true, dp
			byPlan[dp.Name] = append(byPlan[dp.Name], lineExt{u, ext})
		}
	}
	names := make([]string, 0, len(byPlan))
	for n := range byPlan {
		names = append(names, n)
	}
	sort.Strings(names)
	var out []Finding
	for _, n := range names {
		out = append(out, planMismatches(plans[n], byPlan[n])...)
	}
	return out, nil
}

// planMismatches reports one finding for the plan when most of its users'
// extensions have another length (the plan's digits are wrong), else one per
// user whose extension differs (the user's line is wrong).
func planMismatches(dp ad.DialPlan, users []lineExt) []Finding {
	sev := Warning
	if dp.URIType == ad.URITypeName(ad.URITelExtn) {
		sev = Error
	}
	var bad []lineExt
	lengths := map[int]int{}
	for _, le := range users {
		if len(le.ext) != dp.NumberOfDigits {
			bad = append(bad, le)
			lengths[len(le.ext)]++
		}
	}
	if len(bad) == 0 {
		return nil
	}
	if 2*len(bad) > len(users) {
		common := 0
		for l, c := range lengths {
			if c > lengths[common] || (c == lengths[common] && l < common) {
				common = l
			}
		}
		var who []string
		for _, le := range bad {
			who = append(who, le.user.Account)
		}
		return []Finding{{Severity: sev, Object: dp.Name, DN: dp.DN,
			Problem: fmt.Sprintf("the plan has %d-digit extensions, but %d of its %d users' line URIs end in extensions of another length (most: %d digits; %s): change the plan's digits (Set-UMDialPlan -NumberOfDigitsInExtension) or the line URIs",
				dp.NumberOfDigits, len(bad), len(users), common, abbreviate(who, 5))}}
	}
	out := make([]Finding, 0, len(bad))
	for _, le := range bad {
		out = append(out, Finding{Severity: sev, Object: le.user.Account, DN: le.user.DN,
			Problem: fmt.Sprintf("line URI %s ends in a %d-digit extension; dial plan %s has %d digits (change the line URI: Set-CsUser -LineURI)",
				le.user.Line, len(le.ext), dp.Name, dp.NumberOfDigits)})
	}
	return out
}

// lineExtension is the ;ext= of a tel: line URI, or "".
func lineExtension(line string) string {
	lower := strings.ToLower(line)
	i := strings.Index(lower, ";ext=")
	if !strings.HasPrefix(lower, "tel:") || i < 0 {
		return ""
	}
	ext, _, _ := strings.Cut(line[i+len(";ext="):], ";")
	return ext
}

func abbreviate(v []string, n int) string {
	if len(v) <= n {
		return strings.Join(v, ", ")
	}
	return fmt.Sprintf("%s and %d more", strings.Join(v[:n], ", "), len(v)-n)
}
