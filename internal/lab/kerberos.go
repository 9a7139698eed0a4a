package lab

import (
	"context"
	"fmt"
	"net"
	"os"
	"os/exec"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"

	"github.com/umctl/umctl/internal/ad"
)

// DCName is the lab DC's DNS host name; its LDAP service principal is ldap/DCName.
const DCName = Host + "." + Domain

// krb5Conf is a krb5.conf that finds the lab's KDC on its address, with no DNS.
func (l *Lab) krb5Conf() string {
	return fmt.Sprintf(`# written by umctl lab: the lab's KDC on %[1]s, no DNS look-ups
[libdefaults]
	default_realm = %[2]s
	dns_lookup_kdc = false
	dns_lookup_realm = false
	rdns = false
	udp_preference_limit = 1
[realms]
	%[2]s = {
		kdc = %[1]s:88
		admin_server = %[1]s
	}
[domain_realm]
	.%[3]s = %[2]s
	%[3]s = %[2]s
`, l.Address, Realm, Domain)
}

// kdcAnswers says whether the lab's KDC accepts TCP connections (a lab started
// by an older umctl ran without it).
func (l *Lab) kdcAnswers() bool {
	c, err := net.DialTimeout("tcp", net.JoinHostPort(l.Address, "88"), time.Second)
	if err != nil {
		return false
	}
	c.Close()
	return true
}

// prepareKerberos writes DIR/krb5.conf and gives the DC the ldap/ service
// principals that a Windows DC registers (Samba's SPN update is off in the lab).
func (l *Lab) prepareKerberos(ctx context.Context, env Env) error {
	if err := os.WriteFile(env.Krb5Conf, []byte(l.krb5Conf()), 0o644); err != nil {
		return err
	}
	d, err := ad.Dial(ctx, env.Settings())
	if err != nil {
		return err
	}
	defer d.Close()
	dc := "CN=" + strings.ToUpper(Host) + ",OU=Domain Controllers," + BaseDN
	for _, spn := range []string{"ldap/" + DCName, "ldap/" + strings.ToUpper(Host), "ldap/" + DCName + "/" + Domain} {
		m := ldap.NewModifyRequest(dc, nil)
		m.Add("servicePrincipalName", []string{spn})
		if err := d.Conn().Modify(m); err != nil && !ldap.IsErrorWithCode(err, ldap.LDAPResultAttributeOrValueExists) {
			return fmt.Errorf("adding service principal %s to %s: %w", spn, dc, err)
		}
	}
	return nil
}

// Keytab exports the keys of a lab account (sAMAccountName, e.g. Administrator)
// into a keytab file (mode 0600) with samba-tool, for Kerberos logins.
func (l *Lab) Keytab(ctx context.Context, account, path string) error {
	if account == "" || strings.ContainsAny(account, "@/\\ ") {
		return fmt.Errorf("%w: account %q: expected a sAMAccountName such as Administrator", ad.ErrInvalid, account)
	}
	if _, err := os.Stat(l.path("private", "sam.ldb")); err != nil {
		return fmt.Errorf("no lab in %s (run `umctl lab up` first)", l.Dir)
	}
	_ = os.Remove(path) // samba-tool appends to an existing keytab
	principal := account + "@" + Realm
	out, err := exec.CommandContext(ctx, "samba-tool", "domain", "exportkeytab", path, "--principal="+principal, "-s", l.path("etc", "smb.conf")).CombinedOutput()
	if err != nil {
		return fmt.Errorf("samba-tool domain exportkeytab %s: %v: %s", principal, err, strings.TrimSpace(string(out)))
	}
	if st, err := os.Stat(path); err != nil || st.Size() == 0 {
		_ = os.Remove(path)
		return fmt.Errorf("%w: no account %s in the lab (samba-tool exported no key)", ad.ErrInvalid, account)
	}
	return os.Chmod(path, 0o600)
}
