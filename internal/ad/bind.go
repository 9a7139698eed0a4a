package ad

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"

	"github.com/go-ldap/ldap/v3"
)

// bind authenticates the connection: a SASL GSSAPI bind when the settings
// carry a GSSAPI client maker, else a simple bind. Both run over TLS only.
func (d *Dir) bind(ctx context.Context, hostport string) error {
	if d.settings.GSSAPI != nil {
		return d.gssapiBind(ctx, hostport)
	}
	s := d.settings
	if err := d.conn.Bind(s.BindDN, s.Password); err != nil {
		if isTimeout(err) {
			return noAnswer(hostport, d.timeout)
		}
		if ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials) {
			return fmt.Errorf("%w: bind as %q on %s was refused: invalid credentials", ErrAuth, s.BindDN, hostport)
		}
		if ldap.IsErrorWithCode(err, ldap.ErrorNetwork) {
			return fmt.Errorf("%w: %s: %v", ErrUnreachable, hostport, err)
		}
		return fmt.Errorf("bind as %q on %s: %w", s.BindDN, hostport, err)
	}
	return nil
}

// gssapiBind binds with Kerberos or Negotiate. go-ldap negotiates no SASL
// security layer, which is why it runs over LDAPS or StartTLS only.
func (d *Dir) gssapiBind(ctx context.Context, hostport string) error {
	spn, err := d.servicePrincipal(ctx, hostport)
	if err != nil {
		return err
	}
	var cert *x509.Certificate
	if st, ok := d.conn.TLSConnectionState(); ok && len(st.PeerCertificates) > 0 {
		cert = st.PeerCertificates[0]
	}
	client, err := d.settings.GSSAPI(cert)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrAuth, err)
	}
	if c, ok := client.(io.Closer); ok {
		defer c.Close()
	}
	err = d.conn.GSSAPIBind(client, spn, "")
	switch {
	case err == nil:
		return nil
	case isTimeout(err):
		return noAnswer(hostport, d.timeout)
	case ldap.IsErrorWithCode(err, ldap.ErrorNetwork):
		return fmt.Errorf("%w: %s: %v", ErrUnreachable, hostport, err)
	case ldap.IsErrorWithCode(err, ldap.LDAPResultInvalidCredentials), ldap.IsErrorWithCode(err, ldap.LDAPResultStrongAuthRequired):
		return fmt.Errorf("%w: the domain controller %s refused the GSSAPI bind for %s: %v", ErrAuth, hostport, spn, err)
	}
	var le *ldap.Error
	if errors.As(err, &le) {
		return fmt.Errorf("GSSAPI bind on %s: %w", hostport, err)
	}
	return fmt.Errorf("%w: %w", ErrAuth, err)
}

// servicePrincipal is ldap/<DC host name>: the dnsHostName that RootDSE
// (readable before a bind, over the verified TLS connection) gives, so that an
// alias or address in --server (ldaps://contoso.com, a load balancer, an IP)
// still finds the DC's own principal; else the host of --server.
func (d *Dir) servicePrincipal(ctx context.Context, hostport string) (string, error) {
	if d.settings.SPN != "" {
		return d.settings.SPN, nil
	}
	if err := d.readRootDSE(ctx); err == nil && d.RootDSE.DNSHostName != "" {
		return "ldap/" + d.RootDSE.DNSHostName, nil
	}
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if net.ParseIP(host) == nil {
		return "ldap/" + host, nil
	}
	return "", fmt.Errorf("%w: --server names the address %s, and its RootDSE gives no dnsHostName: Kerberos needs the domain controller's host name: give --server ldaps://dc1.contoso.com", ErrInvalid, host)
}
