package ad

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// EUMEntry is one row of `eum list`.
type EUMEntry struct {
	User     string `json:"user"`
	DN       string `json:"dn"`
	DialPlan string `json:"dialPlan"`
	EUMAddress
	Proxy string `json:"proxyAddress"`
}

// allEUMUsers reads every object of the DC's domain that has an EUM
// address, in one paged search: what full listings cost.
func (ep *EUMPlanner) allEUMUsers(ctx context.Context) ([]*EUMUser, error) {
	return ep.eumUsersIn(ctx, ep.d, ep.d.RootDSE.DefaultNC)
}

// forestEUMUsers is allEUMUsers over the whole forest when a global catalog
// is configured, for audits: Exchange resolves an EUM address forest-wide,
// so a duplicate in another domain breaks a diverted call as surely as one
// in this domain. The audits read only what the GC holds of every user
// (proxyAddresses, sAMAccountName, the SIP address: partial attribute set).
func (ep *EUMPlanner) forestEUMUsers(ctx context.Context) ([]*EUMUser, error) {
	dc, base, err := ep.d.forestScope(ctx)
	if err != nil {
		return nil, err
	}
	return ep.eumUsersIn(ctx, dc, base)
}

// eumUsersIn reads every object under base on dc that has an EUM address.
func (ep *EUMPlanner) eumUsersIn(ctx context.Context, dc *Dir, base string) ([]*EUMUser, error) {
	es, err := dc.Search(ctx, base, ldap.ScopeWholeSubtree, "(proxyAddresses=eum:*)", userAttrs)
	if err != nil {
		return nil, err
	}
	out := make([]*EUMUser, 0, len(es))
	for _, e := range es {
		out = append(out, ep.canonical(eumUserFromEntry(e), true))
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Account) < strings.ToLower(out[j].Account) })
	return out, nil
}

// List returns the EUM addresses of one user (one search) or of everyone
// (a read of every user with an EUM address), in one dial plan or all.
func (ep *EUMPlanner) List(ctx context.Context, user, dialPlan string) ([]EUMEntry, error) {
	var pc string
	if dialPlan != "" {
		dp, err := ep.cat.DialPlan(ctx, dialPlan)
		if err != nil {
			return nil, err
		}
		pc = dp.PhoneContext
	}
	var users []*EUMUser
	if HasWildcard(user) {
		all, err := ep.usersMatching(ctx, user)
		if err != nil {
			return nil, err
		}
		users = all
	} else if user != "" {
		u, err := ep.User(ctx, user)
		if err != nil {
			return nil, err
		}
		users = []*EUMUser{u}
	} else {
		all, err := ep.allEUMUsers(ctx)
		if err != nil {
			return nil, err
		}
		users = all
	}
	out := []EUMEntry{}
	for _, u := range users {
		for _, a := range u.Addresses {
			if pc != "" && !strings.EqualFold(a.PhoneContext, pc) {
				continue
			}
			e, err := ep.entry(ctx, u, a)
			if err != nil {
				return nil, err
			}
			out = append(out, e)
		}
	}
	return out, nil
}

func (ep *EUMPlanner) entry(ctx context.Context, u *EUMUser, a EUMAddress) (EUMEntry, error) {
	dp, _, err := ep.cat.DialPlanByContext(ctx, a.PhoneContext)
	return EUMEntry{User: u.Account, DN: u.DN, DialPlan: dp.Name, EUMAddress: a, Proxy: a.String()}, err
}

// FindResult is the answer of `eum find`.
type FindResult struct {
	Query              string     `json:"query"`
	DialPlan           string     `json:"dialPlan"`
	PhoneContexts      []string   `json:"phoneContexts"` // the plan's and the equivalent ones searched
	ProxyAddress       string     `json:"proxyAddress"`  // what Exchange looks up
	Owners             []EUMEntry `json:"owners"`
	AccessNumber       bool       `json:"subscriberAccessNumber,omitempty"`
	AutoAttendantNumer bool       `json:"autoAttendantNumber,omitempty"`
}

// Find does the lookup Exchange UM does for a call: the exact proxy address in
// the plan's phone context, and in the equivalent ones, with one indexed search.
func (ep *EUMPlanner) Find(ctx context.Context, query, dialPlan string) (FindResult, error) {
	dp, err := ep.cat.DialPlan(ctx, dialPlan)
	if err != nil {
		return FindResult{}, err
	}
	contexts, err := ep.cat.EquivalentContexts(ctx, dp)
	if err != nil {
		return FindResult{}, err
	}
	aa, err := ep.cat.AutoAttendantNumbers(ctx, dp)
	if err != nil {
		return FindResult{}, err
	}
	q := strings.TrimPrefix(strings.TrimPrefix(query, "sip:"), "tel:")
	r := FindResult{Query: query, DialPlan: dp.Name, PhoneContexts: contexts, Owners: []EUMEntry{},
		ProxyAddress: "eum:" + q + ";phone-context=" + dp.PhoneContext,
		AccessNumber: slices.Contains(dp.AccessNumbers, q), AutoAttendantNumer: slices.Contains(aa, q)}
	owners, err := ep.Owners(ctx, dp, q)
	if err != nil {
		return r, err
	}
	for _, u := range owners {
		for _, a := range u.Addresses {
			if strings.EqualFold(a.Address, q) && slices.Contains(lowerAll(contexts), strings.ToLower(a.PhoneContext)) {
				e, err := ep.entry(ctx, u, a)
				if err != nil {
					return r, err
				}
				r.Owners = append(r.Owners, e)
			}
		}
	}
	return r, nil
}

// Finding is one defect `eum check` reports.
type Finding struct {
	Problem string `json:"problem"`
	User    string `json:"user"`
	DN      string `json:"dn"`
	Proxy   string `json:"proxyAddress,omitempty"`
	Detail  string `json:"detail"`
}

// Problems `eum check` knows.
const (
	ProblemDuplicate     = "duplicate"
	ProblemLength        = "wrong-length"
	ProblemFormat        = "wrong-format"
	ProblemUnknownPlan   = "unknown-phone-context"
	ProblemNoPrimary     = "no-primary"
	ProblemManyPrimaries = "several-primaries"
)

// Check audits every user's EUM addresses (or those in one dial plan). It is
// an audit: it reads every object with an EUM address (in the forest, with a
// global catalog).
func (ep *EUMPlanner) Check(ctx context.Context, dialPlan string) ([]Finding, error) {
	var scope map[string]bool // lower phone contexts in scope; nil = all
	if dialPlan != "" {
		dp, err := ep.cat.DialPlan(ctx, dialPlan)
		if err != nil {
			return nil, err
		}
		contexts, err := ep.cat.EquivalentContexts(ctx, dp)
		if err != nil {
			return nil, err
		}
		scope = map[string]bool{}
		for _, pc := range contexts {
			scope[strings.ToLower(pc)] = true
		}
	}
	users, err := ep.forestEUMUsers(ctx)
	if err != nil {
		return nil, err
	}
	return ep.check(ctx, users, scope)
}

// AllUsers reads every object that has an EUM address (one paged search; the
// forest's with a global catalog), for audits that look at them in several
// ways (umctl doctor).
func (ep *EUMPlanner) AllUsers(ctx context.Context) ([]*EUMUser, error) {
	return ep.forestEUMUsers(ctx)
}

// CheckUsers is Check over users already read with AllUsers.
func (ep *EUMPlanner) CheckUsers(ctx context.Context, users []*EUMUser) ([]Finding, error) {
	return ep.check(ctx, users, nil)
}

func (ep *EUMPlanner) check(ctx context.Context, users []*EUMUser, scope map[string]bool) ([]Finding, error) {
	owners := map[string][]*EUMUser{}
	for _, u := range users {
		for _, a := range u.Addresses {
			owners[a.key()] = append(owners[a.key()], u)
		}
	}
	findings := []Finding{}
	for _, u := range users {
		fs, err := ep.checkUser(ctx, u, scope, owners)
		if err != nil {
			return nil, err
		}
		findings = append(findings, fs...)
	}
	return findings, nil
}

func (ep *EUMPlanner) checkUser(ctx context.Context, u *EUMUser, scope map[string]bool, owners map[string][]*EUMUser) ([]Finding, error) {
	var findings []Finding
	primaries, n := 0, 0
	reported := map[string]bool{}
	for _, a := range u.Addresses {
		if scope != nil && !scope[strings.ToLower(a.PhoneContext)] {
			continue
		}
		n++
		if a.Primary {
			primaries++
		}
		dp, ok, err := ep.cat.DialPlanByContext(ctx, a.PhoneContext)
		if err != nil {
			return nil, err
		}
		if !ok {
			findings = append(findings, Finding{ProblemUnknownPlan, u.Account, u.DN, a.String(), "no dial plan has phone context " + a.PhoneContext})
			continue
		}
		if !a.IsSIP() {
			if err := validateExtension(dp, a.Address); err != nil {
				problem := ProblemLength
				if dp.URIType == URITypeName(URIE164) || !digitsRE.MatchString(a.Address) {
					problem = ProblemFormat
				}
				fe, _ := AsFieldError(err)
				findings = append(findings, Finding{problem, u.Account, u.DN, a.String(), fmt.Sprintf("%q: %s", fe.Value, fe.Reason)})
			}
		}
		contexts, err := ep.cat.EquivalentContexts(ctx, dp)
		if err != nil {
			return nil, err
		}
		var others []string
		for _, k := range inContexts(a.Address, contexts) {
			for _, o := range owners[k.key()] {
				if o != u {
					others = append(others, o.Account)
				}
			}
		}
		if len(others) > 0 && !reported[a.key()] {
			sort.Strings(others)
			findings = append(findings, Finding{ProblemDuplicate, u.Account, u.DN, a.String(), "also used by " + strings.Join(others, ", ") + " in " + strings.Join(contexts, ", ")})
			reported[a.key()] = true
		}
	}
	if n > 0 && primaries == 0 && scope == nil {
		findings = append(findings, Finding{ProblemNoPrimary, u.Account, u.DN, "", fmt.Sprintf("%d EUM address(es), none primary (upper-case EUM:)", n)})
	}
	if primaries > 1 {
		findings = append(findings, Finding{ProblemManyPrimaries, u.Account, u.DN, "", fmt.Sprintf("%d primary EUM addresses", primaries)})
	}
	return findings, nil
}
