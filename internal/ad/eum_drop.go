package ad

import (
	"context"
)

// Wanted returns the EUM addresses s asks for on its user (after Prefetch,
// without a search): the extension, and on a SIP URI plan the SIP name too.
func (ep *EUMPlanner) Wanted(ctx context.Context, s EUMSpec) ([]EUMAddress, error) {
	u, err := ep.User(ctx, s.User)
	if err != nil {
		return nil, err
	}
	dp, err := ep.cat.DialPlan(ctx, s.DialPlan)
	if err != nil {
		return nil, err
	}
	return wantedAddresses(u, dp, s)
}

// PlanDrop removes exactly the addresses in drop (each in its phone context,
// compared as the directory does) from a user's EUM addresses, and returns
// the change, or nil when the user has none of them. When the primary goes
// and others stay, the first remaining one becomes primary.
func (ep *EUMPlanner) PlanDrop(ctx context.Context, p *Plan, user string, drop []EUMAddress) (*Change, error) {
	u, err := ep.User(ctx, user)
	if err != nil {
		return nil, err
	}
	gone := map[string]bool{}
	for _, a := range drop {
		gone[a.key()] = true
	}
	_, c := ep.planDrop(p, u, func(a EUMAddress) bool { return gone[a.key()] })
	return c, nil
}

// planDrop plans the removal of u's EUM addresses that match, keeping one
// primary, and returns how many it removes and the change (nil when none).
func (ep *EUMPlanner) planDrop(p *Plan, u *EUMUser, match func(EUMAddress) bool) (int, *Change) {
	var keep []EUMAddress
	removedPrimary, removed := false, 0
	for _, a := range u.Addresses {
		if match(a) {
			removed++
			removedPrimary = removedPrimary || a.Primary
			continue
		}
		keep = append(keep, a)
	}
	if removed == 0 {
		return 0, nil
	}
	if removedPrimary && len(keep) > 0 {
		keep[0].Primary = true
		p.Warnf("%s: the primary EUM address was removed; %s is primary now", u.Account, keep[0].String())
	}
	return removed, ep.planProxies(p, u, keep)
}

// Key identifies an address within its phone context, case-insensitively,
// as the directory compares proxyAddresses.
func (e EUMAddress) Key() string { return e.key() }
