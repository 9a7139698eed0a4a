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

// Single number reach as the operator runs it: Kamailio, the operator's forking
// proxy, rings the user's mobile (sipp) and the Lync leg, where `umctl relay
// run` sits in front of Exchange UM (sipp, or a socket that must stay silent),
// at once. Kamailio cancels the losing branch itself, with RFC 3326's
// "Reason: SIP;cause=200" when the mobile answered. What reaches UM and the
// missed-call webhook is checked for each everyday case.
func TestRelayBehindForkingKamailio(t *testing.T) {
	sipptest.Need(t)
	kamailiotest.Need(t)
	isolate(t)
	const hold = 3 * time.Second
	for _, tc := range []struct {
		name, presence, mobile, caller string
		umAnswers, missed              bool
		outcome                        string
	}{
		{name: "mobile answers during the hold", presence: "offline", mobile: "uas_ring_answer.xml", caller: "uac_call.xml",
			outcome: `"outcome":"cancelled_in_hold"`},
		{name: "caller hangs up during the hold", presence: "offline", mobile: "uas_ring_cancelled.xml", caller: "uac_cancel.xml",
			missed: true, outcome: `"outcome":"cancelled_in_hold"`},
		{name: "nobody answers", presence: "offline", mobile: "uas_ring_cancel.xml", caller: "uac_call.xml",
			umAnswers: true, outcome: `"decision":"hold","hold_ms":`},
		{name: "mobile busy", presence: "in-mobile-call", mobile: "uas_busy.xml", caller: "uac_call.xml",
			umAnswers: true, outcome: `"decision":"hold","hold_ms":`},
		{name: "user available", presence: "available", mobile: "uas_ring_cancel.xml", caller: "uac_call.xml",
			umAnswers: true, outcome: `"decision":"forward","hold_ms":0,"outcome":"answered"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			kamPort, mobilePort, relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
			hookURL, hooks := webhookSink(t)
			presence := filepath.Join(t.TempDir(), "presence.yaml")
			if err := os.WriteFile(presence, []byte(fmt.Sprintf("%q: %s\n", "+4790000001", tc.presence)), 0o644); err != nil {
				t.Fatal(err)
			}
			relay := startRelayProc(t, fmt.Sprintf("listen: [udp://127.0.0.1:%d]\nnext_hops: [udp://127.0.0.1:%d]\nhold: %s\n"+
				"presence: {source: file, file: %q}\nnotify: {webhook: %q}\n", relayPort, umPort, hold, presence, hookURL))
			kam := fmt.Sprintf("127.0.0.1:%d", kamPort)
			kamailiotest.Start(t, kamailiotest.Config("internal/kamailiotest/fork.cfg"), kam, "LISTEN=udp:"+kam,
				fmt.Sprintf(`MOBILE="sip:+4790000001@127.0.0.1:%d"`, mobilePort), fmt.Sprintf(`RELAY="sip:+4790000001@127.0.0.1:%d"`, relayPort))

			um := sipptest.ListenPeer(t, umPort, tc.umAnswers)
			mobileScenario := sipptest.Scenario(tc.mobile)
			if tc.mobile == "uas_ring_cancel.xml" { // Kamailio tells the mobile that the call was answered elsewhere
				mobileScenario = sipptest.ScenarioWith(t, tc.mobile, "[reason_cause]", "SIP;cause=200")
			}
			mobile := sipptest.UAS(t, mobilePort, mobileScenario, 1)
			callID := fmt.Sprintf("fork-%d@umctl.test", time.Now().UnixNano())
			caller := sipptest.Start(t, kam, "-sf", sipptest.Scenario(tc.caller), "-i", "127.0.0.1", "-p", fmt.Sprint(sipptest.FreePort(t, "udp")),
				"-m", "1", "-cid_str", callID)
			took := caller.Wait(t, "caller")
			mobile.Wait(t, "mobile")
			relay.log.waitFor(t, 1, `"msg":"call"`, `"call_id":"`+callID+`"`, tc.outcome)

			checkUM(t, um.Requests("INVITE"), tc.umAnswers, callID)
			switch {
			case tc.umAnswers && tc.presence == "available":
				if took > hold {
					t.Fatalf("the call took %v: an available user's call must go to UM at once", took)
				}
			case tc.umAnswers:
				if took < hold {
					t.Fatalf("UM answered after %v, before the %v hold ended", took, hold)
				}
			}
			if !tc.missed {
				noHook(t, hooks, 500*time.Millisecond)
				return
			}
			select {
			case m := <-hooks:
				checkMissedCall(t, m, callID, hold)
			case <-time.After(5 * time.Second):
				t.Fatal("no missed-call webhook after the caller hung up during the hold")
			}
		})
	}
}

// checkUM checks what reached UM: nothing, or the one call with the caller's
// History-Info and Diversion intact.
func checkUM(t *testing.T, invites []string, want bool, callID string) {
	t.Helper()
	if !want {
		if len(invites) != 0 {
			t.Fatalf("UM received %d INVITEs; the call ended during the hold:\n%s", len(invites), invites[0])
		}
		return
	}
	if len(invites) != 1 {
		t.Fatalf("UM received %d INVITEs, want 1", len(invites))
	}
	inv := invites[0]
	if sipHeader(inv, "Call-ID") != callID || !strings.Contains(sipHeader(inv, "History-Info"), "<sip:+4790000001@lab.umctl.test;user=phone>;index=1") ||
		sipHeader(inv, "Diversion") != "<tel:+4790000001>;reason=no-answer;counter=1" {
		t.Fatalf("the INVITE that reached UM:\n%s", inv)
	}
}

// checkMissedCall checks the webhook's JSON for the call uac_cancel.xml makes:
// the caller gives up a second after the first 180.
func checkMissedCall(t *testing.T, m map[string]any, callID string, hold time.Duration) {
	t.Helper()
	held, _ := m["heldNanoseconds"].(float64)
	at, err := time.Parse(time.RFC3339Nano, fmt.Sprint(m["at"]))
	from := fmt.Sprint(m["from"])
	if m["event"] != "missed_call" || m["callId"] != callID || m["target"] != "+4790000001" ||
		!strings.HasPrefix(from, "sip:sipp@127.0.0.1:") || !strings.Contains(fmt.Sprint(m["targetUri"]), "+4790000001") ||
		m["subject"] != "Cancel Test" || err != nil || time.Since(at) > time.Minute {
		t.Fatalf("webhook body %v", m)
	}
	if time.Duration(held) < 500*time.Millisecond || time.Duration(held) >= hold {
		t.Fatalf("heldNanoseconds %v: the caller gave up about a second into the %v hold", time.Duration(held), hold)
	}
}
