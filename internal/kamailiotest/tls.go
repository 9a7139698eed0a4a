package kamailiotest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/sipptest"
)

// TestCA writes ca.pem, a server certificate for names (server.pem,
// server-key.pem; valid until notAfter; a client certificate too, as Lync's and
// Exchange's are) and a client certificate (client.pem, client-key.pem) into a
// temporary directory.
func TestCA(t *testing.T, notAfter time.Time, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	caKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "probe test CA"}, NotBefore: time.Now().Add(-48 * time.Hour),
		NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, _ := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	caCert, _ := x509.ParseCertificate(caDER)
	write := func(name, typ string, der []byte) {
		if err := os.WriteFile(filepath.Join(dir, name), pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	issue := func(base string, serial int64, cn string, until time.Time, names []string, usage ...x509.ExtKeyUsage) {
		key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		tmpl := &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn}, NotBefore: time.Now().Add(-24 * time.Hour),
			NotAfter: until, ExtKeyUsage: usage, KeyUsage: x509.KeyUsageDigitalSignature}
		for _, n := range names {
			if ip := net.ParseIP(n); ip != nil {
				tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
			} else {
				tmpl.DNSNames = append(tmpl.DNSNames, n)
			}
		}
		der, _ := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		kder, _ := x509.MarshalPKCS8PrivateKey(key)
		write(base+".pem", "CERTIFICATE", der)
		write(base+"-key.pem", "PRIVATE KEY", kder)
	}
	write("ca.pem", "CERTIFICATE", caDER)
	issue("server", 2, "pool01.contoso.com", notAfter, names, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	issue("client", 3, "um01.contoso.com", time.Now().Add(time.Hour), []string{"um01.contoso.com"}, x509.ExtKeyUsageClientAuth)
	return dir
}

// StartTLS runs Kamailio with a TLS listener using dir's server certificate;
// verify requires a client certificate from dir's CA. It returns the TLS port.
func StartTLS(t *testing.T, dir string, verify bool) int {
	t.Helper()
	Need(t)
	if m, _ := filepath.Glob("/usr/lib/*/kamailio/modules/tls.so"); len(m) == 0 {
		if os.Getenv("UMCTL_REQUIRE_KAMAILIO") == "1" {
			t.Fatal("kamailio's TLS module required (UMCTL_REQUIRE_KAMAILIO=1) but not installed (Debian package kamailio-tls-modules)")
		}
		t.Skip("kamailio's TLS module not installed (Debian package kamailio-tls-modules)")
	}
	udp, tlsPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "tcp")
	v := "0"
	if verify {
		v = "1"
	}
	q := func(f string) string { return fmt.Sprintf("%q", filepath.Join(dir, f)) }
	Start(t, Config("internal/kamailiotest/tls.cfg"), fmt.Sprintf("127.0.0.1:%d", udp),
		fmt.Sprintf("LISTEN=udp:127.0.0.1:%d", udp), fmt.Sprintf("LISTEN_TLS=tls:127.0.0.1:%d", tlsPort),
		"CERT="+q("server.pem"), "KEY="+q("server-key.pem"), "CA="+q("ca.pem"), "VERIFY="+v)
	return tlsPort
}
