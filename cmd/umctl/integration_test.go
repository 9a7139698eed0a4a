package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// TestDialPlanListMatchesDirectory compares `umctl dialplan list -o json` with
// what ldapsearch reads, and with the seeded facts.
func TestDialPlanListMatchesDirectory(t *testing.T) {
	useLab(t)
	code, out, errOut := umctl(t, "dialplan", "list", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var plans []ad.DialPlan
	if err := json.Unmarshal([]byte(out), &plans); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	raw := labtest.LDAPSearch(t, "CN=Configuration,"+lab.BaseDN, "sub", "(objectClass=msExchUMDialPlan)",
		"cn", "msExchUMDialPlanURIType", "msExchUMNumberingPlanDigits", "msExchUMPhoneContext", "msExchUMVoiceMailPilotNumbers")
	if len(plans) != len(raw) || len(plans) != 3 {
		t.Fatalf("umctl lists %d plans, ldapsearch finds %d, the seed has 3", len(plans), len(raw))
	}
	byName := map[string]map[string][]string{}
	for _, e := range raw {
		byName[e["cn"][0]] = e
	}
	want := map[string]struct {
		uri    string
		digits int
	}{lab.SipDialPlan: {"SipName", 4}, lab.E164DialPlan: {"E164", 7}, lab.TelExtDialPlan: {"TelExtn", 5}}
	for _, p := range plans {
		e := byName[p.Name]
		if e == nil {
			t.Fatalf("umctl lists %q, which ldapsearch does not find", p.Name)
		}
		if w := want[p.Name]; p.URIType != w.uri || p.NumberOfDigits != w.digits {
			t.Errorf("%s: uri %s digits %d, want %s %d", p.Name, p.URIType, p.NumberOfDigits, w.uri, w.digits)
		}
		if d, _ := strconv.Atoi(e["msexchumnumberingplandigits"][0]); d != p.NumberOfDigits {
			t.Errorf("%s: digits %d, directory %d", p.Name, p.NumberOfDigits, d)
		}
		if ut, _ := strconv.Atoi(e["msexchumdialplanuritype"][0]); ad.URITypeName(ut) != p.URIType {
			t.Errorf("%s: uri type %s, directory %d", p.Name, p.URIType, ut)
		}
		if pc := e["msexchumphonecontext"][0]; pc != p.PhoneContext || pc != p.Name+"."+lab.Domain {
			t.Errorf("%s: phone context %q, directory %q", p.Name, p.PhoneContext, pc)
		}
		if strings.Join(p.AccessNumbers, ",") != strings.Join(e["msexchumvoicemailpilotnumbers"], ",") {
			t.Errorf("%s: access numbers %v, directory %v", p.Name, p.AccessNumbers, e["msexchumvoicemailpilotnumbers"])
		}
	}
}

func TestDialPlanGet(t *testing.T) {
	useLab(t)
	code, out, errOut := umctl(t, "dialplan", "get", "sipdp", "-o", "json") // names compare case-insensitively, as in AD
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var p ad.DialPlan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatal(err)
	}
	if p.Name != lab.SipDialPlan || !p.IsSIP() || len(p.UMServers) != 2 || len(p.AutoAttendants) != 1 || p.AccessNumbers[0] != lab.SipAccess {
		t.Fatalf("dialplan get sipdp: %+v", p)
	}
	// A name full of filter syntax is escaped: it finds nothing instead of everything.
	code, out, errOut = umctl(t, "dialplan", "get", "*)(cn=*")
	if code != cli.ExitFailure || out != "" || !strings.Contains(errOut, `no UM dial plan named "*)(cn=*"`) {
		t.Fatalf("injection: exit %d, %q %q", code, out, errOut)
	}
}

func TestPoolListMatchesDirectory(t *testing.T) {
	useLab(t)
	code, out, errOut := umctl(t, "pool", "list", "-o", "json")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	var pools []ad.Pool
	if err := json.Unmarshal([]byte(out), &pools); err != nil {
		t.Fatal(err)
	}
	var got, want []string
	for _, p := range pools {
		got = append(got, strings.ToLower(p.DN)+"|"+p.FQDN+"|"+strconv.FormatBool(p.Branch))
	}
	for _, base := range []string{"CN=Configuration," + lab.BaseDN, "CN=System," + lab.BaseDN} {
		for _, e := range labtest.LDAPSearch(t, base, "sub", "(objectClass=msRTCSIP-Pool)", "dNSHostName", "msRTCSIP-PoolData") {
			want = append(want, strings.ToLower(e["dn"][0])+"|"+e["dnshostname"][0]+"|"+strconv.FormatBool(ad.IsBranch(e["msrtcsip-pooldata"])))
		}
	}
	sort.Strings(got)
	sort.Strings(want)
	if strings.Join(got, "\n") != strings.Join(want, "\n") || len(got) != len(lab.SeedPools) {
		t.Fatalf("umctl:\n%s\nldapsearch:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestOutputFormats(t *testing.T) {
	useLab(t)
	_, tsv, _ := umctl(t, "dialplan", "list") // not a terminal: TSV with a header row
	lines := strings.Split(strings.TrimSpace(tsv), "\n")
	if len(lines) != 4 || !strings.HasPrefix(lines[0], "name\turi_type\tdigits\tphone_context\t") || !strings.HasPrefix(lines[1], "E164DP\tE164\t7\t") {
		t.Fatalf("tsv:\n%s", tsv)
	}
	if _, bare, _ := umctl(t, "dialplan", "list", "--no-headers"); bare != strings.Join(lines[1:], "\n")+"\n" {
		t.Fatalf("--no-headers:\n%s", bare)
	}
	_, c, _ := umctl(t, "dialplan", "list", "-o", "csv")
	if recs := readCSVString(t, c); len(recs) != 4 || recs[0][0] != "name" || recs[0][3] != "phone_context" || recs[1][0] != "E164DP" {
		t.Fatalf("csv:\n%s", c)
	}
	_, table, _ := umctl(t, "dialplan", "list", "-o", "wide")
	if _, w, _ := umctl(t, "dialplan", "list", "--wide"); w != table {
		t.Errorf("--wide differs from -o wide:\n%s", w)
	}
	if !strings.Contains(table, "NAME") || !strings.Contains(table, "PHONE CONTEXT") || !strings.Contains(table, "TelExtnDP.lab.umctl.test") || strings.Contains(table, "\t") {
		t.Fatalf("table:\n%s", table)
	}
	_, y, _ := umctl(t, "dialplan", "get", "TelExtnDP", "-o", "yaml")
	if !strings.Contains(y, "uriType: TelExtn\n") || !strings.Contains(y, "numberOfDigits: 5\n") {
		t.Fatalf("yaml:\n%s", y)
	}
}

func TestConnectionFailures(t *testing.T) {
	e := useLab(t)
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		err  string
	}{
		{"bad password", map[string]string{"UMCTL_BIND_PASSWORD": "wrong"}, nil, cli.ExitAuth, "invalid credentials"},
		{"unreachable", map[string]string{"UMCTL_SERVER": "ldaps://127.0.0.254:636"}, nil, cli.ExitFailure, "server unreachable"},
		{"unknown CA", map[string]string{"UMCTL_CA_FILE": ""}, nil, cli.ExitFailure, "certificate signed by unknown authority"},
		{"bad CA file", map[string]string{"UMCTL_CA_FILE": "/etc/hostname"}, nil, cli.ExitUsage, "no PEM certificate"},
		{"StartTLS on ldap://", map[string]string{"UMCTL_SERVER": "ldap://" + labtest.Address()}, nil, 0, ""},
		{"insecure warns", map[string]string{"UMCTL_CA_FILE": ""}, []string{"--insecure-skip-tls-verify"}, 0, "verification is off"},
		{"password file", map[string]string{"UMCTL_BIND_PASSWORD": ""}, []string{"--bind-password-file", pwFile(t, e.Password+"\n")}, 0, ""},
		{"UPN bind", map[string]string{"UMCTL_BIND_DN": "Administrator@" + lab.Domain}, nil, 0, ""},
		{"down-level bind", map[string]string{"UMCTL_BIND_DN": lab.NetBIOS + `\Administrator`}, nil, 0, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			code, out, errOut := umctl(t, append([]string{"pool", "list", "-o", "json"}, tc.args...)...)
			if code != tc.code || !strings.Contains(errOut, tc.err) {
				t.Fatalf("exit %d, stderr %q; want %d and %q", code, errOut, tc.code, tc.err)
			}
			if code != 0 && out != "" {
				t.Fatalf("stdout on failure: %q", out)
			}
			if code == 0 && !strings.Contains(out, "pool01."+lab.Domain) {
				t.Fatalf("stdout %q", out)
			}
		})
	}
}

func pwFile(t *testing.T, content string) string {
	p := filepath.Join(t.TempDir(), "pw")
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestProfileFromConfig(t *testing.T) {
	e := useLab(t)
	pw := pwFile(t, e.Password)
	cfg := "current-profile: lab\nprofiles:\n  lab:\n    server: " + e.Server + "\n    bind-dn: " + e.BindDN + "\n    ca-file: " + e.CAFile +
		"\n    bind-password-file: " + pw + "\n  broken:\n    server: ldaps://127.0.0.254\n    bind-dn: x\n    bind-password-file: " + pw + "\n"
	if err := os.WriteFile(filepath.Join(os.Getenv("UMCTL_CONFIG_DIR"), "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, k := range []string{"UMCTL_SERVER", "UMCTL_BIND_DN", "UMCTL_BIND_PASSWORD", "UMCTL_CA_FILE"} {
		t.Setenv(k, "")
	}
	if code, out, errOut := umctl(t, "pool", "list"); code != 0 || !strings.Contains(out, "pool01") {
		t.Fatalf("current profile: exit %d %q %q", code, out, errOut)
	}
	if code, _, errOut := umctl(t, "pool", "list", "--profile", "broken"); code != cli.ExitFailure || !strings.Contains(errOut, "127.0.0.254") {
		t.Fatalf("--profile broken: exit %d %q", code, errOut)
	}
	// flag beats environment beats profile
	t.Setenv("UMCTL_SERVER", "ldaps://127.0.0.254")
	if code, _, errOut := umctl(t, "pool", "list"); code != cli.ExitFailure || !strings.Contains(errOut, "127.0.0.254") {
		t.Fatalf("env over profile: exit %d %q", code, errOut)
	}
	if code, _, errOut := umctl(t, "pool", "list", "--server", e.Server); code != 0 {
		t.Fatalf("flag over env: exit %d %q", code, errOut)
	}
}

func TestCompleteDialPlans(t *testing.T) {
	useLab(t)
	code, out, errOut := umctl(t, "__complete", "dialplan", "get", "s")
	if code != 0 || !strings.Contains(out, "SipDP\tSipName SipDP.lab.umctl.test") || strings.Contains(out, "E164DP") || !strings.HasSuffix(strings.TrimSpace(out), ":4") {
		t.Fatalf("completion: exit %d\n%s\n%s", code, out, errOut)
	}
	// Without credentials completion fails quietly: no prompt, no file names.
	t.Setenv("UMCTL_BIND_PASSWORD", "")
	code, out, _ = umctl(t, "__complete", "dialplan", "get", "")
	if code != 0 || strings.Contains(out, "SipDP") || !strings.HasSuffix(strings.TrimSpace(out), ":4") {
		t.Fatalf("completion without password: exit %d\n%s", code, out)
	}
}
