package ad

import (
	"sync/atomic"

	"github.com/go-ldap/ldap/v3"
)

// Requester is what a Dir sends its requests through: each call is one LDAP
// round trip (a paged search sends one Search per page).
type Requester interface {
	Search(*ldap.SearchRequest) (*ldap.SearchResult, error)
	Add(*ldap.AddRequest) error
	Modify(*ldap.ModifyRequest) error
	Del(*ldap.DelRequest) error
}

// req is the connection requests go through (a counting wrapper when installed).
func (d *Dir) req() Requester {
	if d.wrap != nil {
		return d.wrap
	}
	return d.conn
}

// RoundTrips counts the requests a Dir sent since CountRoundTrips.
type RoundTrips struct {
	next            Requester
	searches, write atomic.Int64
	entries         atomic.Int64
}

// Searches is the number of search requests (pages) sent.
func (r *RoundTrips) Searches() int64 { return r.searches.Load() }

// Entries is the number of entries the searches returned (each entry sent
// twice, by two filters, counts twice).
func (r *RoundTrips) Entries() int64 { return r.entries.Load() }

// Writes is the number of add, modify and delete requests sent.
func (r *RoundTrips) Writes() int64 { return r.write.Load() }

// Search counts and forwards.
func (r *RoundTrips) Search(q *ldap.SearchRequest) (*ldap.SearchResult, error) {
	r.searches.Add(1)
	res, err := r.next.Search(q)
	if res != nil {
		r.entries.Add(int64(len(res.Entries)))
	}
	return res, err
}

// Add counts and forwards.
func (r *RoundTrips) Add(q *ldap.AddRequest) error { r.write.Add(1); return r.next.Add(q) }

// Modify counts and forwards.
func (r *RoundTrips) Modify(q *ldap.ModifyRequest) error { r.write.Add(1); return r.next.Modify(q) }

// Del counts and forwards.
func (r *RoundTrips) Del(q *ldap.DelRequest) error { r.write.Add(1); return r.next.Del(q) }

// CountRoundTrips makes d count every request it sends from now on (tests
// and benchmarks use it to show what a command costs).
func (d *Dir) CountRoundTrips() *RoundTrips {
	r := &RoundTrips{next: d.req()}
	d.wrap = r
	return r
}
