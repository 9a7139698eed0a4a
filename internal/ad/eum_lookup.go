package ad

import (
	"context"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// EUMPlanner plans EUM changes for one command: one user, or every row of a
// CSV file. It finds users and the owners of addresses with indexed equality
// filters, batched (BatchSize values per filter) when many are asked for at
// once, and remembers what it read and planned, so later rows see earlier ones.
// What it costs grows with the work, not with the number of users in the forest.
type EUMPlanner struct {
	d      *Dir
	cat    *Catalog
	byName map[string][]*EUMUser // looked-up name (lower) → users it names
	byDN   map[string]*EUMUser   // lower DN → the user, as planned so far
	owners map[string][]*EUMUser // looked-up address key → users that have it
}

// NewEUMPlanner starts planning EUM changes on d.
func (d *Dir) NewEUMPlanner() *EUMPlanner {
	return &EUMPlanner{d: d, cat: d.Catalog(), byName: map[string][]*EUMUser{}, byDN: map[string]*EUMUser{}, owners: map[string][]*EUMUser{}}
}

// canonical returns the one EUMUser object of an entry's DN, keeping the
// planned state of a user seen before.
func (ep *EUMPlanner) canonical(u *EUMUser) *EUMUser {
	k := strings.ToLower(u.DN)
	if have, ok := ep.byDN[k]; ok {
		return have
	}
	ep.byDN[k] = u
	return u
}

// loadUsers looks up the names not looked up yet, in batched searches, and
// matches the results back to the names through a map (a batch of n names
// costs O(n), not O(n²)).
func (ep *EUMPlanner) loadUsers(ctx context.Context, names []string) error {
	missing := map[string]string{} // nameKey → the name as given
	var terms []string
	for _, n := range names {
		k := nameKey(n)
		if _, ok := ep.byName[k]; ok || k == "" {
			continue
		}
		if _, ok := missing[k]; !ok {
			missing[k] = n
			terms = append(terms, userTerms(n)...)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	es, err := ep.d.SearchAny(ctx, ep.d.RootDSE.DefaultNC, "", terms, userAttrs)
	if err != nil {
		return err
	}
	for k := range missing {
		ep.byName[k] = []*EUMUser{}
	}
	for _, e := range es {
		if !isPerson(e) {
			continue
		}
		fresh := eumUserFromEntry(e)
		u := ep.canonical(fresh)
		for _, k := range fresh.nameKeys() {
			if _, ok := missing[k]; ok && !containsUser(ep.byName[k], u) {
				ep.byName[k] = append(ep.byName[k], u)
			}
		}
	}
	return nil
}

// nameKey is how a user name is compared: DNs normalized, everything else
// lower case, a SIP address with its sip: scheme.
func nameKey(name string) string {
	n := strings.TrimSpace(name)
	if isDN(n) {
		return dnKey(n)
	}
	return strings.ToLower(n) // a UPN and a SIP address without sip: are both keys of a user (see nameKeys)
}

// dnKey normalizes a DN for comparison.
func dnKey(dn string) string {
	parsed, err := ldap.ParseDN(dn)
	if err != nil {
		return strings.ToLower(dn)
	}
	return "dn:" + strings.ToLower(parsed.String())
}

// nameKeys are the nameKeys that name u: account, UPN, SIP addresses with
// and without sip:, and DN.
func (u *EUMUser) nameKeys() []string {
	keys := []string{strings.ToLower(u.Account), strings.ToLower(u.UPN), dnKey(u.DN)}
	sips := []string{u.SIP}
	for _, v := range u.entry.GetAttributeValues("proxyAddresses") {
		if strings.HasPrefix(strings.ToLower(v), "sip:") {
			sips = append(sips, v)
		}
	}
	for _, s := range sips {
		if s = strings.ToLower(s); s != "" {
			keys = append(keys, s, strings.TrimPrefix(s, "sip:"))
		}
	}
	return keys
}

func containsUser(list []*EUMUser, u *EUMUser) bool {
	for _, x := range list {
		if x == u {
			return true
		}
	}
	return false
}

// User finds a user by sAMAccountName, UPN, SIP address (with or without sip:)
// or DN: one indexed search, unless a batch read it already.
func (ep *EUMPlanner) User(ctx context.Context, name string) (*EUMUser, error) {
	if strings.TrimSpace(name) == "" {
		return nil, fieldErr(FieldUser, "", "is empty: give a sAMAccountName, UPN, SIP address or DN")
	}
	if err := ep.loadUsers(ctx, []string{name}); err != nil {
		return nil, err
	}
	found := ep.byName[nameKey(name)]
	switch len(found) {
	case 0:
		return nil, notFoundErr(FieldUser, name, "no user with that sAMAccountName, UPN, SIP address or DN")
	case 1:
		return found[0], nil
	}
	return nil, fieldErr(FieldUser, name, "matches %d users; give the DN", len(found))
}

// loadOwners finds, for the address keys not looked up yet, the objects that
// have them (any object class: Exchange keeps proxy addresses unique across
// recipients), in batched searches.
func (ep *EUMPlanner) loadOwners(ctx context.Context, addrs []EUMAddress) error {
	missing := map[string]bool{}
	var terms []string
	for _, a := range addrs {
		k := a.key()
		if _, ok := ep.owners[k]; ok || missing[k] {
			continue
		}
		missing[k] = true
		terms = append(terms, a.filter())
	}
	if len(missing) == 0 {
		return nil
	}
	es, err := ep.d.ForestSearchAny(ctx, terms, userAttrs)
	if err != nil {
		return err
	}
	for k := range missing {
		ep.owners[k] = []*EUMUser{}
	}
	for _, e := range es {
		u := ep.canonical(eumUserFromEntry(e))
		for _, a := range u.Addresses {
			if k := a.key(); missing[k] && !containsUser(ep.owners[k], u) {
				ep.owners[k] = append(ep.owners[k], u)
			}
		}
	}
	return nil
}

// inContexts returns address in each of the phone contexts.
func inContexts(address string, contexts []string) []EUMAddress {
	out := make([]EUMAddress, len(contexts))
	for i, pc := range contexts {
		out[i] = EUMAddress{Address: address, PhoneContext: pc}
	}
	return out
}

// Owners returns the objects that have address in dp's phone context or an
// equivalent one, with one search (or none, when a batch read them already).
func (ep *EUMPlanner) Owners(ctx context.Context, dp DialPlan, address string) ([]*EUMUser, error) {
	contexts, err := ep.cat.EquivalentContexts(ctx, dp)
	if err != nil {
		return nil, err
	}
	keys := inContexts(address, contexts)
	if err := ep.loadOwners(ctx, keys); err != nil {
		return nil, err
	}
	var out []*EUMUser
	seen := map[*EUMUser]bool{}
	for _, k := range keys {
		for _, u := range ep.owners[k.key()] {
			if !seen[u] {
				seen[u] = true
				out = append(out, u)
			}
		}
	}
	return out, nil
}

// Prefetch reads, for a batch of specs, their users and the owners of every
// address they would add, with batched OR filters: about 2·len(specs)/BatchSize
// searches instead of two per row. Rows that are invalid are skipped here and
// reported by PlanAdd.
func (ep *EUMPlanner) Prefetch(ctx context.Context, specs []EUMSpec) error {
	names := make([]string, len(specs))
	for i, s := range specs {
		names[i] = s.User
	}
	if err := ep.loadUsers(ctx, names); err != nil {
		return err
	}
	var addrs []EUMAddress
	for _, s := range specs {
		found := ep.byName[nameKey(s.User)]
		dp, err := ep.cat.DialPlan(ctx, s.DialPlan)
		if len(found) != 1 || err != nil {
			continue
		}
		want, err := wantedAddresses(found[0], dp, s)
		if err != nil {
			continue
		}
		contexts, err := ep.cat.EquivalentContexts(ctx, dp)
		if err != nil {
			return err
		}
		for _, w := range want {
			addrs = append(addrs, inContexts(w.Address, contexts)...)
		}
	}
	return ep.loadOwners(ctx, addrs)
}
