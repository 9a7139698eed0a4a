package routing

import (
	"context"
	"sort"
	"sync"
	"sync/atomic"
	"time"
)

// Cache is the presence the relay serves from memory: background sources
// (a Lync/Skype for Business subscription, a Microsoft Graph poller, the
// presence file) feed it, and the INVITE path only reads it. Each user keeps
// one entry per source with the state, when that source last confirmed it and
// since when the source has said so. Of the live entries the most recent
// statement wins (the latest change, so that an operator who writes the
// presence file overrides Lync or Graph until they report a change). An entry
// not confirmed for MaxAge counts as Unknown, except the file's, which is the
// operator's own statement.
type Cache struct {
	maxAge  time.Duration
	now     func() time.Time
	mu      sync.RWMutex
	users   map[string][]cacheEntry
	watched map[string]struct{}
	feeds   []*Feed
}

type cacheEntry struct {
	feed  uint8
	state State
	at    int64 // unix nanoseconds of the last confirmation
	since int64 // unix nanoseconds of the report that set this state
}

// Feed is one source's handle on the cache, with its counters.
type Feed struct {
	c       *Cache
	id      uint8
	Name    string
	Stale   bool // entries expire after MaxAge (false for the presence file)
	updates atomic.Int64
	errors  atomic.Int64
}

// NewCache makes an empty cache; entries older than maxAge count as Unknown.
func NewCache(maxAge time.Duration) *Cache {
	return &Cache{maxAge: maxAge, now: time.Now, users: map[string][]cacheEntry{}, watched: map[string]struct{}{}}
}

// SetClock replaces the clock (tests).
func (c *Cache) SetClock(now func() time.Time) { c.now = now }

// Feed registers a source by name; entries from it expire after MaxAge when stale is true.
func (c *Cache) Feed(name string, stale bool) *Feed {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := &Feed{c: c, id: uint8(len(c.feeds)), Name: name, Stale: stale}
	c.feeds = append(c.feeds, f)
	return f
}

func (c *Cache) instant() {}

// SetWatched replaces the set of users the relay can route to (normalised
// keys). Entries of users no longer watched are dropped.
func (c *Cache) SetWatched(keys []string) {
	w := make(map[string]struct{}, len(keys))
	for _, k := range keys {
		w[k] = struct{}{}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.watched = w
	for k := range c.users {
		if _, ok := w[k]; !ok {
			delete(c.users, k)
		}
	}
}

// Watched returns the watched keys, sorted.
func (c *Cache) Watched() []string {
	c.mu.RLock()
	out := make([]string, 0, len(c.watched))
	for k := range c.watched {
		out = append(out, k)
	}
	c.mu.RUnlock()
	sort.Strings(out)
	return out
}

// IsWatched says whether key is in the watched set.
func (c *Cache) IsWatched(key string) bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	_, ok := c.watched[key]
	return ok
}

// Lookup answers from memory: the freshest live entry of the target's first
// key that has one, else Unknown. It never blocks on a source.
func (c *Cache) Lookup(_ context.Context, t Target) (State, error) {
	now := c.now().UnixNano()
	c.mu.RLock()
	defer c.mu.RUnlock()
	for _, k := range t.Keys() {
		if e, ok := c.best(k, now); ok {
			return e.state, nil
		}
	}
	return Unknown, nil
}

// best is the freshest entry of key that has not gone stale; under c.mu.
func (c *Cache) best(key string, now int64) (cacheEntry, bool) {
	var out cacheEntry
	found := false
	for _, e := range c.users[key] {
		if c.feeds[e.feed].Stale && now-e.at > int64(c.maxAge) {
			continue
		}
		if !found || e.since > out.since {
			out, found = e, true
		}
	}
	return out, found
}

// Entry is what the cache believes about one user.
type Entry struct {
	Key    string        `json:"key"`
	State  State         `json:"state"`
	Source string        `json:"source,omitempty"`
	Age    time.Duration `json:"age"`
}

// Entries lists what the cache believes for the given keys (all watched keys when none).
func (c *Cache) Entries(keys ...string) []Entry {
	if len(keys) == 0 {
		keys = c.Watched()
	}
	now := c.now()
	c.mu.RLock()
	defer c.mu.RUnlock()
	out := make([]Entry, 0, len(keys))
	for _, k := range keys {
		e, ok := c.best(k, now.UnixNano())
		if !ok {
			out = append(out, Entry{Key: k, State: Unknown})
			continue
		}
		out = append(out, Entry{Key: k, State: e.state, Source: c.feeds[e.feed].Name, Age: now.Sub(time.Unix(0, e.at))})
	}
	return out
}

// Set records a state the source reported at time at; false (and a counted
// error) when the user is not watched.
func (f *Feed) Set(key string, s State, at time.Time) bool {
	c := f.c
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.watched[key]; !ok {
		f.errors.Add(1)
		return false
	}
	f.put(key, s, at.UnixNano())
	f.updates.Add(1)
	return true
}

// put stores the entry; under c.mu.
func (f *Feed) put(key string, s State, at int64) {
	list := f.c.users[key]
	for i := range list {
		if list[i].feed == f.id {
			if list[i].state != s || !f.Stale || at < list[i].since { // the file: each version is a new statement
				list[i].since = at
			}
			list[i].state, list[i].at = s, at
			return
		}
	}
	f.c.users[key] = append(list, cacheEntry{feed: f.id, state: s, at: at, since: at})
}

// Confirm marks the source's entries of keys as still true at time at (a
// refreshed subscription, a poll that found no change).
func (f *Feed) Confirm(keys []string, at time.Time) {
	c := f.c
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, k := range keys {
		for i, e := range c.users[k] {
			if e.feed == f.id {
				c.users[k][i].at = at.UnixNano()
			}
		}
	}
}

// Forget drops the source's entry of key (a user removed from the file, a
// resource the server ended); the other sources' entries stay.
func (f *Feed) Forget(key string) {
	c := f.c
	c.mu.Lock()
	defer c.mu.Unlock()
	list := c.users[key]
	for i, e := range list {
		if e.feed == f.id {
			c.users[key] = append(list[:i:i], list[i+1:]...)
			break
		}
	}
	if len(c.users[key]) == 0 {
		delete(c.users, key)
	}
}

// Error counts a failure of the source (a bad body, a failed subscription or poll).
func (f *Feed) Error() { f.errors.Add(1) }

// Updates and Errors are the source's counters.
func (f *Feed) Updates() int64 { return f.updates.Load() }

// Errors is the count of the source's failures.
func (f *Feed) Errors() int64 { return f.errors.Load() }
