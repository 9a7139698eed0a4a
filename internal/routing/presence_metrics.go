package routing

import (
	"fmt"
	"io"
	"time"
)

// ageBuckets are the upper bounds of relay_presence_age_seconds, in seconds.
var ageBuckets = []float64{1, 10, 60, 300, 600, 1800, 3600}

// WriteMetrics writes the cache's Prometheus families: the watched users,
// the age of the state served for them, and updates and errors per source.
func (c *Cache) WriteMetrics(w io.Writer) {
	now := c.now().UnixNano()
	counts := make([]int64, len(ageBuckets))
	var n, unknown int64
	var sum float64
	c.mu.RLock()
	watched := len(c.watched)
	for k := range c.watched {
		e, ok := c.best(k, now)
		if !ok {
			unknown++
			continue
		}
		age := time.Duration(now - e.at).Seconds()
		n++
		sum += age
		for i, b := range ageBuckets {
			if age <= b {
				counts[i]++
			}
		}
	}
	feeds := append([]*Feed(nil), c.feeds...)
	c.mu.RUnlock()
	fmt.Fprintf(w, "# HELP relay_presence_watched Users whose presence the relay keeps (everyone it can route to).\n# TYPE relay_presence_watched gauge\nrelay_presence_watched %d\n", watched)
	fmt.Fprintf(w, "# HELP relay_presence_unknown Watched users with no live state (never reported, or older than presence.max_age).\n# TYPE relay_presence_unknown gauge\nrelay_presence_unknown %d\n", unknown)
	fmt.Fprintf(w, "# HELP relay_presence_age_seconds Age of the state served per watched user.\n# TYPE relay_presence_age_seconds histogram\n")
	for i, b := range ageBuckets {
		fmt.Fprintf(w, "relay_presence_age_seconds_bucket{le=\"%g\"} %d\n", b, counts[i])
	}
	fmt.Fprintf(w, "relay_presence_age_seconds_bucket{le=\"+Inf\"} %d\nrelay_presence_age_seconds_sum %g\nrelay_presence_age_seconds_count %d\n", n, sum, n)
	fmt.Fprintf(w, "# HELP relay_presence_updates_total States received per source.\n# TYPE relay_presence_updates_total counter\n")
	for _, f := range feeds {
		fmt.Fprintf(w, "relay_presence_updates_total{source=%q} %d\n", f.Name, f.Updates())
	}
	fmt.Fprintf(w, "# HELP relay_presence_errors_total Failures per source (bad bodies, users not watched, failed subscriptions or polls).\n# TYPE relay_presence_errors_total counter\n")
	for _, f := range feeds {
		fmt.Fprintf(w, "relay_presence_errors_total{source=%q} %d\n", f.Name, f.Errors())
	}
}
