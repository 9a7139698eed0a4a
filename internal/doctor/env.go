package doctor

import (
	"context"
	"sync"

	"github.com/umctl/umctl/internal/ad"
)

// Env is what the checks share: the directory, its catalog, and the gateways,
// contacts and EUM users, each read once when a check first asks.
type Env struct {
	Dir *ad.Dir

	eum      *ad.EUMPlanner
	gateways lazy[[]ad.Gateway]
	contacts lazy[[]ad.Contact]
	users    lazy[[]*ad.EUMUser]
}

// NewEnv prepares the checks' shared reads of d (nothing is read yet).
func NewEnv(d *ad.Dir) *Env { return &Env{Dir: d, eum: d.NewEUMPlanner()} }

// Catalog is the directory's catalog: dial plans, pools, auto attendant numbers.
func (e *Env) Catalog() *ad.Catalog { return e.Dir.Catalog() }

// EUM is the EUM planner the eum checks use (it keeps what it has read).
func (e *Env) EUM() *ad.EUMPlanner { return e.eum }

// Gateways are the UM IP gateways with their hunt groups (two searches, once).
func (e *Env) Gateways(ctx context.Context) ([]ad.Gateway, error) {
	return e.gateways.get(func() ([]ad.Gateway, error) { return e.Dir.Gateways(ctx) })
}

// Contacts are every Exchange UM contact (one search, once).
func (e *Env) Contacts(ctx context.Context) ([]ad.Contact, error) {
	return e.contacts.get(func() ([]ad.Contact, error) { return e.Dir.Contacts(ctx, ad.ContactFilter{}) })
}

// EUMUsers are every object with an EUM address (one paged search, once).
func (e *Env) EUMUsers(ctx context.Context) ([]*ad.EUMUser, error) {
	return e.users.get(func() ([]*ad.EUMUser, error) { return e.eum.AllUsers(ctx) })
}

// lazy holds a value read on first use; a failed read is retried next time.
type lazy[T any] struct {
	mu sync.Mutex
	v  T
	ok bool
}

func (l *lazy[T]) get(read func() (T, error)) (T, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if !l.ok {
		v, err := read()
		if err != nil {
			return v, err
		}
		l.v, l.ok = v, true
	}
	return l.v, nil
}
