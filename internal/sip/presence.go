package sip

import (
	"context"
	"io"
	"log/slog"
	"maps"
	"slices"
	"time"

	"github.com/umctl/umctl/internal/presence"
	"github.com/umctl/umctl/internal/routing"
)

// StartPresence builds the presence cache of a config whose presence is
// cached (PresenceConfig.Cached), starts its sources until ctx ends, and
// makes the relay decide from it. The watched set is everyone the relay can
// route to: the numbers: table, the directory's mapping and the users: overrides.
// directoryIDs, if set, gives Graph object ids read from the directory
// (presence.graph.id_attribute) by SIP address; ids_file entries come first.
func StartPresence(ctx context.Context, r *Relay, log *slog.Logger, directoryIDs func() map[string]string) (*routing.Cache, error) {
	cfg := r.cfg
	cache := routing.NewCache(time.Duration(cfg.Presence.MaxAge))
	cache.SetWatched(r.watchedUsers())
	var runs []func(context.Context)
	for _, s := range cfg.Presence.Sources {
		switch s {
		case "lync":
			tlsConf, err := cfg.TLS.ClientConfig()
			if err != nil {
				return nil, err
			}
			l, err := presence.NewLync(presence.LyncConfig{
				Servers: cfg.Presence.Lync.Servers, Subscriber: cfg.Presence.Lync.Subscriber, Batch: cfg.Presence.Lync.Batch,
				Confirm: time.Duration(cfg.Presence.MaxAge) / 2, TLS: tlsConf, Log: log,
				Parser: presence.Parser{MobileCallTokens: cfg.Presence.Lync.MobileCallTokens},
			}, cache)
			if err != nil {
				return nil, err
			}
			runs = append(runs, l.Run)
		case "file":
			f := presence.NewFileFeed(cfg.Presence.File, cache, log)
			runs = append(runs, f.Run)
		case "graph":
			g, err := newGraph(cfg.Presence.Graph, cache, log, directoryIDs)
			if err != nil {
				return nil, err
			}
			runs = append(runs, g.Run)
		}
	}
	r.presenceCache.Store(cache)
	r.Metrics.AddWriter(cache.WriteMetrics)
	r.Metrics.mu.Lock()
	r.Metrics.presence = func(users []string) []PresenceEntry { return r.presenceEntries(cache, users) }
	r.Metrics.mu.Unlock()
	go r.keepWatched(ctx, cache)
	for _, run := range runs {
		go run(ctx)
	}
	return cache, nil
}

// watchedUsers is everyone the relay can route to, as normalised keys.
func (r *Relay) watchedUsers() []string {
	ru := r.rules.Load()
	keys := ru.numbers.Users()
	for k := range ru.policy.Users {
		keys = append(keys, k)
	}
	for k := range r.cfg.Users {
		keys = append(keys, routing.NormalizeURI(k))
	}
	if d, ok := r.directory.(interface{ Users() []string }); ok {
		keys = append(keys, d.Users()...)
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// keepWatched follows the directory's refreshes and config reloads.
func (r *Relay) keepWatched(ctx context.Context, cache *routing.Cache) {
	t := time.NewTicker(15 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			cache.SetWatched(r.watchedUsers())
		}
	}
}

// presenceSource is what decide asks: the rules' per-call source, else the cache.
func (r *Relay) presenceSource(ru *rules) routing.Source {
	if ru.presence != nil {
		return ru.presence
	}
	if c := r.presenceCache.Load(); c != nil {
		return c
	}
	return routing.Constant(routing.Unknown)
}

// AddWriter adds a family of metrics written after the relay's own.
func (m *Metrics) AddWriter(w func(io.Writer)) {
	m.mu.Lock()
	m.writers = append(m.writers, w)
	m.mu.Unlock()
}

func newGraph(gc GraphPresence, cache *routing.Cache, log *slog.Logger, directoryIDs func() map[string]string) (*presence.Graph, error) {
	var (
		secret  string
		cert    *presence.CertCredential
		err     error
		fileIDs map[string]string
	)
	if gc.CertificateFile != "" {
		cert, err = presence.LoadCertCredential(gc.CertificateFile, gc.KeyFile)
	} else {
		secret, err = presence.ReadSecret(gc.ClientSecretFile)
	}
	if err != nil {
		return nil, err
	}
	if gc.IDsFile != "" {
		if fileIDs, err = presence.LoadIDsFile(gc.IDsFile); err != nil {
			return nil, err
		}
	}
	ids := func() map[string]string {
		out := map[string]string{}
		if directoryIDs != nil {
			maps.Copy(out, directoryIDs())
		}
		maps.Copy(out, fileIDs)
		return out
	}
	return presence.NewGraph(presence.GraphConfig{Tenant: gc.Tenant, ClientID: gc.ClientID, Secret: secret, Cert: cert,
		Interval: time.Duration(gc.Interval), AuthorityURL: gc.AuthorityURL, GraphURL: gc.GraphURL, IDs: ids, Log: log}, cache), nil
}
