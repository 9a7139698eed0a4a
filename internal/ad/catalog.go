package ad

import (
	"context"
	"sort"
	"strings"
	"sync"
)

// Catalog is the forest configuration every planner shares: the Exchange
// organization, the UM dial plans (with their equivalent phone contexts), the
// numbers of the auto attendants and the Lync pools. Each part is read from
// the directory once, when first asked for, and kept for the life of the Dir
// (one command). Its cost does not grow with the number of users.
type Catalog struct {
	d  *Dir
	mu sync.Mutex

	plans    []DialPlan
	plansOK  bool
	aaNums   map[string][]string // dial plan DN (lower) → numbers
	aaNumsOK bool
	pools    []Pool
	poolsOK  bool
	limits   map[string]int // lower attribute name → rangeUpper
	parts    []partition    // the forest's naming contexts (domains.go)
	partsOK  bool
}

// Catalog returns the Dir's catalog (one per Dir, read lazily).
func (d *Dir) Catalog() *Catalog {
	if d.cat == nil {
		d.cat = &Catalog{d: d}
	}
	return d.cat
}

// Org is the DN of the Exchange organization.
func (c *Catalog) Org(ctx context.Context) (string, error) { return c.d.ExchangeOrg(ctx) }

// DialPlans lists the UM dial plans, sorted by name.
func (c *Catalog) DialPlans(ctx context.Context) ([]DialPlan, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.plansOK {
		plans, err := c.d.DialPlans(ctx)
		if err != nil {
			return nil, err
		}
		c.plans, c.plansOK = plans, true
	}
	return c.plans, nil
}

// DialPlan finds a dial plan by name (case-insensitive, as AD compares cn).
func (c *Catalog) DialPlan(ctx context.Context, name string) (DialPlan, error) {
	plans, err := c.DialPlans(ctx)
	if err != nil {
		return DialPlan{}, err
	}
	if strings.TrimSpace(name) == "" {
		return DialPlan{}, fieldErr(FieldDialPlan, "", "is empty: give a UM dial plan (have: %s)", planNames(plans, nil))
	}
	for _, p := range plans {
		if strings.EqualFold(p.Name, name) {
			return p, nil
		}
	}
	return DialPlan{}, notFoundErr(FieldDialPlan, name, "no such UM dial plan (have: %s)", planNames(plans, nil))
}

// SIPDialPlan finds a SIP URI (SipName) dial plan by name, the kind Lync uses.
func (c *Catalog) SIPDialPlan(ctx context.Context, name string) (DialPlan, error) {
	plans, err := c.DialPlans(ctx)
	if err != nil {
		return DialPlan{}, err
	}
	sip := func(p DialPlan) bool { return p.IsSIP() }
	dp, err := c.DialPlan(ctx, name)
	if fe, ok := AsFieldError(err); ok {
		fe.Reason = "no such UM dial plan (SIP URI dial plans: " + planNames(plans, sip) + ")"
		return DialPlan{}, fe
	}
	if err != nil {
		return DialPlan{}, err
	}
	if !dp.IsSIP() {
		return DialPlan{}, fieldErr(FieldDialPlan, name, "is a %s dial plan; Exchange UM contacts need a SIP URI (SipName) dial plan (have: %s)", dp.URIType, planNames(plans, sip))
	}
	return dp, nil
}

func planNames(plans []DialPlan, keep func(DialPlan) bool) string {
	var names []string
	for _, p := range plans {
		if keep == nil || keep(p) {
			names = append(names, p.Name)
		}
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}

// DialPlanByContext finds the dial plan whose phone context is pc.
func (c *Catalog) DialPlanByContext(ctx context.Context, pc string) (DialPlan, bool, error) {
	plans, err := c.DialPlans(ctx)
	if err != nil || pc == "" {
		return DialPlan{}, false, err
	}
	for _, p := range plans {
		if strings.EqualFold(p.PhoneContext, pc) {
			return p, true, nil
		}
	}
	return DialPlan{}, false, nil
}

// EquivalentContexts returns the phone context of dp and every context
// equivalent to it (listed by dp, or listing dp), sorted: the number space in
// which Exchange checks that an EUM address is unique.
func (c *Catalog) EquivalentContexts(ctx context.Context, dp DialPlan) ([]string, error) {
	plans, err := c.DialPlans(ctx)
	if err != nil {
		return nil, err
	}
	set := map[string]string{strings.ToLower(dp.PhoneContext): dp.PhoneContext}
	for _, pc := range dp.EquivalentPhoneContexts {
		set[strings.ToLower(pc)] = pc
	}
	for _, p := range plans {
		for _, pc := range p.EquivalentPhoneContexts {
			if strings.EqualFold(pc, dp.PhoneContext) {
				set[strings.ToLower(p.PhoneContext)] = p.PhoneContext
			}
		}
	}
	out := make([]string, 0, len(set))
	for _, v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return out, nil
}

// AutoAttendantNumbers returns the numbers of the auto attendants of dp.
func (c *Catalog) AutoAttendantNumbers(ctx context.Context, dp DialPlan) ([]string, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.aaNumsOK {
		nums, err := c.d.autoAttendantNumbers(ctx)
		if err != nil {
			return nil, err
		}
		c.aaNums, c.aaNumsOK = nums, true
	}
	return c.aaNums[strings.ToLower(dp.DN)], nil
}

// Pools lists the Lync pools of every Pools container, sorted by FQDN.
func (c *Catalog) Pools(ctx context.Context) ([]Pool, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.poolsOK {
		pools, err := c.d.Pools(ctx)
		if err != nil {
			return nil, err
		}
		c.pools, c.poolsOK = pools, true
	}
	return c.pools, nil
}

// Pool finds a pool by FQDN, case-insensitively and without a trailing dot.
func (c *Catalog) Pool(ctx context.Context, fqdn string) (Pool, error) {
	pools, err := c.Pools(ctx)
	if err != nil {
		return Pool{}, err
	}
	names := make([]string, 0, len(pools))
	for _, p := range pools {
		if SameFQDN(p.FQDN, fqdn) {
			return p, nil
		}
		names = append(names, p.FQDN)
	}
	return Pool{}, notFoundErr(FieldRegistrarPool, fqdn, "no such pool (pools: %s)", strings.Join(names, ", "))
}

// PoolByHomeServer returns the FQDN of the pool whose service object (or the
// pool itself) dn names, or "".
func (c *Catalog) PoolByHomeServer(ctx context.Context, dn string) (string, error) {
	pools, err := c.Pools(ctx)
	if err != nil || dn == "" {
		return "", err
	}
	for _, p := range pools {
		if sameDN(dn, homeServerDN(p)) || sameDN(dn, p.DN) {
			return p.FQDN, nil
		}
	}
	return "", nil
}

// refield moves a FieldError to another field (the same check, asked through another flag).
func refield(err error, f Field) error {
	if fe, ok := AsFieldError(err); ok {
		fe.Field = f
	}
	return err
}
