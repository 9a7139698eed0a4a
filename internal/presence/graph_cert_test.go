package presence

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/routing"
)

// With certificate_file/key_file the token request carries a client assertion
// (RFC 7523) that the token endpoint verifies with the certificate it knows by
// its thumbprint (x5t): RS256 signature, aud = the token URL, iss = sub = client id.
func TestGraphCertificateCredential(t *testing.T) {
	key, _ := rsa.GenerateKey(rand.Reader, 2048)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(7), Subject: pkix.Name{CommonName: "umctl-relay"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	dir := t.TempDir()
	certFile, keyFile := filepath.Join(dir, "app.pem"), filepath.Join(dir, "app-key.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)}), 0o600)
	thumb := sha1.Sum(der)

	var srvURL string
	verified := false
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") {
			if err := verifyAssertion(r, &key.PublicKey, base64.RawURLEncoding.EncodeToString(thumb[:]), srvURL+r.URL.Path); err != nil {
				w.WriteHeader(401)
				_, _ = fmt.Fprintf(w, `{"error":"invalid_client","error_description":%q}`, err.Error())
				return
			}
			verified = true
			_, _ = fmt.Fprint(w, `{"token_type":"Bearer","expires_in":3599,"access_token":"tok"}`)
			return
		}
		_, _ = fmt.Fprint(w, `{"value":[{"id":"00000000-0000-4000-8000-000000000000","availability":"DoNotDisturb","activity":"Presenting"}]}`)
	}))
	defer srv.Close()
	srvURL = srv.URL
	cred, err := LoadCertCredential(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	cache := routing.NewCache(time.Minute)
	cache.SetWatched([]string{"sip:a@contoso.com"})
	g := NewGraph(GraphConfig{Tenant: "contoso.onmicrosoft.com", ClientID: "11111111-2222-3333-4444-555555555555", Cert: cred,
		AuthorityURL: srv.URL, GraphURL: srv.URL, IDs: func() map[string]string {
			return map[string]string{"sip:a@contoso.com": "00000000-0000-4000-8000-000000000000"}
		}}, cache)
	if err := g.Poll(context.Background()); err != nil || !verified {
		t.Fatalf("poll: %v (assertion verified: %v)", err, verified)
	}
	if s, _ := cache.Lookup(context.Background(), routing.Target{Key: "sip:a@contoso.com"}); s != routing.Busy {
		t.Fatalf("state %s, want busy", s)
	}
	if _, err := LoadCertCredential(certFile, certFile); err == nil {
		t.Fatal("a certificate as its own key was accepted")
	}
}

func verifyAssertion(r *http.Request, pub *rsa.PublicKey, x5t, aud string) error {
	if r.FormValue("client_assertion_type") != "urn:ietf:params:oauth:client-assertion-type:jwt-bearer" || r.FormValue("client_secret") != "" {
		return fmt.Errorf("not a client assertion")
	}
	parts := strings.Split(r.FormValue("client_assertion"), ".")
	if len(parts) != 3 {
		return fmt.Errorf("not a JWT")
	}
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	digest := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if err := rsa.VerifyPKCS1v15(pub, crypto.SHA256, digest[:], sig); err != nil {
		return err
	}
	var h, c map[string]any
	hb, _ := base64.RawURLEncoding.DecodeString(parts[0])
	cb, _ := base64.RawURLEncoding.DecodeString(parts[1])
	_ = json.Unmarshal(hb, &h)
	_ = json.Unmarshal(cb, &c)
	now := float64(time.Now().Unix())
	if h["alg"] != "RS256" || h["x5t"] != x5t || c["aud"] != aud || c["iss"] != r.FormValue("client_id") || c["sub"] != c["iss"] ||
		c["exp"].(float64) <= now || c["nbf"].(float64) > now+1 || c["jti"] == "" {
		return fmt.Errorf("claims %v header %v", c, h)
	}
	return nil
}
