package auth

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of authentication failure, for errors.Is.
var (
	ErrNoCredentials    = errors.New("no credentials")
	ErrUnsupportedCache = errors.New("unsupported credential cache")
	ErrNotKeytab        = errors.New("not a keytab")
	ErrConfig           = errors.New("krb5.conf")
	ErrWrongRealm       = errors.New("realm not configured")
	ErrUnknownPrincipal = errors.New("unknown principal")
	ErrUnknownService   = errors.New("unknown service principal")
	ErrWrongKey         = errors.New("wrong key")
	ErrExpired          = errors.New("expired")
	ErrClockSkew        = errors.New("clock skew")
	ErrNoKDC            = errors.New("no KDC reachable")
	ErrRevoked          = errors.New("credentials revoked")
	ErrKerberos         = errors.New("kerberos")
	ErrNotWindows       = errors.New("negotiate needs Windows")
)

// Error is one authentication failure: a full sentence saying what to fix,
// and its kind.
type Error struct {
	Kind error
	Msg  string
}

func (e *Error) Error() string { return e.Msg }
func (e *Error) Unwrap() error { return e.Kind }

func fail(kind error, format string, a ...any) error {
	return &Error{Kind: kind, Msg: fmt.Sprintf(format, a...)}
}

// whoami says which credential was used, for messages.
type whoami struct {
	principal string // user@REALM
	source    string // "keytab /path", "credential cache /path", "password"
	realm     string
	kdcs      []string
	config    string
}

// explain turns a gokrb5 error into one that names the cause and the fix.
// gokrb5 flattens KDC errors into text, so the KRB error names are matched.
func (w whoami) explain(err error, spn string) error {
	if err == nil {
		return nil
	}
	var ae *Error
	if errors.As(err, &ae) {
		return err
	}
	s := err.Error()
	has := func(subs ...string) bool {
		for _, sub := range subs {
			if strings.Contains(s, sub) {
				return true
			}
		}
		return false
	}
	switch {
	case has("KRB_AP_ERR_SKEW"):
		return fail(ErrClockSkew, "kerberos: this machine's clock and the KDC's differ by more than the allowed skew (KRB_AP_ERR_SKEW, usually 5 minutes): synchronise the clock (NTP) with the domain")
	case has("KDC_ERR_S_PRINCIPAL_UNKNOWN"):
		return fail(ErrUnknownService, "kerberos: the KDC knows no service principal %s: give the domain controller's host name in --server (ldaps://dc1.contoso.com), not an alias", spn)
	case has("KDC_ERR_C_PRINCIPAL_UNKNOWN"):
		return fail(ErrUnknownPrincipal, "kerberos: the KDC of %s does not know the principal %s: check --principal (user@REALM)", w.realm, w.principal)
	case has("KDC_ERR_WRONG_REALM"):
		return fail(ErrWrongRealm, "kerberos: the KDC says %s is in another realm: check the realm of --principal", w.principal)
	case has("KDC_ERR_PREAUTH_FAILED", "KRB_AP_ERR_BAD_INTEGRITY", "Decrypting_Error", "Checksum_Error"):
		if strings.HasPrefix(w.source, "keytab") {
			return fail(ErrWrongKey, "kerberos: the keys in %s do not match the KDC's for %s (was the password changed after the keytab was made?): export the keytab again", w.source, w.principal)
		}
		return fail(ErrWrongKey, "kerberos: the KDC refused the %s for %s: wrong password", w.source, w.principal)
	case has("KRB_AP_ERR_TKT_EXPIRED", "no valid existing session", "could not get valid TGT"):
		return fail(ErrExpired, "kerberos: the ticket from %s has expired: run kinit again", w.source)
	case has("KDC_ERR_KEY_EXPIRED"):
		return fail(ErrExpired, "kerberos: the password of %s has expired: change it, then try again", w.principal)
	case has("KDC_ERR_CLIENT_REVOKED"):
		return fail(ErrRevoked, "kerberos: the account %s is disabled or locked out (KDC_ERR_CLIENT_REVOKED)", w.principal)
	case has("error sending to a KDC", "communication error with KDC", "failed to communicate with KDC", "no KDCs", "no response data from"):
		return fail(ErrNoKDC, "kerberos: no KDC of realm %s answered (tried %s, from %s): check the kdc lines of that krb5.conf (KRB5_CONFIG) and that port 88 is reachable",
			w.realm, orNone(w.kdcs), w.config)
	}
	return fail(ErrKerberos, "kerberos as %s (%s): %v", w.principal, w.source, err)
}

func orNone(list []string) string {
	if len(list) == 0 {
		return "none"
	}
	return strings.Join(list, ", ")
}
