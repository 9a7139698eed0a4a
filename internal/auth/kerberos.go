package auth

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
	"github.com/go-ldap/ldap/v3/gssapi"
	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/keytab"
)

// DefaultKrb5Conf is where krb5.conf is when KRB5_CONFIG is not set.
const DefaultKrb5Conf = "/etc/krb5.conf"

// Krb5ConfPath picks the krb5.conf: the first existing file of KRB5_CONFIG (a
// list separated by the OS's path list separator), else /etc/krb5.conf.
func Krb5ConfPath(env string) string {
	if env == "" {
		return DefaultKrb5Conf
	}
	list := filepath.SplitList(env)
	for _, p := range list {
		if _, err := os.Stat(p); err == nil {
			return p
		}
	}
	return list[0]
}

// Kerberos holds one Kerberos credential source: a keytab (with a principal),
// else a password (with a principal), else a file credential cache.
type Kerberos struct {
	Config    string // krb5.conf path
	CCache    string // file credential cache path
	Keytab    string // keytab path
	Principal string // user or user@REALM (keytab and password)
	Password  string
	Now       func() time.Time // for tests; nil is time.Now
}

// Source names the credential that Client will use.
func (k Kerberos) Source() string {
	switch {
	case k.Keytab != "":
		return "keytab " + k.Keytab
	case k.Password != "":
		return "password"
	}
	return "credential cache " + k.CCache
}

// Client logs in (keytab, password) or loads the cache, and returns a GSSAPI
// client for go-ldap whose errors name their cause.
func (k Kerberos) Client() (ldap.GSSAPIClient, error) {
	cfg, err := k.loadConfig()
	if err != nil {
		return nil, err
	}
	settings := []func(*client.Settings){client.DisablePAFXFAST(true)} // AD does not offer FAST to every client
	w := whoami{source: k.Source(), config: k.Config}
	var cl *client.Client
	if k.Keytab == "" && k.Password == "" {
		now := time.Now
		if k.Now != nil {
			now = k.Now
		}
		cc, err := loadCCache(k.CCache, now())
		if err != nil {
			return nil, err
		}
		w.principal, w.realm = ccPrincipal(cc), cc.DefaultPrincipal.Realm
		w.kdcs = kdcsOf(cfg, w.realm)
		if cl, err = client.NewFromCCache(cc, cfg, settings...); err != nil {
			return nil, w.explain(err, "")
		}
		return &explained{Client: &gssapi.Client{Client: cl}, who: w}, nil
	}
	user, realm, err := k.principal(cfg)
	if err != nil {
		return nil, err
	}
	w.principal, w.realm, w.kdcs = user+"@"+realm, realm, kdcsOf(cfg, realm)
	if k.Keytab != "" {
		kt, err := k.loadKeytab(user, realm)
		if err != nil {
			return nil, err
		}
		cl = client.NewWithKeytab(user, realm, kt, cfg, settings...)
	} else {
		cl = client.NewWithPassword(user, realm, k.Password, cfg, settings...)
	}
	if err := cl.Login(); err != nil {
		return nil, w.explain(err, "")
	}
	return &explained{Client: &gssapi.Client{Client: cl}, who: w}, nil
}

func (k Kerberos) loadConfig() (*config.Config, error) {
	if _, err := os.Stat(k.Config); err != nil {
		return nil, fail(ErrConfig, "kerberos: no krb5.conf at %s: set KRB5_CONFIG to a krb5.conf that names your realm's KDCs (`umctl lab env` prints the lab's)", k.Config)
	}
	cfg, err := config.Load(k.Config)
	if err != nil {
		var un config.UnsupportedDirective
		if !errors.As(err, &un) { // unsupported directives are ignored, like MIT does
			return nil, fail(ErrConfig, "kerberos: krb5.conf %s: %v", k.Config, err)
		}
	}
	return cfg, nil
}

// principal splits Principal into user and realm (the default realm when it
// has none) and checks that krb5.conf can find the realm's KDC.
func (k Kerberos) principal(cfg *config.Config) (string, string, error) {
	if k.Principal == "" {
		return "", "", fail(ErrNoCredentials, "kerberos: --principal is required with a %s (user@REALM, or UMCTL_PRINCIPAL)", k.Source())
	}
	user, realm, _ := strings.Cut(k.Principal, "@")
	if realm == "" {
		realm = cfg.LibDefaults.DefaultRealm
	}
	if user == "" || realm == "" {
		return "", "", fail(ErrWrongRealm, "kerberos: --principal %q: expected user@REALM (krb5.conf %s has no default_realm)", k.Principal, k.Config)
	}
	if cfg.LibDefaults.DNSLookupKDC {
		return user, realm, nil
	}
	var names []string
	for _, r := range cfg.Realms {
		if strings.EqualFold(r.Realm, realm) && len(r.KDC) > 0 {
			return user, r.Realm, nil
		}
		names = append(names, r.Realm)
	}
	return "", "", fail(ErrWrongRealm, "kerberos: --principal %s: krb5.conf %s names no KDC for realm %s (it has: %s)", k.Principal, k.Config, realm, orNone(names))
}

// loadKeytab reads the keytab and checks that it holds a key of user@realm.
func (k Kerberos) loadKeytab(user, realm string) (*keytab.Keytab, error) {
	kt, err := keytab.Load(k.Keytab)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) || errors.Is(err, os.ErrPermission) {
			return nil, fail(ErrNotKeytab, "--keytab: %v", err)
		}
		return nil, fail(ErrNotKeytab, "--keytab %s is not a keytab (%v): make one with `ktutil` or `samba-tool domain exportkeytab`", k.Keytab, err)
	}
	var have []string
	seen := map[string]bool{}
	for _, e := range kt.Entries {
		name := strings.Join(e.Principal.Components, "/")
		if strings.EqualFold(name, user) && strings.EqualFold(e.Principal.Realm, realm) {
			return kt, nil
		}
		if p := name + "@" + e.Principal.Realm; !seen[p] {
			seen[p] = true
			have = append(have, p)
		}
	}
	return nil, fail(ErrWrongKey, "--keytab %s holds no key for %s@%s (it has: %s): give the keytab's principal with --principal", k.Keytab, user, realm, orNone(have))
}

func kdcsOf(cfg *config.Config, realm string) []string {
	for _, r := range cfg.Realms {
		if strings.EqualFold(r.Realm, realm) {
			return r.KDC
		}
	}
	return nil
}

// explained is go-ldap's GSSAPI client with errors that name their cause.
type explained struct {
	*gssapi.Client
	who whoami
}

func (e *explained) InitSecContext(target string, token []byte) ([]byte, bool, error) {
	return e.InitSecContextWithOptions(target, token, nil)
}

func (e *explained) InitSecContextWithOptions(target string, token []byte, opts []int) ([]byte, bool, error) {
	out, more, err := e.Client.InitSecContextWithOptions(target, token, opts)
	return out, more, e.who.explain(err, target)
}
