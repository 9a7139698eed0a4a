package routing

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"
)

// RefreshMap loads a table now and every interval until ctx ends, passing
// each entry through keep (which normalises it, or drops it by returning
// ok=false). A failed reload keeps the previous table and is logged with
// warning. The first load's error is returned; the table then starts empty.
// The returned function reads the current table from memory.
func RefreshMap(ctx context.Context, load func(context.Context) (map[string]string, error),
	keep func(k, v string) (string, string, bool), every time.Duration, log *slog.Logger, warning string) (func() map[string]string, error) {
	var cur atomic.Pointer[map[string]string]
	empty := map[string]string{}
	cur.Store(&empty)
	refresh := func() error {
		lctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		m, err := load(lctx)
		if err != nil {
			return err
		}
		out := make(map[string]string, len(m))
		for k, v := range m {
			if k2, v2, ok := keep(k, v); ok {
				out[k2] = v2
			}
		}
		cur.Store(&out)
		return nil
	}
	err := refresh()
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				if err := refresh(); err != nil && log != nil {
					log.Warn(warning, "error", err)
				}
			}
		}
	}()
	return func() map[string]string { return *cur.Load() }, err
}
