package kamailiotest

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/certgen"
	"github.com/umctl/umctl/internal/sipptest"
)

// TestCA writes ca.pem, a server certificate for names (server.pem,
// server-key.pem; valid until notAfter; a client certificate too, as Lync's and
// Exchange's are) and a client certificate (client.pem, client-key.pem) into a
// temporary directory.
func TestCA(t testing.TB, notAfter time.Time, names ...string) string {
	t.Helper()
	dir := t.TempDir()
	ca, err := certgen.NewCA(certgen.Template{Subject: pkix.Name{CommonName: "probe test CA"},
		NotBefore: time.Now().Add(-48 * time.Hour), NotAfter: time.Now().Add(time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	if err := certgen.WriteCert(filepath.Join(dir, "ca.pem"), ca.DER, 0o600); err != nil {
		t.Fatal(err)
	}
	issue := func(base, cn string, until time.Time, names []string, usage ...x509.ExtKeyUsage) {
		cert, key, err := ca.Issue(certgen.Template{Subject: pkix.Name{CommonName: cn}, Names: names,
			NotBefore: time.Now().Add(-24 * time.Hour), NotAfter: until, Usage: usage})
		if err == nil {
			err = certgen.WriteCert(filepath.Join(dir, base+".pem"), cert, 0o600)
		}
		if err == nil {
			err = certgen.WriteKey(filepath.Join(dir, base+"-key.pem"), key)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	issue("server", "pool01.contoso.com", notAfter, names, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	issue("client", "um01.contoso.com", time.Now().Add(time.Hour), []string{"um01.contoso.com"}, x509.ExtKeyUsageClientAuth)
	return dir
}

// NeedTLS is Need for kamailio with its TLS module (Debian package kamailio-tls-modules).
func NeedTLS(t testing.TB) {
	t.Helper()
	Need(t)
	if m, _ := filepath.Glob("/usr/lib/*/kamailio/modules/tls.so"); len(m) == 0 {
		if os.Getenv("UMCTL_REQUIRE_KAMAILIO") == "1" {
			t.Fatal("kamailio's TLS module required (UMCTL_REQUIRE_KAMAILIO=1) but not installed (Debian package kamailio-tls-modules)")
		}
		t.Skip("kamailio's TLS module not installed (Debian package kamailio-tls-modules)")
	}
}

// StartTLS runs Kamailio with a TLS listener using dir's server certificate;
// verify requires a client certificate from dir's CA. It returns the TLS port.
func StartTLS(t *testing.T, dir string, verify bool) int {
	t.Helper()
	NeedTLS(t)
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

// TLSLegs is Kamailio running tlslegs.cfg: both TLS peers of a relay.
type TLSLegs struct {
	*Proc
	Caller    int // UDP: where callers (sipp) send their calls, to the relay over TLS
	CallerTCP int // the same over TCP (a caller that cancels: see tlslegs.cfg)
	TLS       int // the relay's next hop: tls://127.0.0.1:TLS, passed on to UM over UDP
}

// StartTLSLegs runs Kamailio as both TLS peers of a relay that listens on
// tls://127.0.0.1:relayPort and has Exchange UM (sipp) at 127.0.0.1:umPort
// over UDP, with dir's server certificate (presented as client too) and
// mutual TLS both ways. The test must start the relay before the first call.
func StartTLSLegs(t *testing.T, dir string, relayPort, umPort int) TLSLegs {
	t.Helper()
	NeedTLS(t)
	caller, callerTCP, umSide, tlsPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "tcp"), sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "tcp")
	q := func(f string) string { return fmt.Sprintf("%q", filepath.Join(dir, f)) }
	p := Start(t, Config("internal/kamailiotest/tlslegs.cfg"), fmt.Sprintf("127.0.0.1:%d", caller),
		fmt.Sprintf("LISTEN_CALLER=udp:127.0.0.1:%d", caller), fmt.Sprintf("LISTEN_CALLER_TCP=tcp:127.0.0.1:%d", callerTCP),
		fmt.Sprintf("LISTEN_UM=udp:127.0.0.1:%d", umSide),
		fmt.Sprintf("LISTEN_TLS=tls:127.0.0.1:%d", tlsPort),
		fmt.Sprintf(`RELAY="sip:127.0.0.1:%d;transport=tls"`, relayPort), fmt.Sprintf("RELAY_PORT=%d", relayPort),
		fmt.Sprintf(`UM="sip:127.0.0.1:%d"`, umPort), fmt.Sprintf("UM_PORT=%d", umPort),
		"CERT="+q("server.pem"), "KEY="+q("server-key.pem"), "CA="+q("ca.pem"))
	return TLSLegs{Proc: p, Caller: caller, CallerTCP: callerTCP, TLS: tlsPort}
}
