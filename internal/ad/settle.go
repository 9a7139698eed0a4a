package ad

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Concurrent umctl runs each check that a value is free and then write it, so
// two runs can both find it free and both write it. The re-check of
// ApplySettled (settle_pipeline.go) closes that window: after the writes,
// every value the plan claimed (an EUM address, a SIP
// address, a line URI) is looked up again with the same equality filters. If
// another object has it too, the object that was written first keeps it: the
// one with the lower uSNChanged (ties, possible only between two DCs, go to the
// lower objectGUID). The later writer undoes its own change and fails with
// ErrConflict.
//
// Why this decides exactly one winner: each run writes before it re-reads. Of
// two runs that both wrote, at least the later writer's re-read sees the
// earlier write (the earlier one's re-read may or may not see the later
// write; if it does, both compare the same two keys and agree). A run whose
// re-read finds only its own object keeps the value; the later writer then
// finds it with a lower key and backs off. The order holds as long as nothing
// else changes the earlier writer's object between the two writes and the
// re-reads (a few milliseconds), which is why a claim is re-read only after
// this run's last write to its object; what another tool leaves behind is
// found by `eum check` and `contact check`.
//
// A change that lost any of its values is undone whole, with every other
// change of this run to that object, so in a three-way race
// a value can end with no holder; every run that wanted it then fails. A run
// succeeds only when its object holds every value it wrote and no object got
// one earlier.
//
// The re-check reads the DC that took the writes, not the global catalog: the
// GC may not have this run's write yet, and USNs order writes only within one
// DC. So the guarantee is between runs writing to the same DC (the same
// --server, or the same DC of the object's domain when writes are routed,
// route.go); runs on two DCs see each other only after replication.

// claimKind says which unique value a Claim is.
type claimKind int

const (
	claimEUM  claimKind = iota // an EUM proxy address in a set of equivalent phone contexts
	claimSIP                   // a SIP address: msRTCSIP-PrimaryUserAddress or a sip: proxy address
	claimLine                  // a number: msRTCSIP-Line tel:<number>[;ext=…]
)

// Claim is a unique value a planned change gives an object.
type Claim struct {
	kind     claimKind
	what     string   // for messages: `extension "1001" in dial plan SipDP`
	value    string   // EUM address, sip:… address, or number
	contexts []string // claimEUM: the phone contexts that count as one
	dn       string   // the object that gets it
	change   *Change  // the change that writes it
}

// StatusUndone is the status of a change that was written and then undone
// because a concurrent run wrote the same unique value first.
const StatusUndone Status = "undone"

// ErrRaceLost means a concurrent run wrote the same unique value first; this
// run's change was undone. It is also ErrConflict.
var ErrRaceLost = &kindError{"conflict", ErrConflict}

// claim records that c gives dn a unique value.
func (p *Plan) claim(kind claimKind, what, value string, contexts []string, dn string, c *Change) {
	p.Claims = append(p.Claims, &Claim{kind: kind, what: what, value: value, contexts: contexts, dn: dn, change: c})
}

// terms are the equality filters that find every holder of the claimed value.
func (c *Claim) terms() []string {
	switch c.kind {
	case claimEUM:
		var out []string
		for _, a := range inContexts(c.value, c.contexts) {
			out = append(out, a.filter())
		}
		return out
	case claimSIP:
		return []string{Filter("msRTCSIP-PrimaryUserAddress", c.value), Filter("proxyAddresses", c.value)}
	}
	var out []string
	for _, uri := range lineURIs(c.value) {
		out = append(out, Filter("msRTCSIP-Line", uri))
	}
	return out
}

// heldBy reports whether entry e has the claimed value.
func (c *Claim) heldBy(e *ldap.Entry) bool {
	switch c.kind {
	case claimEUM:
		for _, v := range e.GetAttributeValues("proxyAddresses") {
			a, ok := ParseEUM(v)
			if ok && strings.EqualFold(a.Address, c.value) && containsFold(c.contexts, a.PhoneContext) {
				return true
			}
		}
		return false
	case claimSIP:
		return slices.Contains(sipValues(e), strings.ToLower(c.value))
	}
	return lineNumber(e) == c.value
}

// indexHolders maps each unique value the entries hold (holderKeys) to the
// entries, so that judging n claims against n entries is O(n), not O(n²)
// (5,000 CSV rows spent 6 s of CPU in heldBy before).
func indexHolders(es []*ldap.Entry) map[string][]*ldap.Entry {
	out := make(map[string][]*ldap.Entry, len(es))
	for _, e := range es {
		for _, k := range holderKeys(e) {
			out[k] = append(out[k], e)
		}
	}
	return out
}

// holderKeys are the unique values an entry holds, as keys: each EUM proxy
// address in its phone context, each SIP address, its line URI's number.
func holderKeys(e *ldap.Entry) []string {
	var out []string
	for _, v := range e.GetAttributeValues("proxyAddresses") {
		if a, ok := ParseEUM(v); ok {
			out = append(out, "eum:"+a.key())
		}
	}
	for _, v := range sipValues(e) {
		out = append(out, "sip:"+v)
	}
	if n := lineNumber(e); n != "" {
		out = append(out, "line:"+n)
	}
	return out
}

// candidates are the indexed entries that may hold the claimed value, each
// once, in the order found; heldBy still decides.
func (c *Claim) candidates(holders map[string][]*ldap.Entry) []*ldap.Entry {
	var keys []string
	switch c.kind {
	case claimEUM:
		for _, a := range inContexts(c.value, c.contexts) {
			keys = append(keys, "eum:"+a.key())
		}
	case claimSIP:
		keys = []string{"sip:" + strings.ToLower(c.value)}
	default:
		keys = []string{"line:" + strings.ToLower(c.value)}
	}
	var out []*ldap.Entry
	seen := map[*ldap.Entry]bool{}
	for _, k := range keys {
		for _, e := range holders[k] {
			if !seen[e] {
				seen[e] = true
				out = append(out, e)
			}
		}
	}
	return out
}

// lineNumber is the number of an entry's line URI (tel:<number>[;…]), or "".
func lineNumber(e *ldap.Entry) string {
	n, ok := strings.CutPrefix(strings.ToLower(e.GetAttributeValue("msRTCSIP-Line")), "tel:")
	if !ok {
		return ""
	}
	n, _, _ = strings.Cut(n, ";")
	return n
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// writtenBefore orders two holders of a value: the lower uSNChanged was written
// first; equal USNs (two DCs) are ordered by objectGUID.
func writtenBefore(a, b *ldap.Entry) bool {
	ua, _ := strconv.ParseInt(a.GetAttributeValue("uSNChanged"), 10, 64)
	ub, _ := strconv.ParseInt(b.GetAttributeValue("uSNChanged"), 10, 64)
	if ua != ub {
		return ua < ub
	}
	return bytes.Compare(a.GetRawAttributeValue("objectGUID"), b.GetRawAttributeValue("objectGUID")) < 0
}

var settleAttrs = []string{"objectClass", "proxyAddresses", "msRTCSIP-PrimaryUserAddress", "msRTCSIP-Line", "uSNChanged", "objectGUID"}

// judge decides one claim from the holders found: "" when this run keeps the
// value, else the reason it must back off.
func (d *Dir) judge(p *Plan, c *Claim, es []*ldap.Entry) string {
	var self *ldap.Entry
	var others []*ldap.Entry
	for _, e := range es {
		switch {
		case !c.heldBy(e):
		case sameDN(e.DN, c.dn):
			self = e
		default:
			others = append(others, e)
		}
	}
	if self == nil {
		return fmt.Sprintf("%s: %s no longer has it (changed by someone else just now)", c.what, c.dn)
	}
	for _, o := range others {
		if writtenBefore(o, self) {
			return fmt.Sprintf("%s was written to %s at the same time, first: that object keeps it, and this run's change to %s was undone", c.what, o.DN, c.dn)
		}
	}
	for _, o := range others {
		p.Warnf("%s was also written to %s just after this run wrote it to %s; a umctl run that did that backs off, another tool does not (see `umctl eum check`, `umctl contact check`)", c.what, o.DN, c.dn)
	}
	return ""
}

// undo reverses a written change: deletes the object an add created, or sends
// the inverse of a modify (which fails, changing nothing, when the object
// changed again since).
func (d *Dir) undo(ctx context.Context, c *Change) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	var err error
	switch r := c.undo.(type) {
	case *ldap.DelRequest:
		err = d.req().Del(r)
	case *ldap.ModifyRequest:
		err = d.req().Modify(r)
	default:
		err = errors.New("this change cannot be undone")
	}
	if err != nil {
		return classify(err)
	}
	c.Status = StatusUndone
	return nil
}
