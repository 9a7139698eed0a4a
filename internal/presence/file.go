package presence

import (
	"context"
	"log/slog"
	"time"

	"github.com/umctl/umctl/internal/routing"
)

// FileFeed puts the presence file into the cache: each entry is confirmed at
// the file's modification time, so a newer file overrides the other sources
// and a newer report from them overrides the file. File entries do not go
// stale: the file is the operator's own statement.
type FileFeed struct {
	file  routing.PresenceFile
	cache *routing.Cache
	feed  *routing.Feed
	log   *slog.Logger
	keys  map[string]bool
}

// NewFileFeed registers the file as the cache's "file" source.
func NewFileFeed(path string, cache *routing.Cache, log *slog.Logger) *FileFeed {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &FileFeed{file: routing.PresenceFile{Path: path}, cache: cache, feed: cache.Feed("file", false), log: log, keys: map[string]bool{}}
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
	changed, err := f.file.Changed()
	if err != nil {
		f.fail(err)
		return
	}
	if !force && !changed {
		return
	}
	states, mod, err := f.file.Load()
	if err != nil {
		f.fail(err)
		return
	}
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
		f.feed.Set(k, s, mod)
		f.keys[k] = true
	}
}

func (f *FileFeed) fail(err error) {
	f.feed.Error()
	f.log.Warn("presence: the presence file could not be read; keeping its previous entries", "source", "file", "path", f.file.Path, "error", err)
}
