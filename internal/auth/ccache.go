package auth

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/jcmturner/gokrb5/v8/credentials"
)

// CCachePath turns the value of KRB5CCNAME into a file path that gokrb5 can
// read. An empty value is the default cache, /tmp/krb5cc_<uid>.
func CCachePath(name string, uid int) (string, error) {
	if name == "" {
		return fmt.Sprintf("/tmp/krb5cc_%d", uid), nil
	}
	typ, rest, ok := strings.Cut(name, ":")
	if !ok || len(typ) == 1 { // a plain path, or C:\… on Windows
		return name, nil
	}
	switch strings.ToUpper(typ) {
	case "FILE":
		return rest, nil
	case "KEYRING", "KCM", "DIR", "MEMORY", "API", "MSLSA":
		return "", fail(ErrUnsupportedCache, "KRB5CCNAME=%s: umctl reads file credential caches only (%s: caches cannot be read by its Kerberos library): run `kinit -c FILE:/tmp/krb5cc_umctl PRINCIPAL` and set KRB5CCNAME=FILE:/tmp/krb5cc_umctl", name, strings.ToUpper(typ))
	}
	return "", fail(ErrUnsupportedCache, "KRB5CCNAME=%s: unknown cache type %q: expected FILE:/path", name, typ)
}

// loadCCache reads a file cache and checks that it holds a ticket-granting
// ticket that has not expired.
func loadCCache(path string, now time.Time) (*credentials.CCache, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return nil, fail(ErrNoCredentials, "kerberos: no credential cache at %s: run `kinit -c FILE:%s PRINCIPAL` (or give --keytab with --principal)", path, path)
	}
	cc, err := credentials.LoadCCache(path)
	if err != nil {
		return nil, fail(ErrNoCredentials, "kerberos: %s is not a readable credential cache (%v): run `kinit -c FILE:%s PRINCIPAL`", path, err, path)
	}
	realm := cc.DefaultPrincipal.Realm
	for _, c := range cc.GetEntries() {
		if len(c.Server.PrincipalName.NameString) == 2 && c.Server.PrincipalName.NameString[0] == "krbtgt" && c.Server.PrincipalName.NameString[1] == realm {
			if now.After(c.EndTime) {
				return nil, fail(ErrExpired, "kerberos: the ticket in %s for %s expired at %s: run kinit again", path, ccPrincipal(cc), c.EndTime.Local().Format(time.DateTime))
			}
			return cc, nil
		}
	}
	return nil, fail(ErrNoCredentials, "kerberos: the credential cache %s holds no ticket-granting ticket for %s: run kinit again", path, ccPrincipal(cc))
}

func ccPrincipal(cc *credentials.CCache) string {
	return cc.DefaultPrincipal.PrincipalName.PrincipalNameString() + "@" + cc.DefaultPrincipal.Realm
}
