package main

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/sipptest"
)

// doctor --sip: OPTIONS to every gateway the directory names (one answers,
// one refuses, a disabled one is skipped) and to the UM servers' FQDNs (the
// lab's do not resolve); each failure is an error finding, exit 3.
func TestDoctorSIP(t *testing.T) {
	resetLab(t)
	t.Cleanup(func() { labtest.Reset(t) })
	sipptest.Need(t)
	live, dead := sipptest.FreePort(t, "tcp"), sipptest.FreePort(t, "tcp")
	uas := sipptest.Start(t, "-sf", sipptest.Scenario("uas_options.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(live), "-t", "t1", "-m", "1")
	gateway := func(name string, port, status int) string {
		return fmt.Sprintf("dn: CN=%s,%s\nchangetype: add\nobjectClass: msExchUMIPGateway\ncn: %s\nmsExchUMIPGatewayAddress: 127.0.0.1\n"+
			"msExchUMIPGatewayPort: %d\nmsExchUMIPGatewayStatus: %d\n\n", name, gwBase, name, port, status)
	}
	labtest.LDAPModify(t, gateway("sip-live", live, 0)+gateway("sip-dead", dead, 0)+gateway("sip-off", dead, 1))
	time.Sleep(300 * time.Millisecond) // sipp binds its socket

	if r := runDoctorJSON(t); strings.Contains(strings.Join(r.Checks, ","), "sip-options") {
		t.Fatalf("sip-options ran without --sip: %v", r.Checks)
	}
	r := runDoctorJSON(t, "sip-options")
	uas.Wait(t, "gateway sip-live (sipp over TCP)")
	if f := r.find("sip-options", "gateway sip-dead", fmt.Sprintf("cannot reach 127.0.0.1:%d over TCP", dead)); f == nil || f.Severity != "error" {
		t.Errorf("sip-dead: %+v in %+v", f, r.Findings)
	}
	for _, quiet := range []string{"gateway sip-live", "gateway sip-off"} {
		if f := r.find("sip-options", quiet, ""); f != nil {
			t.Errorf("%s: %+v", quiet, f)
		}
	}
	for _, s := range []string{"EX1", "EX2"} {
		if f := r.find("sip-options", "UM server "+s, "sip:"+strings.ToLower(s)+"."); f == nil {
			t.Errorf("UM server %s not probed: %+v", s, r.Findings)
		}
	}
	if len(r.Findings) != 3 || r.Errors != 3 {
		t.Fatalf("findings %+v", r.Findings)
	}
}

func TestDoctorSIPUsage(t *testing.T) {
	isolate(t)
	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"doctor", "--sip", "--sip-parallel", "0"}, "--sip-parallel 0: want 1 to 256"},
		{[]string{"doctor", "--sip", "--sip-timeout", "0s"}, "--sip-timeout 0s: want a positive duration"},
		{[]string{"doctor", "--only", "sip-options", "--tls-ca", "/nonexistent.pem"}, "--tls-ca: open /nonexistent.pem"},
	} {
		code, _, errOut := umctl(t, tc.args...)
		if code != 2 || !strings.Contains(errOut, tc.want) {
			t.Errorf("%v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}
