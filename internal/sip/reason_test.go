package sip

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/umctl/umctl/internal/sipptest"
)

// Every Reason header and every comma-separated value counts; only SIP with
// cause=200 exactly means answered elsewhere.
func TestCancelReason(t *testing.T) {
	for _, tc := range []struct {
		headers []string
		want    string
	}{
		{nil, "caller"},
		{[]string{`SIP;cause=200;text="Call completed elsewhere"`}, `completed_elsewhere: SIP;cause=200;text="Call completed elsewhere"`},
		{[]string{"Q.850;cause=16", `SIP;cause=200;text="Call completed elsewhere"`}, `completed_elsewhere: Q.850;cause=16, SIP;cause=200;text="Call completed elsewhere"`},
		{[]string{"Q.850;cause=16, SIP;cause=200"}, "completed_elsewhere: Q.850;cause=16, SIP;cause=200"},
		{[]string{"sip ; Cause = 200"}, "completed_elsewhere: sip ; Cause = 200"},
		{[]string{"SIP;cause=2000"}, "caller: SIP;cause=2000"},
		{[]string{"Q.850;cause=200"}, "caller: Q.850;cause=200"},
		{[]string{`SIP;cause=487;text="not cause=200, SIP;cause=200"`}, `caller: SIP;cause=487;text="not cause=200, SIP;cause=200"`},
		{[]string{"Q.850;cause=16"}, "caller: Q.850;cause=16"},
	} {
		req := sip.NewRequest(sip.CANCEL, sip.Uri{Scheme: "sip", Host: "x"})
		for _, h := range tc.headers {
			req.AppendHeader(sip.NewHeader("Reason", h))
		}
		if got := cancelReason(req); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.headers, got, tc.want)
		}
	}
}

// scenarioReplaced is a copy of a sipp scenario with several replacements.
func scenarioReplaced(t *testing.T, name string, oldnew ...string) string {
	t.Helper()
	xml, err := os.ReadFile(sipptest.Scenario(name))
	if err != nil {
		t.Fatal(err)
	}
	out := strings.NewReplacer(oldnew...).Replace(string(xml))
	if out == string(xml) {
		t.Fatalf("%s: nothing replaced", name)
	}
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(out), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const elsewhereReason = `Reason: SIP;cause=200;text="Call completed elsewhere"`

// The Reason forms operators and SBCs send, as the caller's CANCEL carries them.
var reasonForms = []struct {
	name, headers, umSees string // umSees: a POSIX regexp over UM's CANCEL
	elsewhere             bool
}{
	{"two headers", "Reason: Q.850;cause=16\n      " + elsewhereReason,
		`Reason: Q\.850;cause=16[[:space:]]+Reason: SIP;cause=200;text=&quot;Call completed elsewhere&quot;`, true},
	{"one comma list", "Reason: Q.850;cause=16, SIP;cause=200", `Reason: Q\.850;cause=16, SIP;cause=200[[:space:]]`, true},
	{"cause=2000", "Reason: SIP;cause=2000", `Reason: SIP;cause=2000[[:space:]]`, false},
}

// A CANCEL during the hold: answered elsewhere (any value SIP;cause=200) means
// no missed-call notification, in either form; cause=2000 is the caller giving up.
func TestReasonFormsDuringHold(t *testing.T) {
	sipptest.Need(t)
	for _, tc := range reasonForms {
		t.Run(tc.name, func(t *testing.T) {
			relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
			cfg := baseConfig(relayPort, umPort)
			cfg.Hold = Duration(10 * time.Second)
			r, rec := startRelay(t, cfg)
			sipptest.Call(t, relayPort, scenarioReplaced(t, "uac_cancel_elsewhere.xml", elsewhereReason, tc.headers)).Wait(t, "caller")
			time.Sleep(200 * time.Millisecond)
			want := map[bool]int{true: 0, false: 1}[tc.elsewhere]
			if rec.count() != want || r.Metrics.Calls(OutcomeCancelledHold) != 1 {
				t.Fatalf("%d missed-call notifications, want %d (cancelled_in_hold %d)", rec.count(), want, r.Metrics.Calls(OutcomeCancelledHold))
			}
		})
	}
}

// A CANCEL after forwarding: UM (sipp) receives the caller's Reason values
// unchanged, as two headers or as one list.
func TestReasonFormsReachUM(t *testing.T) {
	sipptest.Need(t)
	for _, tc := range reasonForms {
		t.Run(tc.name, func(t *testing.T) {
			relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
			cfg := baseConfig(relayPort, umPort)
			cfg.Presence.Source = "never-hold"
			r, rec := startRelay(t, cfg)
			um := sipptest.UAS(t, umPort, scenarioReplaced(t, "uas_ring_cancel.xml",
				`search_in="hdr" header="Reason:"`, `search_in="msg"`, "[reason_cause]", tc.umSees), 1)
			sipptest.Call(t, relayPort, scenarioReplaced(t, "uac_cancel_elsewhere.xml", elsewhereReason, tc.headers)).Wait(t, "caller")
			um.Wait(t, "UM (the CANCEL with the caller's Reason values)")
			time.Sleep(100 * time.Millisecond)
			if r.Metrics.Calls(OutcomeCancelledFwd) != 1 || rec.count() != 0 {
				t.Fatalf("cancelled_fwd %d, notified %d", r.Metrics.Calls(OutcomeCancelledFwd), rec.count())
			}
			var m strings.Builder
			r.Metrics.Write(&m)
			reason := map[bool]string{true: "completed_elsewhere", false: "caller"}[tc.elsewhere]
			if want := `relay_cancels_total{phase="forwarded",reason="` + reason + `"} 1`; !strings.Contains(m.String(), want) {
				t.Fatalf("metrics lack %s:\n%s", want, m.String())
			}
		})
	}
}
