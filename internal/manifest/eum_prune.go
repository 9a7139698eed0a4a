package manifest

import (
	"context"

	"github.com/umctl/umctl/internal/ad"
)

// pruneUser plans the removal of the addresses s's record names that the
// manifest no longer lists for s, and drops them (and entries whose address
// is gone) from the record in the same modify. Addresses not recorded, added
// by hand or by another tool, are never removed.
func pruneUser(ctx context.Context, ep *ad.EUMPlanner, r *recorder, s *eumState) error {
	if s.rec.foreign || s.rec.value == "" {
		return nil
	}
	wanted := map[string]bool{}
	for _, a := range s.entry.Addresses {
		ws, err := ep.Wanted(ctx, a.spec(s.entry.User))
		if err != nil {
			continue // PlanAdd reports it at the address's line
		}
		for _, w := range ws {
			wanted[w.Key()] = true
		}
	}
	var drop, kept []ad.EUMAddress
	for _, e := range s.rec.entries {
		if wanted[e.Key()] {
			kept = append(kept, e)
		} else {
			drop = append(drop, e)
		}
	}
	var c *ad.Change
	if len(drop) > 0 {
		var err error
		if c, err = ep.PlanDrop(ctx, r.p, s.entry.User, drop); err != nil {
			return err
		}
	}
	return r.record(ctx, s, c, kept)
}

// EUMRemovals counts the EUM addresses a plan removes from users (--prune):
// a removal, like a deletion, is confirmed before apply.
func EUMRemovals(p *ad.Plan) int {
	n := 0
	for _, c := range p.Changes {
		if c.Kind != ad.KindUser || c.Action != ad.ActionModify {
			continue
		}
		for _, d := range c.Diffs {
			if d.Name != "proxyAddresses" {
				continue
			}
			kept := map[string]bool{}
			for _, v := range d.New {
				if a, ok := ad.ParseEUM(v); ok {
					kept[a.Key()] = true
				}
			}
			for _, v := range d.Old {
				if a, ok := ad.ParseEUM(v); ok && !kept[a.Key()] {
					n++
				}
			}
		}
	}
	return n
}
