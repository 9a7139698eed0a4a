package routing

import (
	"context"
	"log/slog"
	"strings"
	"time"
)

// Resolver maps a number to the user (sip:user@domain) whose line it is.
type Resolver interface {
	Resolve(number string) (string, bool)
}

// StaticResolver is a fixed table (config `numbers:`), keys and values normalised.
type StaticResolver map[string]string

// NewStaticResolver normalises a number → SIP URI table; bad entries are skipped and returned.
func NewStaticResolver(table map[string]string) (StaticResolver, []string) {
	out := StaticResolver{}
	var bad []string
	for n, u := range table {
		k, v := NormalizeURI(n), NormalizeURI(u)
		if k == "" || v == "" || NormalizeNumber(k) == "" {
			bad = append(bad, n)
			continue
		}
		out[k] = v
	}
	return out, bad
}

// Resolve looks the number up.
func (s StaticResolver) Resolve(number string) (string, bool) { u, ok := s[number]; return u, ok }

// RefreshingResolver reloads its table in the background (the AD lookup on
// msRTCSIP-Line: numbers to SIP URIs, and SIP URIs to EUM proxy addresses);
// lookups read the last table from memory.
type RefreshingResolver struct {
	table func() map[string]string
}

// NewRefreshingResolver loads once (an error is returned and the table stays
// empty), then every interval until ctx ends; failed reloads keep the old table.
func NewRefreshingResolver(ctx context.Context, load func(context.Context) (map[string]string, error), every time.Duration, log *slog.Logger) (*RefreshingResolver, error) {
	table, err := RefreshMap(ctx, load, normalizeLine, every, log, "number lookup refresh failed; keeping the previous table")
	return &RefreshingResolver{table: table}, err
}

// normalizeLine normalises one number → SIP URI (or EUM address) entry.
func normalizeLine(n, u string) (string, string, bool) {
	k, v := NormalizeURI(n), NormalizeURI(u)
	if strings.HasPrefix(strings.ToLower(u), "eum:") {
		v = u // an EUM proxy address is kept as the directory has it
	}
	return k, v, k != "" && v != ""
}

// Resolve looks the number up in the current table.
func (r *RefreshingResolver) Resolve(number string) (string, bool) {
	u, ok := r.table()[number]
	return u, ok
}

// Resolvers try each resolver in turn.
type Resolvers []Resolver

// Resolve returns the first answer.
func (rs Resolvers) Resolve(number string) (string, bool) {
	for _, r := range rs {
		if u, ok := r.Resolve(number); ok {
			return u, ok
		}
	}
	return "", false
}

// WithUser fills in Target.User when the target is a number a resolver knows.
func WithUser(t Target, r Resolver) Target {
	if r != nil && NormalizeNumber(t.Key) != "" {
		if u, ok := r.Resolve(t.Key); ok {
			t.User = u
		}
	}
	return t
}

// Users are the keys and SIP URIs of the table: everyone it routes to.
func (s StaticResolver) Users() []string {
	var out []string
	for k, v := range s {
		out = append(out, k, v)
	}
	return out
}

// Users are the numbers and SIP URIs of the current table (not EUM addresses).
func (r *RefreshingResolver) Users() []string {
	var out []string
	for k, v := range r.table() {
		out = append(out, k)
		if strings.HasPrefix(v, "sip:") {
			out = append(out, v)
		}
	}
	return out
}
