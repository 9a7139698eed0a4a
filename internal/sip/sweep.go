package sip

import (
	"context"
	"sync"
	"time"
)

// sweepMap drops the entries of m that stale reports, every interval, until
// ctx ends: the relay's tables (dialogs.go, stream.go) forget what no event
// removed.
func sweepMap(ctx context.Context, m *sync.Map, every time.Duration, stale func(v any, now time.Time) bool) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			m.Range(func(k, v any) bool {
				if stale(v, now) {
					m.Delete(k)
				}
				return true
			})
		}
	}
}
