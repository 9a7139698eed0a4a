package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/iana/etypeID"
	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

const labAdmin = "Administrator@" + lab.Realm

// useKerberosLab points umctl at the lab with no password anywhere: no bind DN,
// no password variable; KRB5_CONFIG names the lab's krb5.conf.
func useKerberosLab(t *testing.T) string {
	t.Helper()
	e := resetKerberosLab(t)
	t.Setenv("UMCTL_BIND_DN", "")
	t.Setenv("UMCTL_BIND_PASSWORD", "")
	t.Setenv("KRB5_CONFIG", e)
	t.Setenv("KRB5CCNAME", "")
	return e
}

func resetKerberosLab(t *testing.T) string {
	resetLab(t)
	return labtest.Env(t).Krb5Conf
}

// adminKeytab exports the lab administrator's keys with `umctl lab keytab`.
func adminKeytab(t *testing.T) string {
	t.Helper()
	kt := filepath.Join(t.TempDir(), "admin.keytab")
	if code, _, errOut := umctl(t, "lab", "keytab", "Administrator", "--out", kt, "--dir", labtest.Dir()); code != 0 {
		t.Fatalf("lab keytab: exit %d: %s", code, errOut)
	}
	if st, err := os.Stat(kt); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("keytab %s: %v %v, want mode 0600", kt, err, st)
	}
	return kt
}

// kinit makes a file credential cache from a keytab with MIT kinit.
func kinit(t *testing.T, keytabPath string, lifetime string) string {
	t.Helper()
	if _, err := exec.LookPath("kinit"); err != nil {
		if os.Getenv("UMCTL_REQUIRE_LAB") == "1" {
			t.Fatal("kinit (Debian krb5-user) is required (UMCTL_REQUIRE_LAB=1) but not installed")
		}
		t.Skip("kinit (Debian krb5-user) is not installed")
	}
	cc := filepath.Join(t.TempDir(), "krb5cc")
	args := []string{"-k", "-t", keytabPath, "-c", "FILE:" + cc}
	if lifetime != "" {
		args = append(args, "-l", lifetime)
	}
	out, err := exec.Command("kinit", append(args, labAdmin)...).CombinedOutput()
	if err != nil {
		t.Fatalf("kinit: %v: %s", err, out)
	}
	return cc
}

// readAndWrite reads the dial plans and creates, reads back and removes a
// contact with the current environment, checking each against ldapsearch.
func readAndWrite(t *testing.T, extra ...string) {
	t.Helper()
	code, out, errOut := umctl(t, append(extra, "dialplan", "list", "-o", "tsv")...)
	if code != 0 {
		t.Fatalf("dialplan list: exit %d: %s", code, errOut)
	}
	plans := labtest.LDAPSearch(t, "CN=Configuration,"+lab.BaseDN, "sub", "(objectClass=msExchUMDialPlan)", "cn")
	for _, p := range plans {
		if !strings.Contains(out, p["cn"][0]+"\t") {
			t.Errorf("dialplan list misses %s:\n%s", p["cn"][0], out)
		}
	}
	sip := "sip:kerberos-" + strings.ToLower(t.Name()) + "@" + lab.Domain
	filter := "(msRTCSIP-PrimaryUserAddress=" + sip + ")"
	if code, _, errOut := umctl(t, append(extra, newContactArgs(sip, "+4790000321", "--yes")...)...); code != 0 {
		t.Fatalf("contact new: exit %d: %s", code, errOut)
	}
	if got := contactsInDirectory(t, filter); len(got) != 1 {
		t.Fatalf("ldapsearch finds %d contacts with %s after contact new, want 1", len(got), sip)
	}
	if code, out, errOut := umctl(t, append(extra, "contact", "get", sip, "-o", "json")...); code != 0 || !strings.Contains(out, sip) {
		t.Fatalf("contact get: exit %d: %s%s", code, out, errOut)
	}
	if code, _, errOut := umctl(t, append(extra, "contact", "remove", sip, "--yes")...); code != 0 {
		t.Fatalf("contact remove: exit %d: %s", code, errOut)
	}
	if got := contactsInDirectory(t, filter); len(got) != 0 {
		t.Fatalf("ldapsearch still finds %s after contact remove", sip)
	}
}

func TestKerberosKeytab(t *testing.T) {
	useKerberosLab(t)
	kt := adminKeytab(t)
	readAndWrite(t, "--auth", "kerberos", "--keytab", kt, "--principal", labAdmin)
	// The same through the environment, with auto: a keytab means Kerberos, and
	// StartTLS on ldap:// carries GSSAPI as well as LDAPS.
	t.Setenv("UMCTL_KEYTAB", kt)
	t.Setenv("UMCTL_PRINCIPAL", "Administrator") // the default realm of krb5.conf
	t.Setenv("UMCTL_SERVER", "ldap://"+labtest.Address())
	readAndWrite(t)
}

func TestKerberosCredentialCache(t *testing.T) {
	useKerberosLab(t)
	cc := kinit(t, adminKeytab(t), "")
	t.Setenv("KRB5CCNAME", "FILE:"+cc) // auto: a cache means Kerberos; no password anywhere
	readAndWrite(t)
	t.Setenv("KRB5CCNAME", cc) // a plain path is a file cache too
	readAndWrite(t, "--auth", "kerberos")
}

// With --server on the global catalog, writes go to the DC --domain-server
// names, bound with Kerberos too (a service ticket for that DC's own name).
func TestKerberosRoutedWrites(t *testing.T) {
	useKerberosLab(t)
	t.Setenv("KRB5CCNAME", "FILE:"+kinit(t, adminKeytab(t), ""))
	readAndWrite(t, "--auth", "kerberos", "--server", "ldaps://"+labtest.Address()+":3269", "--domain-server", lab.Domain+"=ldaps://"+labtest.Address())
}

// TestKerberosFailures produces each failure for real against the lab's KDC:
// exit 4 (2 for usage), one line naming what to fix, and nothing written.
func TestKerberosFailures(t *testing.T) {
	krb5 := useKerberosLab(t)
	dir := t.TempDir()
	good := adminKeytab(t)
	wrong := filepath.Join(dir, "wrong.keytab") // a real keytab with keys from another password
	kt := keytab.New()
	for _, et := range []int32{etypeID.AES256_CTS_HMAC_SHA1_96, etypeID.AES128_CTS_HMAC_SHA1_96} {
		if err := kt.AddEntry("Administrator", lab.Realm, "not-the-password", time.Now(), 1, et); err != nil {
			t.Fatal(err)
		}
	}
	b, _ := kt.Marshal()
	notKeytab := filepath.Join(dir, "notakeytab")
	wrongPassword := filepath.Join(dir, "wrong-password")
	noKDC := filepath.Join(dir, "krb5-nokdc.conf")
	conf, _ := os.ReadFile(krb5)
	for _, f := range []struct {
		path string
		data []byte
	}{{wrong, b}, {notKeytab, []byte("hello\n")}, {wrongPassword, []byte("not-the-password\n")},
		{noKDC, []byte(strings.ReplaceAll(string(conf), ":88", ":1"))}} {
		if err := os.WriteFile(f.path, f.data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	profileDir := filepath.Join(dir, "config")
	if err := os.MkdirAll(profileDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(profileDir, "config.yaml"), []byte("current-profile: lab\nprofiles:\n  lab:\n    auth: kerberos\n    keytab: "+wrong+"\n    principal: "+labAdmin+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	expired := kinit(t, good, "2s")
	time.Sleep(3 * time.Second)
	before := labtest.HighestUSN(t)
	sip := "sip:never@" + lab.Domain
	write := newContactArgs(sip, "+4790000322", "--yes")
	for _, tc := range []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"wrong keytab", nil, []string{"--keytab", wrong, "--principal", labAdmin}, cli.ExitAuth, "do not match the KDC's for " + labAdmin},
		{"keytab of another principal", nil, []string{"--keytab", good, "--principal", "nosuch"}, cli.ExitAuth, "holds no key for nosuch@" + lab.Realm + " (it has: Administrator@" + lab.Realm + ")"},
		{"not a keytab", nil, []string{"--keytab", notKeytab, "--principal", labAdmin}, cli.ExitAuth, "is not a keytab"},
		{"unknown principal", nil, []string{"--auth", "kerberos", "--principal", "nosuch", "--bind-password-file", wrongPassword}, cli.ExitAuth, "does not know the principal nosuch@" + lab.Realm},
		{"wrong password", nil, []string{"--auth", "kerberos", "--principal", labAdmin, "--bind-password-file", wrongPassword}, cli.ExitAuth, "refused the password for " + labAdmin},
		{"principal in the wrong realm", nil, []string{"--keytab", good, "--principal", "Administrator@CONTOSO.COM"}, cli.ExitAuth, "names no KDC for realm CONTOSO.COM (it has: " + lab.Realm + ")"},
		{"expired cache", map[string]string{"KRB5CCNAME": "FILE:" + expired}, nil, cli.ExitAuth, "expired at"},
		{"absent cache", map[string]string{"KRB5CCNAME": "FILE:" + filepath.Join(dir, "nocache")}, nil, cli.ExitAuth, "no credential cache at " + filepath.Join(dir, "nocache")},
		{"keyring cache", map[string]string{"KRB5CCNAME": "KEYRING:persistent:0"}, nil, cli.ExitAuth, "kinit -c FILE:"},
		{"kcm cache", map[string]string{"KRB5CCNAME": "KCM:"}, nil, cli.ExitAuth, "KCM: caches cannot be read"},
		{"no KDC", map[string]string{"KRB5_CONFIG": noKDC}, []string{"--keytab", good, "--principal", labAdmin}, cli.ExitAuth, "no KDC of realm " + lab.Realm + " answered"},
		{"no krb5.conf", map[string]string{"KRB5_CONFIG": filepath.Join(dir, "none.conf")}, []string{"--keytab", good, "--principal", labAdmin}, cli.ExitAuth, "no krb5.conf at"},
		{"no credentials", nil, []string{"--auth", "kerberos"}, cli.ExitAuth, "no Kerberos credentials"},
		{"profile keys auth, keytab, principal", map[string]string{"UMCTL_CONFIG_DIR": profileDir}, nil, cli.ExitAuth, "do not match the KDC's for " + labAdmin},
		{"UMCTL_AUTH", map[string]string{"UMCTL_AUTH": "negotiate"}, nil, cli.ExitUsage, "works on Windows only"},
		{"negotiate off Windows", nil, []string{"--auth", "negotiate"}, cli.ExitUsage, "works on Windows only"},
		{"bad --auth", nil, []string{"--auth", "ntlm"}, cli.ExitUsage, `invalid value "ntlm" for --auth: expected one of simple, kerberos, negotiate, auto`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			code, _, errOut := umctl(t, append(tc.args, write...)...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Fatalf("exit %d, want %d; stderr %q does not say %q", code, tc.code, errOut, tc.want)
			}
			if lines := strings.Count(strings.TrimSpace(errOut), "\n"); lines > 1 { // the error, and for usage the help hint
				t.Errorf("want one line, got:\n%s", errOut)
			}
		})
	}
	if after := labtest.HighestUSN(t); after != before {
		t.Fatalf("highestCommittedUSN moved from %s to %s: a failed login wrote something", before, after)
	}
	if got := contactsInDirectory(t, "(msRTCSIP-PrimaryUserAddress="+sip+")"); len(got) != 0 {
		t.Fatalf("a contact was written: %v", got)
	}
}

// TestKerberosPassword gets a ticket with the password from the usual sources:
// the environment, then the prompt on a terminal.
func TestKerberosPassword(t *testing.T) {
	useKerberosLab(t)
	pw := labtest.Env(t).Password
	t.Setenv("UMCTL_BIND_PASSWORD", pw)
	readAndWrite(t, "--auth", "kerberos", "--principal", labAdmin)
	t.Setenv("UMCTL_BIND_PASSWORD", "")
	io, _, out, errOut := cli.Test()
	io.SetTTY(true, true)
	p := &stubPrompter{answers: []any{pw}}
	if code := runWith([]string{"--auth", "kerberos", "--principal", labAdmin, "pool", "list", "-o", "json"}, io, p); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if len(p.asked) != 1 || p.asked[0] != "Password for "+labAdmin || !strings.Contains(out.String(), "pool01."+lab.Domain) {
		t.Fatalf("prompts %q, output %s", p.asked, out)
	}
}

func TestLabKeytabRefusesUnknownAccount(t *testing.T) {
	useLab(t)
	out := filepath.Join(t.TempDir(), "x.keytab")
	code, _, errOut := umctl(t, "lab", "keytab", "NoSuchAccount", "--out", out, "--dir", labtest.Dir())
	if code != cli.ExitUsage || !strings.Contains(errOut, "no account NoSuchAccount in the lab") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if _, err := os.Stat(out); err == nil {
		t.Fatal("an empty keytab was left behind")
	}
}
