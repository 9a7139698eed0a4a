package doctor

import (
	"context"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"

	"github.com/umctl/umctl/internal/ad"
)

// contactBroken: an Exchange UM contact whose dial plan or home pool is gone,
// whose number is a user's line, or whose number is not its plan's.
type contactBroken struct{}

func (contactBroken) ID() string { return "contact-broken" }
func (contactBroken) Title() string {
	return "Exchange UM contacts with no dial plan or home pool, a number a user has, or a number that is not their plan's access or auto attendant number"
}

func (contactBroken) Run(ctx context.Context, env *Env) ([]Finding, error) {
	cs, err := env.Contacts(ctx)
	if err != nil || len(cs) == 0 {
		return nil, err
	}
	lineUsers, err := usersWithLines(ctx, env.Dir, cs)
	if err != nil {
		return nil, err
	}
	plans, err := env.Catalog().DialPlans(ctx)
	if err != nil {
		return nil, err
	}
	pools, err := env.Catalog().Pools(ctx)
	if err != nil {
		return nil, err
	}
	var out []Finding
	for _, c := range cs {
		f := func(sev Severity, problem, fix string) {
			out = append(out, Finding{Severity: sev, Object: c.SIPAddress, DN: c.Identity, Problem: problem, Fix: fix})
		}
		if c.DialPlan == "" {
			f(Error, planProblem(c, plans), planFix(c, plans))
		}
		if c.RegistrarPool == "" {
			f(Error, poolProblem(c), poolFix(c, cs, pools))
		}
		for _, u := range lineUsers[c.DisplayNumber] {
			f(Error, fmt.Sprintf("number %s is also user %s's line URI: calls to it reach the user, not Exchange UM", c.DisplayNumber, u), "")
		}
		if c.DialPlan != "" {
			problem, fix, err := numberProblem(ctx, env, c, cs)
			if err != nil {
				return nil, err
			}
			if problem != "" {
				f(Error, problem, fix)
			}
		}
	}
	return out, nil
}

// usersWithLines finds the users whose line URI is a contact's number:
// searches targeted at the contacts' numbers, not a read of every user.
func usersWithLines(ctx context.Context, d *ad.Dir, cs []ad.Contact) (map[string][]string, error) {
	var terms []string
	for _, c := range cs {
		if c.DisplayNumber != "" {
			line := ad.LineURI(c.DisplayNumber)
			terms = append(terms, ad.Filter("msRTCSIP-Line", line), "(msRTCSIP-Line="+ldap.EscapeFilter(line+";")+"*)")
		}
	}
	if len(terms) == 0 {
		return nil, nil
	}
	es, err := d.SearchAny(ctx, d.RootDSE.DefaultNC, "(objectClass=user)(!(objectClass=computer))", terms, []string{"sAMAccountName", "msRTCSIP-Line"})
	if err != nil {
		return nil, err
	}
	out := map[string][]string{}
	for _, e := range es {
		n, _, _ := strings.Cut(strings.TrimPrefix(strings.ToLower(e.GetAttributeValue("msRTCSIP-Line")), "tel:"), ";")
		out[n] = append(out[n], e.GetAttributeValue("sAMAccountName"))
	}
	return out, nil
}

func sipPlans(plans []ad.DialPlan) []string {
	var out []string
	for _, p := range plans {
		if p.IsSIP() {
			out = append(out, p.Name)
		}
	}
	return out
}

func planProblem(c ad.Contact, plans []ad.DialPlan) string {
	if c.PhoneContext == "" {
		return fmt.Sprintf("otherIpPhone names no dial plan (SIP URI dial plans: %s)", listOrNone(sipPlans(plans)))
	}
	return fmt.Sprintf("otherIpPhone names phone context %s, which no dial plan has (SIP URI dial plans: %s)", c.PhoneContext, listOrNone(sipPlans(plans)))
}

// planFix points the contact at the only SIP URI dial plan; with several, the administrator picks.
func planFix(c ad.Contact, plans []ad.DialPlan) string {
	if sip := sipPlans(plans); len(sip) == 1 {
		return Command("contact", "set", c.SIPAddress, "--dial-plan", sip[0])
	}
	return ""
}

func poolProblem(c ad.Contact) string {
	if c.HomeServer == "" {
		return "has no home pool (msRTCSIP-PrimaryHomeServer is empty)"
	}
	if strings.Contains(strings.ToUpper(c.HomeServer), `\0ADEL:`) {
		return "msRTCSIP-PrimaryHomeServer names a deleted object (" + ad.FirstRDNValue(c.HomeServer) + "), which is no pool's: Lync cannot route calls to it"
	}
	return "msRTCSIP-PrimaryHomeServer names " + c.HomeServer + ", which is no pool's: Lync cannot route calls to it"
}

// poolFix moves the contact to the pool most other UM contacts are homed on,
// else to the first Lync 2010+ front end pool.
func poolFix(c ad.Contact, cs []ad.Contact, pools []ad.Pool) string {
	count := map[string]int{}
	best := ""
	for _, o := range cs {
		if o.RegistrarPool != "" {
			count[o.RegistrarPool]++
			if best == "" || count[o.RegistrarPool] > count[best] {
				best = o.RegistrarPool
			}
		}
	}
	for _, p := range pools {
		if best != "" {
			break
		}
		if !p.Branch && ad.PoolMajor(p.Version) >= ad.PoolVersionLync2010 {
			best = p.FQDN
		}
	}
	if best == "" {
		return ""
	}
	return Command("contact", "move", c.SIPAddress, "--target", best)
}

// numberProblem checks that a contact's number is its plan's subscriber access
// number (or an auto attendant number of the plan, for an auto attendant
// contact). The fix is the one such number no other contact has.
func numberProblem(ctx context.Context, env *Env, c ad.Contact, cs []ad.Contact) (problem, fix string, err error) {
	dp, err := env.Catalog().DialPlan(ctx, c.DialPlan)
	if err != nil {
		return "", "", err
	}
	aa, err := env.Catalog().AutoAttendantNumbers(ctx, dp)
	if err != nil {
		return "", "", err
	}
	valid, kind := dp.AccessNumbers, "a subscriber access number"
	if c.AutoAttendant {
		valid, kind = aa, "an auto attendant number"
	}
	for _, n := range valid {
		if n == c.DisplayNumber {
			return "", "", nil
		}
	}
	problem = fmt.Sprintf("number %s is not %s of dial plan %s (%s): Exchange UM does not answer it", c.DisplayNumber, kind, dp.Name, listOrNone(valid))
	var free []string
	for _, n := range valid {
		if !numberTaken(cs, n) {
			free = append(free, n)
		}
	}
	if len(free) == 1 {
		fix = Command("contact", "set", c.SIPAddress, "--display-number", free[0])
	}
	return problem, fix, nil
}

func numberTaken(cs []ad.Contact, n string) bool {
	for _, c := range cs {
		if c.DisplayNumber == n {
			return true
		}
	}
	return false
}
