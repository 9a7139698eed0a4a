package auth

import (
	"crypto/x509"

	"github.com/go-ldap/ldap/v3"
	"github.com/go-ldap/ldap/v3/gssapi"
)

// NegotiateSupported is true where --auth negotiate works.
const NegotiateSupported = true

// Negotiate returns an SSPI client with the logged-on user's credentials.
// Given the server's certificate (LDAPS, StartTLS) it sends the channel
// binding token that DCs enforcing LDAP channel binding require.
func Negotiate(cert *x509.Certificate) (ldap.GSSAPIClient, error) {
	var c *gssapi.SSPIClient
	var err error
	if cert != nil {
		c, err = gssapi.NewSSPIClientWithChannelBinding(cert)
	} else {
		c, err = gssapi.NewSSPIClient()
	}
	if err != nil {
		return nil, fail(ErrNoCredentials, "negotiate: no Windows logon credentials for this process (%v): run umctl as a domain user, or use --auth kerberos or simple", err)
	}
	return c, nil
}
