package sip

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/umctl/umctl/internal/routing"
)

// PresenceEntry is what the running relay believes about one user.
type PresenceEntry struct {
	User       string        `json:"user"`
	Key        string        `json:"key"` // the SIP URI (or number) the state is kept under
	State      routing.State `json:"state"`
	Source     string        `json:"source,omitempty"`
	AgeSeconds *float64      `json:"age_seconds,omitempty"`
	Watched    bool          `json:"watched"`
}

// servePresence answers GET /presence?user=…: the cache's entries for those
// users (every watched user when none), as JSON.
func (m *Metrics) servePresence(w http.ResponseWriter, r *http.Request) {
	m.mu.Lock()
	f := m.presence
	m.mu.Unlock()
	if f == nil {
		http.Error(w, "presence is not kept in memory: presence.sources has no lync or graph (and is not a combination)", http.StatusNotFound)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(f(r.URL.Query()["user"]))
}

// presenceEntries resolves numbers to users as calls do and reads the cache.
func (r *Relay) presenceEntries(cache *routing.Cache, users []string) []PresenceEntry {
	if len(users) == 0 {
		users = cache.Watched()
	}
	ru := r.rules.Load()
	resolvers := routing.Resolvers{ru.numbers}
	if r.directory != nil {
		resolvers = append(resolvers, r.directory)
	}
	out := make([]PresenceEntry, 0, len(users))
	for _, u := range users {
		key := routing.NormalizeURI(u)
		if key == "" {
			out = append(out, PresenceEntry{User: u, State: routing.Unknown})
			continue
		}
		t := routing.WithUser(routing.Target{Key: key}, resolvers)
		e := PresenceEntry{User: u, Key: t.Keys()[0], State: routing.Unknown}
		for _, k := range t.Keys() {
			if ce := cache.Entries(k)[0]; ce.Source != "" {
				age := ce.Age.Seconds()
				e.Key, e.State, e.Source, e.AgeSeconds = k, ce.State, ce.Source, &age
				break
			}
		}
		e.Watched = cache.IsWatched(e.Key)
		out = append(out, e)
	}
	return out
}

// QueryPresence asks a running relay's admin endpoint (metrics:, loopback) what it believes.
func QueryPresence(ctx context.Context, addr string, users []string) ([]PresenceEntry, error) {
	u := url.URL{Scheme: "http", Host: addr, Path: "/presence", RawQuery: url.Values{"user": users}.Encode()}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("the relay's admin endpoint on %s (metrics:): %w; is `umctl relay run` running with this config?", addr, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("the relay on %s: HTTP %d: %s", addr, resp.StatusCode, clipText(body))
	}
	var out []PresenceEntry
	if err := json.Unmarshal(body, &out); err != nil {
		return nil, fmt.Errorf("the relay on %s: %v", addr, err)
	}
	return out, nil
}

func clipText(b []byte) string {
	if len(b) > 300 {
		b = b[:300]
	}
	return string(b)
}
