package main

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/kamailiotest"
	"github.com/umctl/umctl/internal/sipptest"
)

// Bad input exits 2 naming the URI or the flag; nothing is sent.
func TestSIPProbeUsage(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"sip", "options", "gw01.contoso.com"}, `URI: "gw01.contoso.com" is not a SIP URI`},
		{[]string{"sip", "options", "sip:"}, `is not a SIP URI`},
		{[]string{"sip", "options", "sip:gw01;transport=sctp"}, `transport "sctp" (want udp, tcp or tls)`},
		{[]string{"sip", "options", "sips:gw01;transport=udp"}, `a sips: URI needs TLS`},
		{[]string{"sip", "options", "sip:gw01", "--timeout", "0s"}, `--timeout 0s: want a positive duration`},
		{[]string{"sip", "options", "sip:gw01", "--tls-ca", "/nonexistent.pem"}, `--tls-ca: open /nonexistent.pem`},
		{[]string{"sip", "options", "sip:gw01", "--key", "k.pem"}, `--key needs --cert`},
		{[]string{"sip", "mwi", "--to", "sip:alice@pool01", "--messages", "3"}, `--messages "3": want NEW/OLD, e.g. 2/5`},
		{[]string{"sip", "mwi", "--to", "sip:alice@pool01", "--messages", "-1/2"}, `--messages "-1/2": want NEW/OLD with counts of 0 or more`},
		{[]string{"sip", "mwi", "--to", "sip:alice@pool01", "--messages", "1/-2"}, `--messages "1/-2": want NEW/OLD with counts of 0 or more`},
		{[]string{"sip", "mwi", "--to", "alice@pool01", "--messages", "1/2"}, `--to: "alice@pool01" is not a SIP URI`},
		{[]string{"sip", "mwi", "--to", "sip:alice@pool01", "--messages", "1/2", "--proxy", "pool01:5061"}, `--proxy: "pool01:5061" is not a SIP URI`},
		{[]string{"sip", "mwi", "--to", "sip:alice@pool01", "--messages", "1/2", "--account", "alice"}, `--account: "alice" is not a SIP URI`},
		{[]string{"sip", "mwi", "--messages", "1/2"}, `--to and --messages are required`},
		{[]string{"sip", "call", "sip:um@um01", "--hangup-after", "-1s"}, `--hangup-after -1s: want 0 or a positive duration`},
		{[]string{"sip", "call", "sip:um@um01", "--from", "alice"}, `--from: "alice" is not a SIP URI`},
		{[]string{"sip", "call", "um01"}, `URI: "um01" is not a SIP URI`},
	} {
		code, _, errOut := umctl(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

// The probes wait as long as the global --timeout says, else UMCTL_TIMEOUT,
// else 5s; the flag wins over the variable, even a bad one.
func TestProbeTimeoutPrecedence(t *testing.T) {
	for _, tc := range []struct {
		env  string
		args []string
		want time.Duration
		err  string
	}{
		{want: 5 * time.Second},
		{env: "300ms", want: 300 * time.Millisecond},
		{env: "300ms", args: []string{"--timeout", "2s"}, want: 2 * time.Second},
		{env: "soon", args: []string{"--timeout", "2s"}, want: 2 * time.Second},
		{env: "soon", err: `UMCTL_TIMEOUT "soon": want a positive duration`},
		{env: "-1s", err: `UMCTL_TIMEOUT "-1s": want a positive duration`},
		{args: []string{"--timeout", "0s"}, err: "--timeout 0s: want a positive duration"},
	} {
		isolate(t)
		if tc.env != "" {
			t.Setenv("UMCTL_TIMEOUT", tc.env)
		}
		io, _, _, _ := cli.Test()
		a := newApp(io)
		cmd, _, err := newRootCmd(a).Find([]string{"sip", "options"})
		if err != nil {
			t.Fatal(err)
		}
		if err := cmd.ParseFlags(tc.args); err != nil {
			t.Fatal(err)
		}
		got, err := a.conn.probeTimeout()
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("env %q %v: %v, %v; want error %q", tc.env, tc.args, got, err, tc.err)
			}
			continue
		}
		if err != nil || got != tc.want {
			t.Errorf("env %q %v: %v, %v; want %v", tc.env, tc.args, got, err, tc.want)
		}
	}
	isolate(t)
	t.Setenv("UMCTL_TIMEOUT", "soon")
	code, _, errOut := umctl(t, "sip", "options", "sip:127.0.0.1:9")
	if code != 2 || !strings.Contains(errOut, `UMCTL_TIMEOUT "soon"`) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// A host that does not answer: exit 1 with a message that says so, after the timeout.
func TestSIPOptionsTimeout(t *testing.T) {
	isolate(t)
	port := sipptest.FreePort(t, "udp") // nothing listens
	code, _, errOut := umctl(t, "sip", "options", fmt.Sprintf("sip:127.0.0.1:%d", port), "--timeout", "500ms")
	if code != 1 || !strings.Contains(errOut, fmt.Sprintf("no answer from 127.0.0.1:%d over UDP (timed out)", port)) {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	port = sipptest.FreePort(t, "tcp")
	code, _, errOut = umctl(t, "sip", "options", fmt.Sprintf("sip:127.0.0.1:%d;transport=tcp", port), "--timeout", "2s")
	if code != 1 || !strings.Contains(errOut, "connection refused") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// OPTIONS to sipp exits 0 and prints what the server sent.
func TestSIPOptionsSipp(t *testing.T) {
	isolate(t)
	sipptest.Need(t)
	port := sipptest.FreePort(t, "udp")
	uas := sipptest.UAS(t, port, sipptest.Scenario("uas_options.xml"), 1)
	code, out, errOut := umctl(t, "sip", "options", fmt.Sprintf("sip:127.0.0.1:%d", port))
	uas.Wait(t, "OPTIONS UAS")
	for _, want := range []string{"status:     200 OK", "round trip: ", "user-agent: RTCC/6.0.0.0 MediationServer", "allow:      INVITE, ACK"} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}

// TLS: the chain is printed; a certificate for another name exits 4 with the reason in one line.
func TestSIPOptionsTLS(t *testing.T) {
	isolate(t)
	dir := kamailiotest.TestCA(t, time.Now().Add(time.Hour), "127.0.0.1")
	port := kamailiotest.StartTLS(t, dir, false)
	uri := fmt.Sprintf("sip:127.0.0.1:%d;transport=tls", port)
	code, out, errOut := umctl(t, "sip", "options", uri, "--tls-ca", filepath.Join(dir, "ca.pem"))
	if code != 0 || !strings.Contains(out, "cert 0:   CN=pool01.contoso.com") || !strings.Contains(out, "names:  127.0.0.1") ||
		!strings.Contains(out, "server:     kamailio-umctl-test") || !strings.Contains(out, "expires: ") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	wrong := kamailiotest.TestCA(t, time.Now().Add(time.Hour), "pool02.contoso.com")
	wport := kamailiotest.StartTLS(t, wrong, false)
	code, out, errOut = umctl(t, "sip", "options", fmt.Sprintf("sip:127.0.0.1:%d;transport=tls", wport), "--tls-ca", filepath.Join(wrong, "ca.pem"))
	if code != 4 || errOut != "umctl: TLS trust failure: name mismatch: the certificate is for pool02.contoso.com, not 127.0.0.1\n" ||
		!strings.Contains(out, "names:  pool02.contoso.com") {
		t.Fatalf("exit %d\n%s\n%q", code, out, errOut)
	}
}

// MWI through the CLI: sipp checks every header and body line, umctl exits 0.
func TestSIPMWISipp(t *testing.T) {
	isolate(t)
	sipptest.Need(t)
	port := sipptest.FreePort(t, "udp")
	uas := sipptest.UAS(t, port, sipptest.Scenario("uas_mwi.xml"), 1)
	code, out, errOut := umctl(t, "sip", "mwi", "--to", "sip:alice@contoso.com", "--proxy", fmt.Sprintf("sip:127.0.0.1:%d", port), "--messages", "2/5", "-o", "json")
	uas.Wait(t, "MWI UAS")
	if code != 0 || !strings.Contains(out, `"status": 200`) || !strings.Contains(out, `"target": "sip:alice@contoso.com"`) {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
}

// A test call through the CLI: the call router (sipp) redirects, the mailbox
// server (sipp) answers; both hops are printed, exit 0. A busy answer exits 1,
// and a host that never answers exits 1 saying so.
func TestSIPCallSipp(t *testing.T) {
	isolate(t)
	sipptest.Need(t)
	router, mailbox := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	um := sipptest.UAS(t, mailbox, sipptest.Scenario("uas_call.xml"), 1)
	cr := sipptest.UAS(t, router, sipptest.ScenarioWith(t, "uas_redirect.xml", "[mailbox_port]", fmt.Sprint(mailbox)), 1)
	code, out, errOut := umctl(t, "sip", "call", fmt.Sprintf("sip:um@127.0.0.1:%d", router), "--hangup-after", "100ms", "--from", "sip:alice@contoso.com")
	cr.Wait(t, "call router")
	um.Wait(t, "mailbox server")
	for _, want := range []string{"hop 1\n", "  status:     302 Moved Temporarily\n", fmt.Sprintf("  redirect:   sip:um@127.0.0.1:%d;transport=udp\n", mailbox),
		"hop 2\n", "  status:     200 OK\n", "  provisional: 180\n", "  provisional: 100\n", "answered: held "} {
		if !strings.Contains(out, want) {
			t.Errorf("no %q in\n%s", want, out)
		}
	}
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}

	busy := sipptest.FreePort(t, "udp")
	b := sipptest.UAS(t, busy, sipptest.Scenario("uas_busy.xml"), 1)
	code, out, _ = umctl(t, "sip", "call", fmt.Sprintf("sip:um@127.0.0.1:%d", busy))
	b.Wait(t, "busy UAS")
	if code != 1 || !strings.Contains(out, "status:     486 Busy Here") || strings.Contains(out, "answered") {
		t.Fatalf("busy: exit %d\n%s", code, out)
	}

	none := sipptest.FreePort(t, "udp")
	code, _, errOut = umctl(t, "sip", "call", fmt.Sprintf("sip:um@127.0.0.1:%d", none), "--timeout", "500ms")
	if code != 1 || !strings.Contains(errOut, "no final answer from 127.0.0.1") || !strings.Contains(errOut, "within 500ms (no answer at all)") {
		t.Fatalf("no answer: exit %d\n%s", code, errOut)
	}
}
