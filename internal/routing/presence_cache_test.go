package routing

import (
	"context"
	"strings"
	"testing"
	"time"
)

func lookup(t *testing.T, c *Cache, key string) State {
	t.Helper()
	s, err := c.Lookup(context.Background(), Target{Key: key})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// A state older than max_age counts as unknown; a fresher report from any
// source wins; the presence file's entries do not go stale.
func TestCacheFreshestWinsAndStale(t *testing.T) {
	now := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	c := NewCache(10 * time.Minute)
	c.SetClock(func() time.Time { return now })
	c.SetWatched([]string{"sip:alice@contoso.com", "sip:bob@contoso.com"})
	lync, file := c.Feed("lync", true), c.Feed("file", false)

	if !lync.Set("sip:alice@contoso.com", Offline, now) {
		t.Fatal("a watched user was refused")
	}
	if got := lookup(t, c, "sip:alice@contoso.com"); got != Offline {
		t.Fatalf("alice is %s, want offline", got)
	}
	file.Set("sip:alice@contoso.com", Available, now.Add(-time.Minute)) // older than lync's report
	if got := lookup(t, c, "sip:alice@contoso.com"); got != Offline {
		t.Fatalf("an older file entry won: %s", got)
	}
	file.Set("sip:alice@contoso.com", Available, now.Add(time.Second)) // the operator writes the file later
	if got := lookup(t, c, "sip:alice@contoso.com"); got != Available {
		t.Fatalf("a newer file entry lost: %s", got)
	}
	lync.Set("sip:alice@contoso.com", Offline, now.Add(2*time.Second)) // Lync says the same again: no change
	if got := lookup(t, c, "sip:alice@contoso.com"); got != Available {
		t.Fatalf("a repeated report beat the file written after it: %s", got)
	}
	lync.Set("sip:alice@contoso.com", Busy, now.Add(3*time.Second)) // a real change wins
	if got := lookup(t, c, "sip:alice@contoso.com"); got != Busy {
		t.Fatalf("a change after the file lost: %s", got)
	}

	lync.Set("sip:bob@contoso.com", Busy, now)
	now = now.Add(11 * time.Minute) // lync's entries are all older than max_age now
	if got := lookup(t, c, "sip:bob@contoso.com"); got != Unknown {
		t.Fatalf("bob's 11-minute-old state is %s, want unknown", got)
	}
	if got := lookup(t, c, "sip:alice@contoso.com"); got != Available {
		t.Fatalf("the file entry went stale: %s", got)
	}
	lync.Confirm([]string{"sip:bob@contoso.com"}, now) // a refreshed subscription
	if got := lookup(t, c, "sip:bob@contoso.com"); got != Busy {
		t.Fatalf("a confirmed state is %s, want busy", got)
	}
	lync.Forget("sip:bob@contoso.com")
	if got := lookup(t, c, "sip:bob@contoso.com"); got != Unknown {
		t.Fatalf("a forgotten state is %s", got)
	}
}

// A report for a user the relay does not route to is refused and counted.
func TestCacheRefusesUnwatched(t *testing.T) {
	c := NewCache(time.Minute)
	c.SetWatched([]string{"+4790000001", "sip:alice@contoso.com"})
	f := c.Feed("lync", true)
	if f.Set("sip:mallory@contoso.com", Available, time.Now()) {
		t.Fatal("an unwatched user was taken")
	}
	if f.Errors() != 1 || f.Updates() != 0 {
		t.Fatalf("errors %d updates %d, want 1 and 0", f.Errors(), f.Updates())
	}
	// The number resolves to alice: the user's entry answers first.
	f.Set("sip:alice@contoso.com", InMobileCall, time.Now())
	if s, _ := c.Lookup(context.Background(), Target{Key: "+4790000001", User: "sip:alice@contoso.com"}); s != InMobileCall {
		t.Fatalf("lookup by number with user: %s", s)
	}
	c.SetWatched([]string{"+4790000001"})
	if s, _ := c.Lookup(context.Background(), Target{Key: "sip:alice@contoso.com"}); s != Unknown {
		t.Fatalf("an unwatched user's entry stayed: %s", s)
	}
	var m strings.Builder
	c.WriteMetrics(&m)
	for _, want := range []string{"relay_presence_watched 1\n", `relay_presence_errors_total{source="lync"} 1`, `relay_presence_updates_total{source="lync"} 1`, "relay_presence_unknown 1\n"} {
		if !strings.Contains(m.String(), want) {
			t.Errorf("metrics lack %q:\n%s", want, m.String())
		}
	}
}

// Decide takes the cache as a memory source: no deadline, no goroutine.
func TestDecideFromCache(t *testing.T) {
	c := NewCache(time.Minute)
	c.SetWatched([]string{"sip:alice@contoso.com"})
	c.Feed("lync", true).Set("sip:alice@contoso.com", Offline, time.Now())
	p := Policy{Hold: 20 * time.Second, HoldWhen: []State{Offline, Unknown}, Timeout: time.Nanosecond}
	d := p.Decide(context.Background(), c, Target{Key: "sip:alice@contoso.com"})
	if d.State != Offline || d.Hold != 20*time.Second || d.TimedOut {
		t.Fatalf("decision %+v", d)
	}
}
