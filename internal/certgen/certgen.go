// Package certgen makes throwaway certificate authorities and the
// certificates they sign (P-256 keys), for the lab DC, the TLS tests and the
// TLS load tool. It is not for production certificates.
package certgen

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"time"
)

// CA is a self-signed certificate authority.
type CA struct {
	DER  []byte
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// Template is what a certificate says; Names are DNS names or IP addresses.
type Template struct {
	Subject             pkix.Name
	Names               []string
	NotBefore, NotAfter time.Time
	Usage               []x509.ExtKeyUsage
}

// NewCA makes a CA from t (its Names and Usage are ignored).
func NewCA(t Template) (*CA, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: t.Subject, NotBefore: t.NotBefore, NotAfter: t.NotAfter,
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	return &CA{DER: der, Cert: cert, Key: key}, nil
}

// Issue signs a certificate for t with a new key; it returns the
// certificate and the PKCS #8 key, both DER.
func (ca *CA) Issue(t Template) (certDER, keyDER []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, err
	}
	tmpl := &x509.Certificate{SerialNumber: serial(), Subject: t.Subject, NotBefore: t.NotBefore, NotAfter: t.NotAfter,
		KeyUsage: x509.KeyUsageDigitalSignature, ExtKeyUsage: t.Usage}
	for _, n := range t.Names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	certDER, err = x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return nil, nil, err
	}
	keyDER, err = x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, err
	}
	return certDER, keyDER, nil
}

// WriteCert writes a DER certificate as PEM with the given mode.
func WriteCert(path string, der []byte, mode os.FileMode) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), mode)
}

// WriteKey writes a PKCS #8 DER key as PEM, readable by the owner only.
func WriteKey(path string, der []byte) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
}

func serial() *big.Int {
	n, _ := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 96))
	return n
}
