//go:build !windows

package auth

import (
	"crypto/x509"

	"github.com/go-ldap/ldap/v3"
)

// NegotiateSupported is true where --auth negotiate works.
const NegotiateSupported = false

// Negotiate needs Windows' SSPI.
func Negotiate(*x509.Certificate) (ldap.GSSAPIClient, error) {
	return nil, fail(ErrNotWindows, "--auth negotiate uses the Windows logon (SSPI) and works on Windows only: here use --auth kerberos (a credential cache from kinit, or --keytab with --principal) or --auth simple")
}
