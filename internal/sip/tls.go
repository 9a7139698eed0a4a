package sip

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
)

// TLSFiles are the relay's certificate, key and (for mutual TLS) client CA.
type TLSFiles = TLSConfig

// ClientConfig is the TLS the relay uses toward tls:// next hops: it verifies
// them against tls.hop_ca (default: the system roots) and presents tls.cert, as
// Lync servers do to Exchange UM (mutual TLS).
func (t TLSConfig) ClientConfig() (*tls.Config, error) {
	conf := &tls.Config{MinVersion: tls.VersionTLS12}
	if t.Cert != "" && t.Key != "" {
		cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
		if err != nil {
			return nil, fmt.Errorf("tls.cert/tls.key: %w", err)
		}
		conf.Certificates = []tls.Certificate{cert}
	}
	if t.HopCA != "" {
		pool, err := loadPool(t.HopCA, "tls.hop_ca")
		if err != nil {
			return nil, err
		}
		conf.RootCAs = pool
	}
	return conf, nil
}

func loadPool(path, key string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s %s: no PEM certificate", key, path)
	}
	return pool, nil
}

// ServerConfig loads the files. With client_ca set, clients must present a
// certificate issued by it (mutual TLS, as Lync uses between servers).
func (t TLSConfig) ServerConfig() (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(t.Cert, t.Key)
	if err != nil {
		return nil, fmt.Errorf("tls.cert/tls.key: %w", err)
	}
	conf := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
	if t.ClientCA != "" {
		pool, err := loadPool(t.ClientCA, "tls.client_ca")
		if err != nil {
			return nil, err
		}
		conf.ClientCAs, conf.ClientAuth = pool, tls.RequireAndVerifyClientCert
	}
	return conf, nil
}
