package manifest

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/go-ldap/ldap/v3"

	"github.com/umctl/umctl/internal/ad"
)

// recorder plans the changes to users' EUM records.
type recorder struct {
	cat   *ad.Catalog
	p     *ad.Plan
	limit *int // adminDescription's rangeUpper once read (0: unbounded)
}

// liveRecord is u's record without the entries u no longer has (removed by
// hand since): they are left out at the next write.
func liveRecord(u *ad.EUMUser) eumRecord {
	r := parseRecord(u.AdminDescription)
	have := keySet(u.Addresses)
	var live []ad.EUMAddress
	for _, e := range r.entries {
		if have[e.Key()] {
			live = append(live, e)
		}
	}
	r.entries = live
	return r
}

// record plans s's record to become entries: in c, the modify that adds or
// removes those addresses (one LDAP modify is applied whole or not at all),
// or in a modify of its own when c is nil. A foreign record is never
// written, and entries that do not fit the attribute's rangeUpper are left
// out; the plan warns of both.
func (r *recorder) record(ctx context.Context, s *eumState, c *ad.Change, entries []ad.EUMAddress) error {
	if s.rec.foreign {
		if !s.warned {
			s.warned = true
			r.p.Warnf("%s: %s holds %q, which umctl did not write: the EUM addresses umctl adds to this user are not recorded, and --prune will never remove them",
				s.user.Account, MarkerAttribute, shorten(s.rec.value))
		}
		return nil
	}
	entries, err := r.fit(ctx, s, entries)
	if err != nil {
		return err
	}
	next := formatRecord(entries)
	if next == s.rec.value || (next == "" && s.rec.value == Marker) {
		s.rec.entries = entries
		return nil
	}
	if c == nil {
		old := &ldap.Entry{DN: s.user.DN, Attributes: []*ldap.EntryAttribute{ldap.NewEntryAttribute(MarkerAttribute, vals(s.rec.value))}}
		r.p.Update(ad.KindUser, old, []ad.Attr{{Name: MarkerAttribute, Vals: vals(next)}})
	} else {
		c.AlsoSwap(MarkerAttribute, vals(s.rec.value), vals(next))
	}
	s.rec = eumRecord{value: next, entries: entries}
	return nil
}

// fit leaves out the last entries until the record fits adminDescription's
// rangeUpper (read from the schema only for a record longer than 64
// characters), warning for each.
func (r *recorder) fit(ctx context.Context, s *eumState, entries []ad.EUMAddress) ([]ad.EUMAddress, error) {
	if utf8.RuneCountInString(formatRecord(entries)) <= 64 {
		return entries, nil
	}
	if r.limit == nil {
		limits, err := r.cat.RangeUppers(ctx, MarkerAttribute)
		if err != nil {
			return nil, err
		}
		n := limits[strings.ToLower(MarkerAttribute)]
		r.limit = &n
	}
	for *r.limit > 0 && len(entries) > 0 && utf8.RuneCountInString(formatRecord(entries)) > *r.limit {
		last := entries[len(entries)-1]
		entries = entries[:len(entries)-1]
		r.p.Warnf("%s: %s has no room left (rangeUpper %d) to record the EUM address %s;phone-context=%s, so --prune will never remove it",
			s.user.Account, MarkerAttribute, *r.limit, last.Address, last.PhoneContext)
	}
	return entries, nil
}

// shorten cuts a long value for a message.
func shorten(v string) string {
	if utf8.RuneCountInString(v) <= 60 {
		return v
	}
	return string([]rune(v)[:57]) + "..."
}
