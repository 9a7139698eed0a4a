package routing

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"
)

func TestResolvers(t *testing.T) {
	s, bad := NewStaticResolver(map[string]string{"+47 900 00 001": "SIP:Alice@Contoso.com", "alice": "sip:x@y", "+4790000009": "nonsense"})
	if len(bad) != 2 {
		t.Fatalf("bad entries %v", bad)
	}
	tg := WithUser(Target{Key: "+4790000001"}, s)
	if tg.User != "sip:alice@contoso.com" || len(tg.Keys()) != 2 || tg.Keys()[0] != "sip:alice@contoso.com" {
		t.Fatalf("%+v", tg)
	}
	if WithUser(Target{Key: "sip:bob@contoso.com"}, s).User != "" {
		t.Fatal("a SIP target was resolved")
	}
	// Presence and per-user policy see the resolved user.
	f := &FileSource{states: map[string]State{"sip:alice@contoso.com": Offline}, checked: time.Now()}
	if st, _ := f.Lookup(context.Background(), tg); st != Offline {
		t.Fatal(st)
	}
	ten := 10 * time.Second
	p := Policy{Hold: time.Second, HoldWhen: []State{Offline}, Users: map[string]UserPolicy{"sip:alice@contoso.com": {Hold: &ten}}}
	if d := p.Decide(context.Background(), f, tg); d.Hold != ten {
		t.Fatalf("%+v", d)
	}

	// The refreshing resolver keeps its table when a reload fails.
	var calls atomic.Int32 // loads run on the refresh goroutine
	load := func(context.Context) (map[string]string, error) {
		if calls.Add(1) > 1 {
			return nil, errors.New("directory down")
		}
		return map[string]string{"+47 900 00 002": "sip:bob@contoso.com", "sip:Bob@contoso.com": "EUM:bob@contoso.com;phone-context=DP.contoso.com"}, nil
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := NewRefreshingResolver(ctx, load, 20*time.Millisecond, nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(100 * time.Millisecond)
	if u, ok := r.Resolve("+4790000002"); !ok || u != "sip:bob@contoso.com" || calls.Load() < 2 {
		t.Fatalf("%q %v after %d loads", u, ok, calls.Load())
	}
	if u, ok := (Resolvers{s, r}).Resolve("+4790000002"); !ok || u != "sip:bob@contoso.com" {
		t.Fatal(u)
	}
	if e, _ := r.Resolve("sip:bob@contoso.com"); e != "EUM:bob@contoso.com;phone-context=DP.contoso.com" {
		t.Fatalf("EUM address %q", e)
	}
}
