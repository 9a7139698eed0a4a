// Package labtest gives integration tests a running lab domain controller.
//
// Tests share one lab (UMCTL_TEST_LAB_DIR, default /tmp/umctl-test-lab, on
// UMCTL_TEST_LAB_ADDRESS, default 127.0.0.2), started on first use and left
// running for the next test run; the lab's own lock serialises the test
// packages that go test runs in parallel. Without root or the Samba packages the
// tests are skipped, unless UMCTL_REQUIRE_LAB=1 (CI), which makes that a failure.
package labtest

import (
	"context"
	"encoding/base64"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/lab"
)

var (
	once   sync.Once
	env    lab.Env
	upErr  error
	theLab *lab.Lab
)

// Dir and Address of the test lab.
func Dir() string     { return getenv("UMCTL_TEST_LAB_DIR", "/tmp/umctl-test-lab") }
func Address() string { return getenv("UMCTL_TEST_LAB_ADDRESS", "127.0.0.2") }

// LifecycleAddress is the address of internal/lab's own lifecycle lab
// (UMCTL_TEST_LIFECYCLE_ADDRESS, default 127.0.0.4), so parallel runs can
// move it off each other.
func LifecycleAddress() string { return getenv("UMCTL_TEST_LIFECYCLE_ADDRESS", "127.0.0.4") }

func getenv(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Env returns the connection settings of the running test lab, starting it if needed.
func Env(t testing.TB) lab.Env {
	t.Helper()
	once.Do(func() {
		if os.Geteuid() != 0 {
			upErr = skipReason("the lab needs root")
			return
		}
		if m := lab.MissingPackages(); len(m) > 0 {
			upErr = skipReason("missing Debian packages " + strings.Join(m, " "))
			return
		}
		theLab, upErr = lab.Open(Dir(), Address(), os.Stderr)
		if upErr != nil {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		env, upErr = theLab.Up(ctx, false)
	})
	if s, ok := upErr.(skipReason); ok {
		if os.Getenv("UMCTL_REQUIRE_LAB") == "1" {
			t.Fatalf("lab required (UMCTL_REQUIRE_LAB=1) but unavailable: %s", s)
		}
		t.Skipf("no lab: %s", s)
	}
	if upErr != nil {
		t.Fatalf("starting the test lab: %v", upErr)
	}
	return env
}

type skipReason string

func (s skipReason) Error() string { return string(s) }

// Lab returns the test lab (after Env).
func Lab(t testing.TB) *lab.Lab {
	Env(t)
	return theLab
}

// Dial binds to the test lab with umctl's own client.
func Dial(t testing.TB) *ad.Dir {
	t.Helper()
	d, err := ad.Dial(context.Background(), Env(t).Settings())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.Close)
	return d
}

// LDAPSearch reads the directory through an independent path, OpenLDAP's
// ldapsearch, and returns the entries (attribute names lower-cased).
func LDAPSearch(t testing.TB, base, scope, filter string, attrs ...string) []map[string][]string {
	t.Helper()
	e := Env(t)
	args := append([]string{"-LLL", "-o", "ldif-wrap=no", "-H", e.Server, "-x", "-D", e.BindDN, "-y", passwordFile(t, e.Password),
		"-b", base, "-s", scope, "-E", "pr=500/noprompt", filter}, attrs...)
	cmd := exec.Command("ldapsearch", args...)
	cmd.Env = append(os.Environ(), "LDAPTLS_CACERT="+e.CAFile, "LDAPTLS_REQCERT=demand")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ldapsearch %v: %v\n%s", args, err, out)
	}
	return parseLDIF(t, string(out))
}

// LDAPModify applies LDIF change records through an independent path,
// OpenLDAP's ldapmodify, as an administrator changing things by hand would.
func LDAPModify(t testing.TB, ldifText string) {
	t.Helper()
	e := Env(t)
	cmd := exec.Command("ldapmodify", "-H", e.Server, "-x", "-D", e.BindDN, "-y", passwordFile(t, e.Password))
	cmd.Env = append(os.Environ(), "LDAPTLS_CACERT="+e.CAFile, "LDAPTLS_REQCERT=demand")
	cmd.Stdin = strings.NewReader(ldifText)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("ldapmodify: %v\n%s", err, out)
	}
}

func passwordFile(t testing.TB, pw string) string {
	f, err := os.CreateTemp(t.TempDir(), "pw")
	if err != nil {
		t.Fatal(err)
	}
	_, _ = f.WriteString(pw) // ldapsearch -y takes the file's bytes as they are
	f.Close()
	return f.Name()
}

func parseLDIF(t testing.TB, out string) []map[string][]string {
	var entries []map[string][]string
	for _, block := range strings.Split(strings.TrimSpace(out), "\n\n") {
		m := map[string][]string{}
		for _, line := range strings.Split(block, "\n") {
			if line == "" || strings.HasPrefix(line, "#") {
				continue
			}
			var k, v string
			if i := strings.Index(line, ":: "); i >= 0 && !strings.Contains(line[:i], ":") {
				k, v = line[:i], line[i+3:]
				if b, err := base64.StdEncoding.DecodeString(v); err == nil {
					v = string(b)
				}
			} else if before, after, ok := strings.Cut(line, ": "); ok {
				k, v = before, after
			} else {
				k = strings.TrimSuffix(line, ":")
			}
			k = strings.ToLower(k)
			m[k] = append(m[k], v)
		}
		if len(m) > 0 && m["dn"] != nil {
			entries = append(entries, m)
		}
	}
	return entries
}

// HighestUSN reads highestCommittedUSN: unchanged means nothing was written.
func HighestUSN(t testing.TB) string {
	t.Helper()
	es := LDAPSearch(t, "", "base", "(objectClass=*)", "highestCommittedUSN")
	if len(es) != 1 {
		t.Fatalf("RootDSE: %v", es)
	}
	return es[0]["highestcommittedusn"][0]
}

// EscapeFilter is re-exported for tests that build filters.
var EscapeFilter = ldap.EscapeFilter

// Reset returns the shared test lab to its seeded state; tests that write call
// it first, so each starts from the seed whatever ran before.
func Reset(t testing.TB) lab.Env {
	t.Helper()
	Env(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	e, err := theLab.Reset(ctx)
	if err != nil {
		t.Fatalf("resetting the test lab: %v", err)
	}
	return e
}

// DSACL returns the SDDL that Samba's own tool prints for an object, read from
// the lab's database: an independent view of what umctl wrote.
func DSACL(t testing.TB, dn string) string {
	t.Helper()
	Env(t)
	out, err := exec.Command("samba-tool", "dsacl", "get", "-H", theLab.Dir+"/private/sam.ldb", "--objectdn="+dn).CombinedOutput()
	if err != nil {
		t.Fatalf("samba-tool dsacl get %s: %v\n%s", dn, err, out)
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	return lines[len(lines)-1]
}

// Apply sends LDIF change records to the lab as the administrator (test setup).
func Apply(t testing.TB, text string) {
	t.Helper()
	d := Dial(t)
	if n, err := lab.ApplyLDIF(d.Conn(), text); err != nil {
		t.Fatalf("LDIF entry %d: %v", n+1, err)
	}
}
