package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/kamailiotest"
	"github.com/umctl/umctl/internal/sipptest"
)

// Scale-out as the README describes it: examples/kamailio-dispatcher.cfg in
// front of two `umctl relay run` processes that hold every call (3 s) before
// Exchange UM (a UDP peer that answers).
//  1. Calls whose callers give up during the hold: Kamailio spreads them over
//     both relays by Call-ID, and each CANCEL reaches the relay that holds the
//     call (that relay reports the missed call; UM sees nothing).
//  2. Relay 1 is killed (SIGKILL) while both hold calls: its held calls are
//     lost (the callers get 408 from Kamailio), relay 2's go on to UM.
//  3. Calls made from the moment of the kill on all succeed; they reach relay
//     1's address only until Kamailio has taken it out of the set (at most
//     the probing interval times the threshold, plus one transaction timeout),
//     and after that go to relay 2 alone.
func TestRelaysBehindKamailioDispatcher(t *testing.T) {
	sipptest.Need(t)
	kamailiotest.Need(t)
	isolate(t)
	const (
		hold         = 3 * time.Second
		pingInterval = time.Second
		threshold    = 2
		frTimer      = time.Second
	)
	kamPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	ports := [2]int{sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")}
	metrics := [2]int{sipptest.FreePort(t, "tcp"), sipptest.FreePort(t, "tcp")}
	hookURL, hooks := webhookSink(t)
	um := sipptest.ListenPeer(t, umPort, true)
	var relays [2]*relayProc
	for i := range relays {
		relays[i] = startRelayProc(t, fmt.Sprintf("listen: [udp://127.0.0.1:%d]\nnext_hops: [udp://127.0.0.1:%d]\nhold: %s\n"+
			"presence: {source: always-hold}\nnotify: {webhook: %q}\nmetrics: 127.0.0.1:%d\n", ports[i], umPort, hold, fmt.Sprintf("%s/relay%d", hookURL, i), metrics[i]))
	}
	list := filepath.Join(t.TempDir(), "dispatcher.list")
	if err := os.WriteFile(list, []byte(fmt.Sprintf("1 sip:127.0.0.1:%d\n1 sip:127.0.0.1:%d\n", ports[0], ports[1])), 0o644); err != nil {
		t.Fatal(err)
	}
	kam := fmt.Sprintf("127.0.0.1:%d", kamPort)
	kamailiotest.Start(t, kamailiotest.Config("examples/kamailio-dispatcher.cfg"), kam, "LISTEN=udp:"+kam, fmt.Sprintf("DS_LIST=%q", list),
		fmt.Sprintf("DS_PING_INTERVAL=%d", pingInterval/time.Second), fmt.Sprintf("DS_PROBING_THRESHOLD=%d", threshold),
		fmt.Sprintf("FR_TIMER=%d", frTimer/time.Millisecond), "FR_INV_TIMER=4000",
		"CHILDREN=1") // one worker: sipp's uac_cancel.xml wants the 200 to its CANCEL before the 487, which several workers may reorder
	calls := func(prefix, scenario string, n, rate int) *sipptest.Run {
		return sipptest.Start(t, kam, "-sf", sipptest.Scenario(scenario), "-i", "127.0.0.1", "-p", fmt.Sprint(sipptest.FreePort(t, "udp")),
			"-m", fmt.Sprint(n), "-r", fmt.Sprint(rate), "-l", fmt.Sprint(n), "-cid_str", prefix+"-%u@umctl.test")
	}

	// 1. CANCELs during the hold reach the relay that holds the call.
	calls("cancel", "uac_cancel.xml", 20, 10).Wait(t, "20 callers who give up during the hold")
	per := [2]int{}
	for i, r := range relays {
		per[i] = r.log.count(`"msg":"call"`, `"call_id":"cancel-`, `"outcome":"cancelled_in_hold"`)
	}
	if per[0]+per[1] != 20 || per[0] == 0 || per[1] == 0 {
		t.Fatalf("calls cancelled in the hold per relay: %v; want 20 spread over both", per)
	}
	got := [2]int{}
	for range 20 {
		select {
		case m := <-hooks:
			i := strings.TrimPrefix(fmt.Sprint(m["_path"]), "/relay")
			id := fmt.Sprint(m["callId"])
			if i != "0" && i != "1" || relays[i[0]-'0'].log.count(`"call_id":"`+id+`"`, `"outcome":"cancelled_in_hold"`) != 1 {
				t.Fatalf("webhook from %s for %s, a call that relay did not hold", m["_path"], id)
			}
			got[i[0]-'0']++
		case <-time.After(5 * time.Second):
			t.Fatalf("missed-call webhooks per relay %v; want %v", got, per)
		}
	}
	time.Sleep(hold) // a CANCEL gone astray would leave the call held and then send it to UM
	if n := len(um.Requests("INVITE")); n != 0 {
		t.Fatalf("UM received %d INVITEs; every call was cancelled during its hold", n)
	}

	// 2. Kill relay 1 while both relays hold calls.
	heldRun := calls("held", "uac_call.xml", 10, 20)
	var h [2]int
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		h = [2]int{held(metrics[0]), held(metrics[1])}
		if h[0]+h[1] == 10 && h[0] > 0 && h[1] > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("calls held per relay %v; want 10 spread over both", h)
		}
	}
	relays[0].kill()
	killed := time.Now()
	dead := sipptest.ListenPeer(t, ports[0], false) // relay 1's address now answers nothing, not even the probes
	after := calls("after", "uac_cancel.xml", 30, 5)

	ok, failed := heldRun.Counts(t, "the calls held at the kill")
	if ok != h[1] || failed != h[0] {
		t.Fatalf("held calls: %d answered, %d failed; want relay 2's %d answered and relay 1's %d lost", ok, failed, h[1], h[0])
	}
	if n := len(um.Requests("INVITE")); n != h[1] {
		t.Fatalf("UM received %d calls; want the %d relay 2 held", n, h[1])
	}

	// 3. New calls: none lost, relay 1 taken out of the set within the bound.
	after.Wait(t, "30 calls made from the kill on")
	if n := relays[1].log.count(`"msg":"call"`, `"call_id":"after-`, `"outcome":"cancelled_in_hold"`); n != 30 {
		t.Fatalf("relay 2 held %d of the 30 calls made after the kill", n)
	}
	bound := threshold*pingInterval + frTimer + 500*time.Millisecond
	arrivals := dead.Arrivals("INVITE")
	for _, at := range arrivals {
		if at.Sub(killed) > bound {
			t.Fatalf("an INVITE reached the dead relay %v after the kill; Kamailio must take it out of the set within %v", at.Sub(killed), bound)
		}
	}
	t.Logf("relay 1 killed holding %d calls (lost), relay 2 holding %d (answered); %d new INVITEs reached the dead relay, the last %v after the kill (bound %v)",
		h[0], h[1], len(arrivals), lastAfter(arrivals, killed), bound)
}

func lastAfter(times []time.Time, t0 time.Time) time.Duration {
	var d time.Duration
	for _, t := range times {
		d = max(d, t.Sub(t0))
	}
	return d
}
