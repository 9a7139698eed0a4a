package sip

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/routing"
	"github.com/umctl/umctl/internal/sipptest"
)

// The relay subscribes to a Lync pool (sipp, speaking [MS-PRES] batched
// subscriptions) and holds exactly the calls of the users the pool reports
// offline at that moment; real calls from sipp through the relay to a sipp UM.
func TestLyncPresenceHoldsOfflineUsers(t *testing.T) {
	sipptest.Need(t)
	relayPort, umPort, poolPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "tcp")
	scenario := sipptest.ScenarioWith(t, "lync_pool.xml", "[phase1_ms]", "9000")
	scenario = replaceIn(t, scenario, "[phase2_ms]", "5000")
	pool := sipptest.Start(t, "-sf", scenario, "-t", "t1", "-i", "127.0.0.1", "-p", fmt.Sprint(poolPort), "-m", "2")
	wctx, wcancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer wcancel()
	waitListening(wctx, Listener{"tcp", fmt.Sprintf("127.0.0.1:%d", poolPort)})

	cfg := baseConfig(relayPort, umPort)
	cfg.Hold = Duration(2 * time.Second)
	cfg.Numbers = map[string]string{"+4790000001": "sip:alice@contoso.com", "+4790000002": "sip:bob@contoso.com",
		"+4790000003": "sip:carol@contoso.com", "+4790000004": "sip:dave@contoso.com", "+4790000005": "sip:ghost@contoso.com"}
	cfg.Presence = PresenceConfig{Sources: []string{"lync"}, Lync: LyncPresence{
		Servers: []string{fmt.Sprintf("tcp://127.0.0.1:%d", poolPort)}, Subscriber: "sip:umctl-relay@contoso.com"}}
	pctx, stopPresence := context.WithCancel(context.Background())
	defer stopPresence()
	var cache *routing.Cache
	r, _ := startRelay(t, cfg, func(r *Relay) {
		var err error
		if cache, err = StartPresence(pctx, r, testLog(), nil); err != nil {
			t.Fatal(err)
		}
	})

	waitStates(t, cache, map[string]routing.State{"sip:alice@contoso.com": routing.Available, "sip:bob@contoso.com": routing.Offline,
		"sip:carol@contoso.com": routing.InMobileCall, "sip:dave@contoso.com": routing.InMobileCall, "sip:ghost@contoso.com": routing.Unknown})
	presenceCall(t, relayPort, umPort, "+4790000002", true)  // bob: offline, held
	presenceCall(t, relayPort, umPort, "+4790000001", false) // alice: available, forwarded at once

	waitStates(t, cache, map[string]routing.State{"sip:alice@contoso.com": routing.Offline})
	presenceCall(t, relayPort, umPort, "+4790000001", true) // alice went offline: held now

	// The pool ends the subscription; the relay subscribes again and gets the new states.
	waitStates(t, cache, map[string]routing.State{"sip:alice@contoso.com": routing.Available, "sip:dave@contoso.com": routing.Available})
	stopPresence() // the relay unsubscribes (Expires: 0), which ends the pool's second call
	pool.Wait(t, "Lync pool")
	if n := r.Metrics.Calls(OutcomeAnswered); n != 3 {
		t.Fatalf("%d answered calls, want 3", n)
	}
	var m strings.Builder
	r.Metrics.Write(&m)
	for _, want := range []string{"relay_presence_watched 10\n", `relay_presence_errors_total{source="lync"} 1`} {
		if !strings.Contains(m.String(), want) { // 5 numbers + 5 users; mallory is not watched
			t.Errorf("metrics lack %q:\n%s", want, m.String())
		}
	}
}

func replaceIn(t *testing.T, path, old, new string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(data), old, new)), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func testLog() *slog.Logger {
	if testing.Verbose() {
		return slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// waitStates waits (up to 10 s) until the cache holds these states.
func waitStates(t *testing.T, c *routing.Cache, want map[string]routing.State) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		var diff []string
		for k, s := range want {
			if got, _ := c.Lookup(context.Background(), routing.Target{Key: k}); got != s {
				diff = append(diff, fmt.Sprintf("%s is %s, want %s", k, got, s))
			}
		}
		if len(diff) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("presence: %s", strings.Join(diff, "; "))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// call makes one sipp call for number through the relay to a sipp UM and
// checks whether it was held (the relay's hold is 2 s).
func presenceCall(t *testing.T, relayPort, umPort int, number string, held bool) {
	t.Helper()
	um := sipptest.UAS(t, umPort, sipptest.ScenarioWith(t, "uas_answer_check.xml", `tel:\+4790000001`, `tel:\`+number), 1)
	caller := sipptest.Call(t, relayPort, sipptest.ScenarioWith(t, "uac_call.xml", "+4790000001", number))
	d := caller.Wait(t, "caller for "+number)
	um.Wait(t, "UM for "+number)
	if held && d < 2*time.Second {
		t.Fatalf("the call for %s took %v: it was not held", number, d)
	}
	if !held && d > 1500*time.Millisecond {
		t.Fatalf("the call for %s took %v: it was held", number, d)
	}
}

// No network I/O while an INVITE is decided: the Lync pool accepts the
// connection and never answers, and presence.timeout is 10 s; the call is
// still held for exactly the hold (its user is unknown), not for the timeout.
func TestPresenceBackendBlockedDoesNotDelayCalls(t *testing.T) {
	sipptest.Need(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() { // a pool that takes the SUBSCRIBE and says nothing
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { _, _ = io.Copy(io.Discard, c) }()
		}
	}()
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Hold = Duration(2 * time.Second)
	cfg.Numbers = map[string]string{"+4790000001": "sip:alice@contoso.com"}
	cfg.Presence = PresenceConfig{Sources: []string{"lync"}, Timeout: Duration(10 * time.Second), Lync: LyncPresence{
		Servers: []string{"tcp://" + ln.Addr().String()}, Subscriber: "sip:umctl-relay@contoso.com"}}
	pctx, stop := context.WithCancel(context.Background())
	defer stop()
	startRelay(t, cfg, func(r *Relay) {
		if _, err := StartPresence(pctx, r, testLog(), nil); err != nil {
			t.Fatal(err)
		}
	})
	time.Sleep(200 * time.Millisecond) // the SUBSCRIBE is out and waiting
	um := sipptest.UAS(t, umPort, sipptest.Scenario("uas_answer_check.xml"), 1)
	d := sipptest.Call(t, relayPort, sipptest.Scenario("uac_call.xml")).Wait(t, "caller")
	um.Wait(t, "UM")
	if d < 2*time.Second || d > 5*time.Second {
		t.Fatalf("the call took %v: want the 2 s hold of an unknown user, not the 10 s presence timeout", d)
	}
}
