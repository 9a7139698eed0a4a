package presence

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// CertCredential signs client assertions (RFC 7523, as the Microsoft identity
// platform takes them) with the app's certificate instead of a secret.
type CertCredential struct {
	key *rsa.PrivateKey
	x5t string // base64url SHA-1 thumbprint of the certificate
}

// LoadCertCredential reads presence.graph.certificate_file and key_file (PEM;
// Entra ID takes RSA certificates).
func LoadCertCredential(certFile, keyFile string) (*CertCredential, error) {
	pair, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, fmt.Errorf("presence.graph.certificate_file/key_file: %w", err)
	}
	key, ok := pair.PrivateKey.(*rsa.PrivateKey)
	if !ok {
		return nil, errors.New("presence.graph.key_file: expected an RSA key (Entra ID signs and verifies client assertions with RS256)")
	}
	if _, err := x509.ParseCertificate(pair.Certificate[0]); err != nil {
		return nil, fmt.Errorf("presence.graph.certificate_file: %w", err)
	}
	sum := sha1.Sum(pair.Certificate[0]) // the thumbprint Entra ID knows the certificate by
	return &CertCredential{key: key, x5t: base64.RawURLEncoding.EncodeToString(sum[:])}, nil
}

// Assertion is a signed JWT for the token endpoint aud, valid for 10 minutes.
func (c *CertCredential) Assertion(clientID, aud string) (string, error) {
	jti := make([]byte, 16)
	_, _ = rand.Read(jti)
	now := time.Now()
	header, _ := json.Marshal(map[string]string{"alg": "RS256", "typ": "JWT", "x5t": c.x5t})
	claims, _ := json.Marshal(map[string]any{"aud": aud, "iss": clientID, "sub": clientID, "jti": hex.EncodeToString(jti),
		"nbf": now.Unix(), "iat": now.Unix(), "exp": now.Add(10 * time.Minute).Unix()})
	signing := base64.RawURLEncoding.EncodeToString(header) + "." + base64.RawURLEncoding.EncodeToString(claims)
	digest := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, c.key, crypto.SHA256, digest[:])
	if err != nil {
		return "", err
	}
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig), nil
}
