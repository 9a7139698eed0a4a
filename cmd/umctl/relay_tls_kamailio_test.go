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

// `umctl relay run` with TLS on both sides, between independent TLS peers:
// Kamailio (tlslegs.cfg) is Lync's side, taking calls from sipp over UDP and
// sending them to the relay over mutual TLS, and UM's side, the relay's
// tls:// next hop, passing them on to sipp (Exchange UM) over UDP; each leg is
// one TLS connection for every call. Whole calls: some the caller ends, some
// UM ends, and one the caller gives up during the hold. Checked on the wire:
// sipp's counts on both sides (UM requires the relay's stateless Via on the
// ACK and the caller's BYE, the caller on UM's BYE), no message on the wrong
// leg in Kamailio's log (Kamailio drops a request on the wrong leg), and the
// relay's /metrics: every answered call took the TCP/TLS fast path for its
// 2xx, its ACK, its BYE and the BYE's 200.
func TestRelayTLSBothLegsKamailio(t *testing.T) {
	sipptest.Need(t)
	kamailiotest.NeedTLS(t)
	isolate(t)
	const callerEnds, umEnds = 5, 3
	dir := kamailiotest.TestCA(t, time.Now().Add(time.Hour), "127.0.0.1")
	relayPort, umPort, metricsPort := sipptest.FreePort(t, "tcp"), sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "tcp")
	kam := kamailiotest.StartTLSLegs(t, dir, relayPort, umPort)
	presence := filepath.Join(t.TempDir(), "presence.yaml")
	if err := os.WriteFile(presence, []byte("\"+4790000001\": available\n\"+4790000002\": offline\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	file := func(name string) string { return filepath.Join(dir, name) }
	relay := startRelayProc(t, fmt.Sprintf("listen: [tls://127.0.0.1:%d]\nnext_hops: [tls://127.0.0.1:%d]\n"+
		"tls: {cert: %q, key: %q, client_ca: %q, hop_ca: %q}\nhold: 10s\npresence: {source: file, file: %q}\nmetrics: 127.0.0.1:%d\n",
		relayPort, kam.TLS, file("server.pem"), file("server-key.pem"), file("ca.pem"), file("ca.pem"), presence, metricsPort))
	for _, tc := range []struct {
		what, um, caller string
		calls            int
	}{
		{"the caller hangs up", "uas_stateless.xml", "uac_call.xml", callerEnds},
		{"UM hangs up", "uas_bye.xml", "uac_um_bye.xml", umEnds},
	} {
		um := sipptest.UAS(t, umPort, sipptest.Scenario(tc.um), tc.calls)
		c := sipptest.Start(t, fmt.Sprintf("127.0.0.1:%d", kam.Caller), "-sf", sipptest.Scenario(tc.caller), "-i", "127.0.0.1",
			"-p", fmt.Sprint(sipptest.FreePort(t, "udp")), "-m", fmt.Sprint(tc.calls))
		c.Wait(t, tc.what+": the caller")
		um.Wait(t, tc.what+": UM")
		for side, run := range map[string]*sipptest.Run{"the caller": c, "UM": um} {
			if ok, failed := run.Counts(t, tc.what); ok != tc.calls || failed != 0 {
				t.Fatalf("%s: %s: %d calls ok, %d failed; want %d ok", tc.what, side, ok, failed, tc.calls)
			}
		}
	}
	// +4790000002 is offline: held, and the caller gives up a second into the
	// hold (UM is not listening). Over TCP: see LISTEN_CALLER_TCP in tlslegs.cfg.
	sipptest.Start(t, fmt.Sprintf("127.0.0.1:%d", kam.CallerTCP), "-t", "t1", "-sf", sipptest.ScenarioWith(t, "uac_cancel.xml", "+4790000001", "+4790000002"),
		"-i", "127.0.0.1", "-p", fmt.Sprint(sipptest.FreePort(t, "tcp")), "-m", "1").Wait(t, "the caller who gives up during the hold")

	relay.log.waitFor(t, callerEnds+umEnds+1, `"msg":"call"`)
	answered := callerEnds + umEnds
	for name, want := range map[string]int{
		`relay_calls_total{outcome="answered"}`:              answered,
		`relay_calls_total{outcome="cancelled_in_hold"}`:     1,
		`relay_cancels_total{phase="hold",reason="caller"}`:  1,
		`relay_stream_fast_path_total{message="invite_2xx"}`: answered,
		`relay_stream_fast_path_total{message="ack"}`:        answered,
		`relay_stream_fast_path_total{message="bye"}`:        answered,
		`relay_stream_fast_path_total{message="response"}`:   answered,
		"relay_panics_total":                                 0,
		"relay_parse_errors_total":                           0,
	} {
		if got := metric(metricsPort, name); got != want {
			t.Errorf("%s = %d, want %d", name, got, want)
		}
	}
	if log := kam.Log(); strings.Contains(log, "wrong leg") {
		t.Fatalf("Kamailio saw messages on the wrong leg:\n%s", log)
	}
}
