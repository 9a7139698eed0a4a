package presence

import (
	"context"
	"log/slog"
	"os"
	"time"

	"github.com/umctl/umctl/internal/routing"
)

// FileFeed puts the presence file into the cache: each entry is confirmed at
// the file's modification time, so a newer file overrides the other sources
// and a newer report from them overrides the file. File entries do not go
// stale: the file is the operator's own statement.
type FileFeed struct {
	path  string
	cache *routing.Cache
	feed  *routing.Feed
	log   *slog.Logger
	mod   time.Time
	keys  map[string]bool
}

// NewFileFeed registers the file as the cache's "file" source.
func NewFileFeed(path string, cache *routing.Cache, log *slog.Logger) *FileFeed {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &FileFeed{path: path, cache: cache, feed: cache.Feed("file", false), log: log, keys: map[string]bool{}}
}

// Run loads the file, then checks it every second (and re-applies it every
// 30 s, for users who became watched) until ctx ends.
func (f *FileFeed) Run(ctx context.Context) {
	f.Load(true)
	t := time.NewTicker(time.Second)
	defer t.Stop()
	for n := 1; ; n++ {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.Load(n%30 == 0)
		}
	}
}

// Load applies the file when it changed (or always with force); a bad file
// is logged and counted, and the previous entries stay.
func (f *FileFeed) Load(force bool) {
	st, err := os.Stat(f.path)
	if err != nil {
		f.fail(err)
		return
	}
	if !force && st.ModTime().Equal(f.mod) {
		return
	}
	data, err := os.ReadFile(f.path)
	if err != nil {
		f.fail(err)
		return
	}
	states, err := routing.ParsePresenceFile(data)
	if err != nil {
		f.fail(err)
		return
	}
	changed := !st.ModTime().Equal(f.mod)
	f.mod = st.ModTime()
	for k := range f.keys {
		if _, ok := states[k]; !ok {
			f.feed.Forget(k)
			delete(f.keys, k)
		}
	}
	for k, s := range states {
		if !f.cache.IsWatched(k) {
			continue // the relay never routes to this user
		}
		if changed || force || !f.keys[k] {
			f.feed.Set(k, s, f.mod)
			f.keys[k] = true
		}
	}
}

func (f *FileFeed) fail(err error) {
	f.feed.Error()
	f.log.Warn("presence: the presence file could not be read; keeping its previous entries", "source", "file", "path", f.path, "error", err)
}
