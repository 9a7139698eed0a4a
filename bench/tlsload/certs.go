package main

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"path/filepath"
	"time"

	"github.com/umctl/umctl/internal/certgen"
)

// writeCerts writes a throwaway CA and a certificate for 127.0.0.1 signed by it.
func writeCerts(dir string) error {
	from, until := time.Now().Add(-time.Hour), time.Now().Add(24*time.Hour)
	ca, err := certgen.NewCA(certgen.Template{Subject: pkix.Name{CommonName: "tlsload CA"}, NotBefore: from, NotAfter: until})
	if err != nil {
		return err
	}
	cert, key, err := ca.Issue(certgen.Template{Subject: pkix.Name{CommonName: "127.0.0.1"}, Names: []string{"127.0.0.1", "localhost"},
		NotBefore: from, NotAfter: until, Usage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth}})
	if err != nil {
		return err
	}
	if err := certgen.WriteCert(filepath.Join(dir, "ca.pem"), ca.DER, 0o600); err != nil {
		return err
	}
	if err := certgen.WriteCert(filepath.Join(dir, "cert.pem"), cert, 0o600); err != nil {
		return err
	}
	return certgen.WriteKey(filepath.Join(dir, "key.pem"), key)
}
