package ad

import (
	"context"
	"strconv"
	"strings"
	"sync"

	"github.com/go-ldap/ldap/v3"
)

// quietDC tells whether anything but this run wrote to the DC since the run
// connected. Dial reads highestCommittedUSN right after the bind, before
// anything a plan is computed from. Every LDAP add, delete or modify that
// changes an object takes at least one USN of the DC it is written to (its
// uSNChanged; one each, on Samba), so when highestCommittedUSN grew by exactly
// the number of this run's successful writes, nothing else was written in
// between: no other run wrote, after this run read them, the values this run
// claimed. Such a racer writes later, finds this run's values in its own
// re-check (it sees this run's writes in its own window) and backs off. Then
// the re-check has nothing to find, and ApplySettled skips it. On a busy DC
// (other writes: logons, other admins, replication) the re-check runs.
//
// It does not apply (off) when uniqueness was read from a global catalog,
// which may lag behind this DC, when writes went over other connections or
// to the DCs of other domains (route.go), or
// when a written change might have changed nothing (a replace, a case-only
// swap, a read-modify-write): such a write may take no USN and hide another.
type quietDC struct {
	d     *Dir
	start int64

	mu       sync.Mutex
	off      bool
	ok, fail int64 // this run's writes so far: succeeded, failed
}

func newQuietDC(d *Dir) *quietDC {
	start, err := strconv.ParseInt(d.RootDSE.HighestUSN, 10, 64)
	q := &quietDC{d: d, start: start}
	q.off = err != nil || d.gcSettings != nil || d.isGC() || ApplyConnections > 1
	return q
}

// wrote counts a change Apply finished; one written to a DC of another
// domain (route.go) turns the check off.
func (q *quietDC) wrote(c *Change) {
	q.mu.Lock()
	defer q.mu.Unlock()
	switch {
	case c.writer(q.d) != q.d:
		q.off = true
	case c.Status != StatusDone:
		q.fail++
	case !takesUSN(c):
		q.off = true
	default:
		q.ok++
	}
}

// stillQuiet reads highestCommittedUSN. While writes go on (final false), it
// reports false once more USNs were taken than this run can have taken (its
// writes finished so far and those in flight); after the last write (final),
// it reports true only if the USNs taken are exactly this run's successful
// writes. Once it reported false it does so for good.
func (q *quietDC) stillQuiet(ctx context.Context, final bool) bool {
	q.mu.Lock()
	off := q.off
	q.mu.Unlock()
	if off {
		return false
	}
	now, err := q.d.highestUSN(ctx)
	q.mu.Lock()
	defer q.mu.Unlock()
	most := q.ok
	if !final {
		most += q.fail + int64(ApplyPipeline*ApplyConnections)
	}
	if err != nil || now-q.start > most || (final && now-q.start != q.ok) {
		q.off = true
	}
	return !q.off
}

// highestUSN reads the DC's highestCommittedUSN (without touching d.RootDSE,
// which other goroutines read meanwhile).
func (d *Dir) highestUSN(ctx context.Context) (int64, error) {
	if err := ctx.Err(); err != nil {
		return 0, err
	}
	res, err := d.req().Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"highestCommittedUSN"}, nil))
	if err != nil {
		return 0, err
	}
	if len(res.Entries) != 1 {
		return 0, ErrNotFound
	}
	return strconv.ParseInt(res.Entries[0].GetAttributeValue("highestCommittedUSN"), 10, 64)
}

// takesUSN reports whether a successful c certainly changed its object: an
// add or delete of an object, or a modify that adds a value it does not
// delete in the same request or deletes one it does not add back (the DC
// refuses to add a value that is there or delete one that is not).
func takesUSN(c *Change) bool {
	switch r := c.req.(type) {
	case *ldap.AddRequest, *ldap.DelRequest:
		return true
	case *ldap.ModifyRequest:
		for _, ch := range r.Changes {
			other := uint(ldap.DeleteAttribute)
			if ch.Operation == ldap.DeleteAttribute {
				other = ldap.AddAttribute
			}
			if ch.Operation != ldap.AddAttribute && ch.Operation != ldap.DeleteAttribute {
				continue
			}
			for _, v := range ch.Modification.Vals {
				if !inModify(r, other, ch.Modification.Type, v) {
					return true
				}
			}
		}
	}
	return false
}

// inModify reports whether r has an op on attr with a value equal to v (case
// aside: a case-only change may take no USN).
func inModify(r *ldap.ModifyRequest, op uint, attr, v string) bool {
	for _, ch := range r.Changes {
		if ch.Operation != op || !strings.EqualFold(ch.Modification.Type, attr) {
			continue
		}
		for _, w := range ch.Modification.Vals {
			if strings.EqualFold(v, w) {
				return true
			}
		}
	}
	return false
}
