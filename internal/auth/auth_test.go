package auth

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/jcmturner/gokrb5/v8/iana/errorcode"
	"github.com/jcmturner/gokrb5/v8/messages"
)

func TestResolve(t *testing.T) {
	for _, tc := range []struct {
		mode Mode
		h    Hints
		want Mode
	}{
		{ModeAuto, Hints{GOOS: "linux"}, ModeSimple},
		{ModeAuto, Hints{GOOS: "windows"}, ModeNegotiate},
		{ModeAuto, Hints{GOOS: "windows", PasswordGiven: true}, ModeSimple},
		{ModeAuto, Hints{GOOS: "windows", Keytab: "k"}, ModeKerberos},
		{ModeAuto, Hints{GOOS: "linux", CCacheEnv: "FILE:/tmp/cc"}, ModeKerberos},
		{ModeAuto, Hints{GOOS: "linux", CCacheEnv: "FILE:/tmp/cc", PasswordGiven: true}, ModeSimple},
		{ModeAuto, Hints{GOOS: "linux", Keytab: "k", PasswordGiven: true}, ModeKerberos},
		{ModeSimple, Hints{GOOS: "windows", Keytab: "k"}, ModeSimple},
		{ModeNegotiate, Hints{GOOS: "linux"}, ModeNegotiate},
	} {
		if got := Resolve(tc.mode, tc.h); got != tc.want {
			t.Errorf("Resolve(%s, %+v) = %s, want %s", tc.mode, tc.h, got, tc.want)
		}
	}
}

func TestParseMode(t *testing.T) {
	for in, want := range map[string]Mode{"": ModeAuto, "Kerberos": ModeKerberos, " simple ": ModeSimple, "negotiate": ModeNegotiate} {
		if got, err := ParseMode(in); err != nil || got != want {
			t.Errorf("ParseMode(%q) = %s, %v", in, got, err)
		}
	}
	if _, err := ParseMode("gssapi"); err == nil || !strings.Contains(err.Error(), "expected one of simple, kerberos, negotiate, auto") {
		t.Errorf("ParseMode(gssapi): %v", err)
	}
}

func TestCCachePath(t *testing.T) {
	for in, want := range map[string]string{"": "/tmp/krb5cc_1000", "FILE:/tmp/cc": "/tmp/cc", "/tmp/cc": "/tmp/cc", `C:\krb\cc`: `C:\krb\cc`} {
		if got, err := CCachePath(in, 1000); err != nil || got != want {
			t.Errorf("CCachePath(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"KEYRING:persistent:1000", "KCM:", "DIR:/run/user/1000/krb5cc", "MEMORY:x", "BOGUS:x"} {
		_, err := CCachePath(in, 1000)
		if !errors.Is(err, ErrUnsupportedCache) || !strings.Contains(err.Error(), "KRB5CCNAME="+in) {
			t.Errorf("CCachePath(%q): %v", in, err)
		}
	}
}

// TestExplain covers what the lab cannot produce for real, such as clock skew:
// each gokrb5 failure, flattened to text the way gokrb5 does, gets its kind.
func TestExplain(t *testing.T) {
	w := whoami{principal: "svc@CONTOSO.COM", source: "keytab /etc/svc.keytab", realm: "CONTOSO.COM", kdcs: []string{"dc1:88"}, config: "/etc/krb5.conf"}
	krb := func(code int32) error {
		return fmt.Errorf("[Root cause: KDC_Error] KDC_Error: AS Exchange Error: kerberos error response from KDC: %w", messages.KRBError{ErrorCode: code})
	}
	for _, tc := range []struct {
		err  error
		kind error
		want string
	}{
		{krb(errorcode.KRB_AP_ERR_SKEW), ErrClockSkew, "synchronise the clock"},
		{krb(errorcode.KDC_ERR_C_PRINCIPAL_UNKNOWN), ErrUnknownPrincipal, "does not know the principal svc@CONTOSO.COM"},
		{krb(errorcode.KDC_ERR_S_PRINCIPAL_UNKNOWN), ErrUnknownService, "no service principal ldap/dc1.contoso.com"},
		{krb(errorcode.KDC_ERR_PREAUTH_FAILED), ErrWrongKey, "keys in keytab /etc/svc.keytab do not match"},
		{krb(errorcode.KRB_AP_ERR_TKT_EXPIRED), ErrExpired, "run kinit again"},
		{krb(errorcode.KDC_ERR_CLIENT_REVOKED), ErrRevoked, "disabled or locked out"},
		{errors.New("[Root cause: Networking_Error] Networking_Error: AS Exchange Error: failed sending AS_REQ to KDC: failed to communicate with KDC. Attempts made with UDP (error sending to a KDC: dial udp dc1:88: i/o timeout) and then TCP (x)"), ErrNoKDC, "tried dc1:88, from /etc/krb5.conf"},
		{errors.New("something new"), ErrKerberos, "something new"},
	} {
		got := w.explain(tc.err, "ldap/dc1.contoso.com")
		if !errors.Is(got, tc.kind) || !strings.Contains(got.Error(), tc.want) || strings.Contains(got.Error(), "\n") {
			t.Errorf("explain(%v) = %v, want kind %v saying %q", tc.err, got, tc.kind, tc.want)
		}
	}
}
