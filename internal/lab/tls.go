package lab

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"os"
	"path/filepath"
	"time"

	"github.com/umctl/umctl/internal/certgen"
)

// makeCerts writes a lab CA and a server certificate for the DC (SANs: the DC's
// FQDN, localhost and the lab address) into dir: ca.pem, cert.pem, key.pem (0600).
func makeCerts(dir, fqdn, address string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	now := time.Now().Add(-time.Hour)
	org := []string{"umctl lab"}
	ca, err := certgen.NewCA(certgen.Template{Subject: pkix.Name{Organization: org, CommonName: "umctl lab CA " + filepath.Base(filepath.Dir(dir))},
		NotBefore: now, NotAfter: now.AddDate(10, 0, 0)})
	if err != nil {
		return err
	}
	names := []string{fqdn, "localhost", address}
	if address == "127.0.0.1" {
		names = append(names, "::1")
	}
	cert, key, err := ca.Issue(certgen.Template{Subject: pkix.Name{Organization: org, CommonName: fqdn}, Names: names,
		NotBefore: now, NotAfter: now.AddDate(10, 0, 0), Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}})
	if err != nil {
		return err
	}
	if err := certgen.WriteCert(filepath.Join(dir, "ca.pem"), ca.DER, 0o644); err != nil {
		return err
	}
	if err := certgen.WriteCert(filepath.Join(dir, "cert.pem"), cert, 0o644); err != nil {
		return err
	}
	return certgen.WriteKey(filepath.Join(dir, "key.pem"), key) // Samba refuses a key others can read
}
