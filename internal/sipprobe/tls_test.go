package sipprobe

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/kamailiotest"
)

// OPTIONS over TLS and mutual TLS to Kamailio: the chain, the server's headers;
// a wrong name, an unknown CA, an expired certificate and a missing client
// certificate are trust failures with their one-line reason.
func TestOptionsTLS(t *testing.T) {
	good := kamailiotest.TestCA(t, time.Now().Add(time.Hour), "127.0.0.1", "pool01.contoso.com")
	port := kamailiotest.StartTLS(t, good, false)
	uri := fmt.Sprintf("sip:127.0.0.1:%d;transport=tls", port)
	ctx := context.Background()
	target, _ := ParseTarget(uri)

	res, err := Options(ctx, target, Config{CA: filepath.Join(good, "ca.pem")})
	if err != nil {
		t.Fatal(err)
	}
	if res.Status != 200 || res.Server != "kamailio-umctl-test" || !strings.Contains(res.Allow, "NOTIFY") || res.Supported != "timer" ||
		len(res.Chain) == 0 || res.Chain[0].Subject != "CN=pool01.contoso.com" || res.Chain[0].Issuer != "CN=probe test CA" ||
		strings.Join(res.Chain[0].Names, ",") != "pool01.contoso.com,127.0.0.1" {
		t.Fatalf("%+v", res)
	}

	// Without the CA: unknown CA (the chain is still shown).
	res, err = Options(ctx, target, Config{})
	wantTrust(t, err, "unknown CA")
	if res == nil || len(res.Chain) == 0 || res.Chain[0].Subject != "CN=pool01.contoso.com" {
		t.Fatalf("no chain with the trust failure: %+v", res)
	}

	// A certificate for other names: name mismatch.
	wrong := kamailiotest.TestCA(t, time.Now().Add(time.Hour), "pool02.contoso.com")
	wrongPort := kamailiotest.StartTLS(t, wrong, false)
	wt, _ := ParseTarget(fmt.Sprintf("sip:127.0.0.1:%d;transport=tls", wrongPort))
	_, err = Options(ctx, wt, Config{CA: filepath.Join(wrong, "ca.pem")})
	wantTrust(t, err, "name mismatch: the certificate is for pool02.contoso.com, not 127.0.0.1")

	// An expired certificate.
	old := kamailiotest.TestCA(t, time.Now().Add(-time.Hour), "127.0.0.1")
	oldPort := kamailiotest.StartTLS(t, old, false)
	ot, _ := ParseTarget(fmt.Sprintf("sip:127.0.0.1:%d;transport=tls", oldPort))
	_, err = Options(ctx, ot, Config{CA: filepath.Join(old, "ca.pem")})
	wantTrust(t, err, "expired")
}

// Mutual TLS: with the client certificate the OPTIONS is answered; without it
// the server refuses the handshake, a trust failure.
func TestOptionsMutualTLS(t *testing.T) {
	dir := kamailiotest.TestCA(t, time.Now().Add(time.Hour), "127.0.0.1")
	port := kamailiotest.StartTLS(t, dir, true)
	target, _ := ParseTarget(fmt.Sprintf("sip:127.0.0.1:%d;transport=tls", port))
	ctx := context.Background()
	res, err := Options(ctx, target, Config{CA: filepath.Join(dir, "ca.pem"), Cert: filepath.Join(dir, "client.pem"), Key: filepath.Join(dir, "client-key.pem")})
	if err != nil || res.Status != 200 {
		t.Fatalf("%+v %v", res, err)
	}
	_, err = Options(ctx, target, Config{CA: filepath.Join(dir, "ca.pem"), Timeout: 3 * time.Second})
	wantTrust(t, err, "refused our client certificate")
}

func wantTrust(t *testing.T, err error, reason string) {
	t.Helper()
	var te *TrustError
	if !errors.As(err, &te) || !strings.Contains(te.Reason, reason) {
		t.Fatalf("want a TLS trust failure %q, got %v", reason, err)
	}
}

// A host name (not an address) in the URI: resolved, and the certificate is
// verified against the name.
func TestOptionsTLSHostName(t *testing.T) {
	dir := kamailiotest.TestCA(t, time.Now().Add(time.Hour), "localhost")
	port := kamailiotest.StartTLS(t, dir, false)
	target, _ := ParseTarget(fmt.Sprintf("sip:localhost:%d;transport=tls", port))
	res, err := Options(context.Background(), target, Config{CA: filepath.Join(dir, "ca.pem")})
	if err != nil || res.Status != 200 || res.Address != fmt.Sprintf("localhost:%d", port) {
		t.Fatalf("%+v %v", res, err)
	}
}

// MWI over mutual TLS, as Exchange UM sends it to a Lync pool: Kamailio
// answers 200 only to the right event, content type and body.
func TestMWIMutualTLS(t *testing.T) {
	dir := kamailiotest.TestCA(t, time.Now().Add(time.Hour), "127.0.0.1")
	port := kamailiotest.StartTLS(t, dir, true)
	to, _ := ParseTarget("sip:alice@contoso.com")
	hop, _ := ParseTarget(fmt.Sprintf("sip:127.0.0.1:%d;transport=tls", port))
	conf := Config{CA: filepath.Join(dir, "ca.pem"), Cert: filepath.Join(dir, "client.pem"), Key: filepath.Join(dir, "client-key.pem")}
	for _, tc := range []struct {
		m    MWI
		want int
	}{{MWI{New: 2, Old: 5}, 200}, {MWI{New: 2, Old: 4}, 400}} {
		ans, err := SendMWI(context.Background(), to.Through(hop), tc.m, conf)
		if err != nil || ans.Status != tc.want || len(ans.Chain) == 0 {
			t.Fatalf("%+v: %+v %v", tc.m, ans, err)
		}
	}
}
