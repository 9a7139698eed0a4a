package ad

import (
	"context"
	"slices"
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
// planned state of a user seen before. An authoritative entry (from the DC
// that is written) replaces one read from the global catalog, which may lag,
// unless a change was planned from it already.
func (ep *EUMPlanner) canonical(u *EUMUser, authoritative bool) *EUMUser {
	k := strings.ToLower(u.DN)
	have, ok := ep.byDN[k]
	if !ok {
		u.fromGC = !authoritative
		ep.byDN[k] = u
		return u
	}
	if authoritative && have.fromGC && !have.planned {
		have.Account, have.UPN, have.SIP, have.Addresses, have.entry, have.fromGC = u.Account, u.UPN, u.SIP, u.Addresses, u.entry, false
		have.AdminDescription = u.AdminDescription // not in the global catalog
	}
	return have
}

// loadUsers looks up the names not looked up yet.
func (ep *EUMPlanner) loadUsers(ctx context.Context, names []string) error {
	return ep.load(ctx, names, nil)
}

// load looks up, in one series of batched searches, the user names and the
// address keys not looked up yet: each result is matched back to the names
// and keys it answers through maps (n rows cost O(n), not O(n²)), and a user
// that answers both (the usual re-run) comes back once.
func (ep *EUMPlanner) load(ctx context.Context, names []string, addrs []EUMAddress) error {
	asked := names
	names, addrs, nameTerms, addrTerms := ep.missing(names, addrs)
	if len(nameTerms)+len(addrTerms) == 0 {
		return nil
	}
	es, err := ep.search(ctx, nameTerms, addrTerms)
	if err != nil {
		return err
	}
	wantName, wantAddr := map[string]bool{}, map[string]bool{}
	for _, k := range names {
		ep.byName[k], wantName[k] = []*EUMUser{}, true
	}
	for _, a := range addrs {
		ep.owners[a.key()], wantAddr[a.key()] = []*EUMUser{}, true
	}
	for _, e := range es {
		fresh := eumUserFromEntry(e.Entry)
		u := ep.canonical(fresh, e.authoritative)
		if isPerson(e.Entry) && e.authoritative {
			for _, k := range fresh.nameKeys() {
				if wantName[k] && !slices.Contains(ep.byName[k], u) {
					ep.byName[k] = append(ep.byName[k], u)
				}
			}
		}
		for _, a := range u.Addresses {
			if k := a.key(); wantAddr[k] && !slices.Contains(ep.owners[k], u) {
				ep.owners[k] = append(ep.owners[k], u)
			}
		}
	}
	return ep.loadElsewhere(ctx, asked, names) // users of other domains, with a global catalog
}

// found is a search result, and whether it came from the DC that is written
// (authoritative) or from the global catalog.
type found struct {
	*ldap.Entry
	authoritative bool
}

// search runs the batched searches of load. Users are read from the DC that
// is written; the owners of addresses from the global catalog when one is
// configured (forest-wide), else from the same DC, in the same filters as
// the users (a user who has the address it asks for comes back once).
func (ep *EUMPlanner) search(ctx context.Context, nameTerms, addrTerms []string) ([]found, error) {
	gc, err := ep.d.GlobalCatalog(ctx)
	if err != nil {
		return nil, err
	}
	var out []found
	if gc == nil {
		nameTerms, addrTerms = interleave(nameTerms, addrTerms), nil
	}
	es, err := ep.d.SearchAny(ctx, ep.d.RootDSE.DefaultNC, "", nameTerms, userAttrs)
	if err != nil {
		return nil, err
	}
	for _, e := range es {
		out = append(out, found{e, true})
	}
	es, err = ep.d.ForestSearchAny(ctx, addrTerms, userAttrs)
	for _, e := range es {
		out = append(out, found{e, false})
	}
	return out, err
}

// missing returns the name keys and addresses not looked up yet, each once,
// and the filter terms that find them.
func (ep *EUMPlanner) missing(names []string, addrs []EUMAddress) (keys []string, todo []EUMAddress, nameTerms, addrTerms []string) {
	seen := map[string]bool{}
	for _, n := range names {
		k := nameKey(n)
		if _, ok := ep.byName[k]; ok || k == "" || seen[k] {
			continue
		}
		seen[k] = true
		keys = append(keys, k)
		nameTerms = append(nameTerms, userTerms(n)...)
	}
	for _, a := range addrs {
		k := "eum:" + a.key()
		if _, ok := ep.owners[a.key()]; ok || seen[k] {
			continue
		}
		seen[k] = true
		todo = append(todo, a)
		addrTerms = append(addrTerms, a.filter())
	}
	return keys, todo, nameTerms, addrTerms
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
	return ep.load(ctx, nil, addrs)
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
// searches instead of two per row. Addresses known without the user (the
// extension, a given SIP name) are looked up together with the users; SIP
// names that default to the user's SIP address follow in a second series.
// Rows that are invalid are skipped here and reported by PlanAdd.
func (ep *EUMPlanner) Prefetch(ctx context.Context, specs []EUMSpec) error {
	names := make([]string, len(specs))
	var known []EUMAddress
	for i, s := range specs {
		names[i] = s.User
		addrs, err := ep.specAddresses(ctx, s, &EUMUser{SIP: "sip:x@x"})
		if err == nil {
			for _, a := range addrs {
				if s.SIPName != "" || !a.IsSIP() {
					known = append(known, a)
				}
			}
		}
	}
	if err := ep.load(ctx, names, known); err != nil {
		return err
	}
	var derived []EUMAddress
	for _, s := range specs {
		found := ep.byName[nameKey(s.User)]
		if len(found) != 1 || s.SIPName != "" {
			continue
		}
		addrs, err := ep.specAddresses(ctx, s, found[0])
		if err == nil {
			derived = append(derived, addrs...)
		}
	}
	return ep.loadOwners(ctx, derived)
}

// specAddresses are the addresses s would add to u, in the plan's phone
// context and each equivalent one; an error means the row is invalid.
func (ep *EUMPlanner) specAddresses(ctx context.Context, s EUMSpec, u *EUMUser) ([]EUMAddress, error) {
	dp, err := ep.cat.DialPlan(ctx, s.DialPlan)
	if err != nil {
		return nil, err
	}
	want, err := wantedAddresses(u, dp, s)
	if err != nil {
		return nil, err
	}
	contexts, err := ep.cat.EquivalentContexts(ctx, dp)
	if err != nil {
		return nil, err
	}
	var out []EUMAddress
	for _, w := range want {
		out = append(out, inContexts(w.Address, contexts)...)
	}
	return out, nil
}

// interleave merges two lists of filter terms in proportion, keeping each
// list's order: a row's name term and the terms of the addresses it would
// take land in the same OR filter, so a user who already has them (an
// unchanged re-run) is sent once, not once per filter.
func interleave(a, b []string) []string {
	out := make([]string, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		if j >= len(b) || (i < len(a) && i*len(b) <= j*len(a)) {
			out = append(out, a[i])
			i++
			continue
		}
		out = append(out, b[j])
		j++
	}
	return out
}
