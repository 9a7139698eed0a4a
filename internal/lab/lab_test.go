package lab

import (
	"os"
	"strings"
	"testing"

	"github.com/go-ldap/ldif"
)

func TestExtractPassword(t *testing.T) {
	out := "INFO x\nINFO 2026 … #492: Admin password:        !0m;gHn:ED_I,-+Uc\nINFO Server Role: dc\n"
	pw, red := extractPassword(out)
	if pw != "!0m;gHn:ED_I,-+Uc" || strings.Contains(red, pw) || !strings.Contains(red, "Admin password: (stored in admin-password)") {
		t.Fatalf("%q %q", pw, red)
	}
}

func TestSeedLDIFParses(t *testing.T) {
	parsed, err := ldif.Parse(SeedLDIF(BaseDN, Domain))
	if err != nil {
		t.Fatal(err)
	}
	counts := map[string]int{}
	for _, e := range parsed.Entries {
		if e.Add == nil {
			t.Fatalf("not an add: %+v", e)
		}
		for _, a := range e.Add.Attributes {
			if a.Type == "objectClass" {
				counts[a.Vals[0]]++
			}
		}
	}
	if counts["msExchUMDialPlan"] != 3 || counts["user"] != SeedUsers || counts["msRTCSIP-Pool"] != len(SeedPools) || counts["msRTCSIP-Pools"] != 2 || counts["group"] != 3 {
		t.Fatalf("%v", counts)
	}
}

func TestSchemaParses(t *testing.T) {
	text := strings.ReplaceAll("\n"+schemaLDIF, "\ndn:\n", "\ndn: "+rootDSEPlaceholder+"\n")
	parsed, err := ldif.Parse(strings.ReplaceAll(text, "${SCHEMADN}", "CN=Schema,CN=Configuration,"+BaseDN))
	if err != nil {
		t.Fatal(err)
	}
	if len(parsed.Entries) < 90 {
		t.Fatalf("%d entries", len(parsed.Entries))
	}
}

func TestSeedUsers(t *testing.T) {
	seen := map[string]bool{}
	for i := 1; i <= SeedUsers; i++ {
		u := User(i, Domain)
		if seen[u.Sam] || seen[u.Line] {
			t.Fatalf("user %d repeats %s or %s", i, u.Sam, u.Line)
		}
		seen[u.Sam], seen[u.Line] = true, true
		if !strings.HasPrefix(u.SIP, "sip:") || !strings.HasPrefix(u.Line, "tel:+") {
			t.Fatalf("%+v", u)
		}
	}
	if User(33, Domain).EUM[0] != "EUM:30021;phone-context=TelExtnDP."+Domain || User(21, Domain).EUM[0] != User(33, Domain).EUM[0] {
		t.Fatal("seeded duplicate")
	}
}

func TestOpenValidates(t *testing.T) {
	for _, a := range []string{"10.0.0.1", "0.0.0.0", "::1", "lab"} {
		if _, err := Open(t.TempDir(), a, nil); err == nil {
			t.Errorf("address %q accepted", a)
		}
	}
	l, err := Open(t.TempDir(), "", nil)
	if err != nil || l.Address != "127.0.0.1" {
		t.Fatal(l, err)
	}
	if !strings.Contains(l.smbConf(), "interfaces = 127.0.0.1/8") || !strings.Contains(l.smbConf(), "bind interfaces only = yes") {
		t.Fatal(l.smbConf())
	}
}

func TestLockRefusesForeignDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(dir+"/precious.txt", []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	l, _ := Open(dir, "127.0.0.9", nil)
	if _, err := l.lock(); err == nil || !strings.Contains(err.Error(), "is not a umctl lab") {
		t.Fatal(err)
	}
}

func TestKerberosEnvironment(t *testing.T) {
	l := &Lab{Dir: "/tmp/some lab", Address: "127.0.0.9"}
	conf := l.krb5Conf()
	for _, want := range []string{"default_realm = " + Realm, "dns_lookup_kdc = false", "kdc = 127.0.0.9:88", "." + Domain + " = " + Realm} {
		if !strings.Contains(conf, want) {
			t.Errorf("krb5.conf lacks %q:\n%s", want, conf)
		}
	}
	e := Env{Server: "ldaps://127.0.0.9", Krb5Conf: "/tmp/some lab/krb5.conf"}
	if !strings.Contains(e.Exports(), "export KRB5_CONFIG='/tmp/some lab/krb5.conf'\n") {
		t.Errorf("exports: %s", e.Exports())
	}
	if !strings.Contains(l.smbConf(), "server services = ldap, kdc") {
		t.Error("the lab's Samba runs no KDC")
	}
}
