package sipprobe

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"
	"time"
)

// CertInfo is one certificate of the chain the server presented.
type CertInfo struct {
	Subject  string    `json:"subject"`
	Names    []string  `json:"names,omitempty"` // DNS and IP subject alternative names
	Issuer   string    `json:"issuer"`
	NotAfter time.Time `json:"not_after"`
}

// TrustError is a TLS trust failure: the server's certificate does not verify,
// or the server refused ours. Reason is one line.
type TrustError struct {
	Reason string
	Err    error
}

func (e *TrustError) Error() string { return "TLS trust failure: " + e.Reason }
func (e *TrustError) Unwrap() error { return e.Err }

// inspectTLS shakes hands with t, returns the chain the server presented and
// verifies it as sipgo will (roots from conf, the server name from the URI).
func inspectTLS(ctx context.Context, t Target, conf *tls.Config) ([]CertInfo, error) {
	probe := conf.Clone()
	probe.InsecureSkipVerify = true // verified below, so that the chain is shown also when it fails
	d := tls.Dialer{Config: probe, NetDialer: &net.Dialer{}}
	conn, err := d.DialContext(ctx, "tcp", t.Addr())
	if err != nil {
		return nil, dialError(t, err)
	}
	defer conn.Close()
	if err := refused(conn.(*tls.Conn)); err != nil {
		return nil, dialError(t, err)
	}
	certs := conn.(*tls.Conn).ConnectionState().PeerCertificates
	chain := make([]CertInfo, 0, len(certs))
	for _, c := range certs {
		chain = append(chain, certInfo(c))
	}
	if len(certs) == 0 {
		return chain, &TrustError{Reason: "the server presented no certificate"}
	}
	return chain, verify(certs, t.Host, conf.RootCAs)
}

// refused waits briefly for an alert: under TLS 1.3 a server that refuses
// the client certificate says so only after the client's handshake ends.
func refused(conn *tls.Conn) error {
	if conn.ConnectionState().Version < tls.VersionTLS13 {
		return nil
	}
	_ = conn.SetReadDeadline(time.Now().Add(300 * time.Millisecond))
	_, err := conn.Read(make([]byte, 1))
	var ne net.Error
	if err == nil || (errors.As(err, &ne) && ne.Timeout()) {
		return nil // nothing said: accepted
	}
	return err
}

func certInfo(c *x509.Certificate) CertInfo {
	names := append([]string{}, c.DNSNames...)
	for _, ip := range c.IPAddresses {
		names = append(names, ip.String())
	}
	return CertInfo{Subject: c.Subject.String(), Names: names, Issuer: c.Issuer.String(), NotAfter: c.NotAfter}
}

func verify(certs []*x509.Certificate, host string, roots *x509.CertPool) error {
	inter := x509.NewCertPool()
	for _, c := range certs[1:] {
		inter.AddCert(c)
	}
	_, err := certs[0].Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inter})
	if err == nil {
		return nil
	}
	return &TrustError{Reason: trustReason(err, certs[0], host), Err: err}
}

// trustReason is the one-line reason: name mismatch, unknown CA, expired.
func trustReason(err error, leaf *x509.Certificate, host string) string {
	var hn x509.HostnameError
	var ua x509.UnknownAuthorityError
	var ci x509.CertificateInvalidError
	switch {
	case errors.As(err, &hn):
		return fmt.Sprintf("name mismatch: the certificate is for %s, not %s", strings.Join(certInfo(leaf).Names, ", "), host)
	case errors.As(err, &ua):
		return fmt.Sprintf("unknown CA: %q is not trusted (give its CA with --tls-ca)", leaf.Issuer.String())
	case errors.As(err, &ci) && ci.Reason == x509.Expired:
		return fmt.Sprintf("expired or not yet valid: valid %s to %s", leaf.NotBefore.UTC().Format(time.RFC3339), leaf.NotAfter.UTC().Format(time.RFC3339))
	}
	return err.Error()
}

// dialError turns a failed TCP connect or handshake into a clear message; a
// handshake alert about our certificate is a trust failure.
func dialError(t Target, err error) error {
	msg := err.Error()
	for _, alert := range []string{"bad certificate", "certificate required", "unknown certificate authority", "certificate unknown", "expired certificate"} {
		if strings.Contains(msg, alert) {
			return &TrustError{Reason: "the server refused our client certificate (" + alert + "; give one with --cert)", Err: err}
		}
	}
	return connectError(t, err)
}

// connectError says what could not be reached and why (timeout, refused).
func connectError(t Target, err error) error {
	var ne net.Error
	if errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &ne) && ne.Timeout()) {
		return fmt.Errorf("%s: no answer from %s over %s (timed out)", t.URI.String(), t.Addr(), t.Transport)
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		err = oe.Err
	}
	return fmt.Errorf("%s: cannot reach %s over %s: %v", t.URI.String(), t.Addr(), t.Transport, err)
}
