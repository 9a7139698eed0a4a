package sip

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/sipptest"
)

// needHostileTools skips the test without sipvicious and sipsak (fails it under
// UMCTL_REQUIRE_SIPVICIOUS=1).
func needHostileTools(t *testing.T) {
	t.Helper()
	for _, tool := range []string{"svmap", "svwar", "svcrack", "sipsak"} {
		if _, err := exec.LookPath(tool); err != nil {
			if os.Getenv("UMCTL_REQUIRE_SIPVICIOUS") == "1" {
				t.Fatalf("%s required (UMCTL_REQUIRE_SIPVICIOUS=1) but not installed (Debian packages sipvicious, sipsak)", tool)
			}
			t.Skipf("%s not installed (Debian packages sipvicious, sipsak)", tool)
		}
	}
}

// What a relay on the Internet meets: SIPVicious scanning, enumerating
// extensions (REGISTER and INVITE) and cracking passwords, sipsak flooding and
// sending trashed messages, over UDP and TCP, each bounded. The relay keeps
// serving (a sipp call after the traffic); once the traffic's transactions
// have expired its goroutines are back where they were, and at least 3/4 of
// the live heap the traffic took is free again. (Not all of it: the Go
// runtime keeps the descriptors of the goroutines that ran at once during the
// flood, about 1.5 MiB, for reuse.)
func TestHostileTraffic(t *testing.T) {
	sipptest.Need(t)
	needHostileTools(t)
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	sipptest.ListenPeer(t, umPort, true)
	cfg := baseConfig(relayPort, umPort)
	cfg.Listen = append(cfg.Listen, fmt.Sprintf("tcp://127.0.0.1:%d", relayPort))
	cfg.Hold = Duration(time.Second)
	r, _ := startRelay(t, cfg)
	call := func(what string) {
		sipptest.Call(t, relayPort, sipptest.Scenario("uac_call.xml")).Wait(t, what)
	}
	call("a call before the hostile traffic")
	baseG, baseHeap := runtimeFootprint()

	start := time.Now()
	port, uri := fmt.Sprint(relayPort), fmt.Sprintf("sip:100@127.0.0.1:%d", relayPort)
	for _, tool := range [][]string{
		{"svmap", "-p" + port, "127.0.0.1"},
		{"svmap", "-p" + port, "-m", "INVITE", "127.0.0.1"},
		{"svwar", "-e100-199", "-p" + port, "127.0.0.1"},
		{"svwar", "-e100-199", "-m", "INVITE", "-p" + port, "127.0.0.1"},
		{"svcrack", "-u100", "-r1-100", "-p" + port, "127.0.0.1"},
		{"sipsak", "--flood-mode", "--appendix-end=5000", "--sip-uri=" + uri},
		{"sipsak", "--random-mode", "--trash-chars=40", "--sip-uri=" + uri},
		{"sipsak", "--transport=tcp", "--sip-uri=" + uri},
	} {
		hostile(t, tool)
	}
	peakG, peakHeap := runtimeFootprint()
	call("a call after the hostile traffic")
	time.Sleep(34 * time.Second) // sipgo keeps a finished UDP transaction 64·T1 = 32 s
	for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(500 * time.Millisecond) {
		g, heap := runtimeFootprint()
		t.Logf("before: %d goroutines, live heap %d KiB; right after the traffic: %d, %d KiB; %v later: %d, %d KiB",
			baseG, baseHeap>>10, peakG, peakHeap>>10, time.Since(start).Round(time.Second), g, heap>>10)
		if g <= baseG+5 && r.Held() == 0 && 4*(int64(heap)-int64(baseHeap)) <= int64(peakHeap)-int64(baseHeap) {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%v after the traffic began: %d goroutines (%d before), %d calls held, live heap %d KiB: more than 1/4 of what the traffic took is still in use",
				time.Since(start).Round(time.Second), g, baseG, r.Held(), heap>>10)
		}
	}
}

// runtimeFootprint is the number of goroutines and the live heap after two
// GCs (the second empties the sync.Pools' victim caches).
func runtimeFootprint() (int, uint64) {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return runtime.NumGoroutine(), m.HeapAlloc
}

// hostile runs one attack tool, bounded to 60 s; its findings and exit code do
// not matter (the relay dying would end this test binary with its stack).
func hostile(t *testing.T, args []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, args[0], args[1:]...)
	cmd.Dir = t.TempDir() // sipvicious writes its session files here
	_ = cmd.Run()
	if ctx.Err() != nil {
		t.Logf("%q was stopped after 60 s", strings.Join(args, " "))
	}
}

// One crafted message at a time, sent with sipsak (which puts its own Via on
// top so that the answer comes back to it): requests without the headers the
// relay reads, in and out of dialog, Max-Forwards 0, another SIP version, a
// CSeq naming another method. The relay answers each (or drops it), never
// panics, and then still carries a sipp call.
func TestMalformedMessagesFromSipsak(t *testing.T) {
	sipptest.Need(t)
	needHostileTools(t)
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	sipptest.ListenPeer(t, umPort, true)
	cfg := baseConfig(relayPort, umPort)
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg)
	const (
		via    = "Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-crafted\r\n"
		from   = "From: <sip:a@127.0.0.1>;tag=1\r\n"
		to     = "To: <sip:100@127.0.0.1>\r\n"
		callID = "Call-ID: crafted@127.0.0.1\r\n"
		end    = "Content-Length: 0\r\n\r\n"
	)
	uri := fmt.Sprintf("sip:100@127.0.0.1:%d", relayPort)
	for name, msg := range map[string]string{
		"INVITE without Call-ID":  "INVITE " + uri + " SIP/2.0\r\n" + via + "Max-Forwards: 70\r\n" + from + to + "CSeq: 1 INVITE\r\n" + end,
		"INVITE without From":     "INVITE " + uri + " SIP/2.0\r\n" + via + "Max-Forwards: 70\r\n" + to + callID + "CSeq: 1 INVITE\r\n" + end,
		"INVITE without To":       "INVITE " + uri + " SIP/2.0\r\n" + via + "Max-Forwards: 70\r\n" + from + callID + "CSeq: 1 INVITE\r\n" + end,
		"INVITE without CSeq":     "INVITE " + uri + " SIP/2.0\r\n" + via + "Max-Forwards: 70\r\n" + from + to + callID + end,
		"BYE without Call-ID":     "BYE " + uri + " SIP/2.0\r\n" + via + "Max-Forwards: 70\r\n" + from + "To: <sip:100@127.0.0.1>;tag=2\r\nCSeq: 2 BYE\r\n" + end,
		"INFO without Call-ID":    "INFO " + uri + " SIP/2.0\r\n" + via + "Max-Forwards: 70\r\n" + from + "To: <sip:100@127.0.0.1>;tag=2\r\nCSeq: 3 INFO\r\n" + end,
		"INVITE, Max-Forwards 0":  "INVITE " + uri + " SIP/2.0\r\n" + via + "Max-Forwards: 0\r\n" + from + to + callID + "CSeq: 1 INVITE\r\n" + end,
		"INVITE as SIP/3.0":       "INVITE " + uri + " SIP/3.0\r\n" + via + "Max-Forwards: 70\r\n" + from + to + callID + "CSeq: 1 INVITE\r\n" + end,
		"INVITE with CSeq of BYE": "INVITE " + uri + " SIP/2.0\r\n" + via + "Max-Forwards: 70\r\n" + from + to + callID + "CSeq: 1 BYE\r\n" + end,
		"From without a URI":      "INVITE " + uri + " SIP/2.0\r\n" + via + "Max-Forwards: 70\r\nFrom: ;tag=1\r\n" + to + callID + "CSeq: 1 INVITE\r\n" + end,
	} {
		file := filepath.Join(t.TempDir(), "msg.sip")
		if err := os.WriteFile(file, []byte(msg), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("sending %s", name)
		hostile(t, []string{"sipsak", "--timeout-factor=1", "--filename=" + file, "--sip-uri=" + uri})
	}
	sipptest.Call(t, relayPort, sipptest.Scenario("uac_call.xml")).Wait(t, "a call after the crafted messages")
	if n := r.Metrics.Panics(); n != 0 {
		t.Fatalf("%d panics recovered; every message must be handled without one", n)
	}
	var m strings.Builder
	r.Metrics.Write(&m)
	refused := 0
	for _, l := range strings.Split(m.String(), "\n") {
		if strings.HasPrefix(l, "relay_requests_rejected_total{") || strings.HasPrefix(l, "relay_parse_errors_total ") {
			n, _ := strconv.Atoi(l[strings.LastIndexByte(l, ' ')+1:])
			refused += n
		}
	}
	// Each crafted request is answered (and counted) or dropped by the parser
	// (and counted); the INVITE without CSeq too, before sipgo's transaction
	// layer (which cannot key a transaction without it) sees it.
	if refused != 10 {
		t.Fatalf("%d crafted requests rejected or dropped as unparsable, want all 10:\n%s", refused, m.String())
	}
}
