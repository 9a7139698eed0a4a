package manifest

import (
	"context"
	"fmt"
	"strings"

	"github.com/umctl/umctl/internal/ad"
)

// eumOptions are what planEUM needs from Plan.
type eumOptions struct {
	keep    keepFunc
	refused refuseFunc
	prune   bool
}

// eumState is one listed user as planned so far.
type eumState struct {
	entry  EUMUser
	user   *ad.EUMUser
	rec    eumRecord
	warned bool // the record is foreign and the plan says so
}

// planEUM plans the EUM addresses of the users the manifest lists (others are
// never touched): the addresses it lists are added, each recorded in the
// user's EUM record in the same modify; with prune, the recorded ones it no
// longer lists are removed first (so an extension can move between users in
// one run). Addresses umctl did not add are never removed.
func planEUM(ctx context.Context, d *ad.Dir, p *ad.Plan, m *Manifest, o eumOptions) error {
	var users []EUMUser
	var specs []ad.EUMSpec
	for _, u := range m.EUM {
		if o.keep("eum", u.User) {
			users = append(users, u)
			for _, a := range u.Addresses {
				specs = append(specs, a.spec(u.User))
			}
		}
	}
	if len(specs) == 0 {
		return nil
	}
	ep := d.NewEUMPlanner()
	if err := ep.Prefetch(ctx, specs); err != nil {
		return err
	}
	r := &recorder{cat: d.Catalog(), p: p}
	var states []*eumState
	byDN := map[string]EUMUser{}
	for _, u := range users {
		du, err := ep.User(ctx, u.User)
		if err == nil {
			err = sameUser(byDN, u, du.DN)
		}
		if err != nil {
			if err := o.refused(u.At.field("user"), err); err != nil {
				return err
			}
			continue
		}
		states = append(states, &eumState{entry: u, user: du, rec: liveRecord(du)})
	}
	if o.prune {
		for _, s := range states {
			if err := pruneUser(ctx, ep, r, s); err != nil {
				return err
			}
		}
	}
	for _, s := range states {
		if err := addUser(ctx, ep, r, s, o.refused); err != nil {
			return err
		}
	}
	return nil
}

// sameUser refuses an entry for a user another entry names already under
// another name (an account and its UPN): planned as two users, their two
// modifies would each set the user's EUM record, and with prune each would
// remove the addresses the other adds.
func sameUser(byDN map[string]EUMUser, u EUMUser, dn string) error {
	key := strings.ToLower(dn)
	if first, ok := byDN[key]; ok {
		return &ad.FieldError{Field: ad.FieldUser, Value: u.User, Reason: fmt.Sprintf("is also given as %q at %s:%d (%s): list each user once", first.User, first.At.File, first.At.Line, dn)}
	}
	byDN[key] = u
	return nil
}

func (a EUMAddress) spec(user string) ad.EUMSpec {
	return ad.EUMSpec{User: user, DialPlan: a.DialPlan, Extension: a.Extension, SIPName: a.SIPName, Primary: a.Primary}
}

// addUser plans the user's listed addresses and records those it adds.
func addUser(ctx context.Context, ep *ad.EUMPlanner, r *recorder, s *eumState, refused refuseFunc) error {
	for _, a := range s.entry.Addresses {
		before := keySet(s.user.Addresses)
		n := len(r.p.Changes)
		if err := refused(a.At, ep.PlanAdd(ctx, r.p, a.spec(s.entry.User))); err != nil {
			return err
		}
		c := userModify(r.p.Changes[n:], s.user.DN)
		if c == nil {
			continue
		}
		var added []ad.EUMAddress
		for _, x := range s.user.Addresses {
			if !before[x.Key()] && !s.rec.has(x) {
				added = append(added, ad.EUMAddress{Address: x.Address, PhoneContext: x.PhoneContext})
			}
		}
		if len(added) > 0 {
			if err := r.record(ctx, s, c, append(append([]ad.EUMAddress{}, s.rec.entries...), added...)); err != nil {
				return err
			}
		}
	}
	return nil
}

// userModify is the modify of dn among changes, nil when there is none.
func userModify(changes []*ad.Change, dn string) *ad.Change {
	for i := len(changes) - 1; i >= 0; i-- {
		if c := changes[i]; c.Action == ad.ActionModify && c.DN == dn {
			return c
		}
	}
	return nil
}

func keySet(addrs []ad.EUMAddress) map[string]bool {
	out := make(map[string]bool, len(addrs))
	for _, a := range addrs {
		out[a.Key()] = true
	}
	return out
}
