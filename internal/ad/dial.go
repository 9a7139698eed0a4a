package ad

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// connect opens the TLS connection: LDAPS, or StartTLS on ldap://. Every
// failure says what it was: no answer within the timeout, a server that offers
// no StartTLS, a certificate that is not trusted, or no server at all.
func connect(ctx context.Context, u *url.URL, s Settings, tc *tls.Config) (*ldap.Conn, error) {
	dialer := &net.Dialer{Timeout: s.Timeout}
	if u.Scheme == "ldaps" {
		conn, err := ldap.DialURL("ldaps://"+u.Host, ldap.DialWithDialer(dialer), ldap.DialWithTLSConfig(tc))
		if err != nil {
			return nil, dialError(u.Host, s.Timeout, err)
		}
		return conn, nil
	}
	conn, err := ldap.DialURL("ldap://"+u.Host, ldap.DialWithDialer(dialer))
	if err != nil {
		return nil, dialError(u.Host, s.Timeout, err)
	}
	conn.SetTimeout(s.Timeout)
	if err := startTLS(ctx, conn, tc, s.Timeout); err != nil {
		conn.Close()
		return nil, startTLSError(u.Host, s.Timeout, err)
	}
	return conn, nil
}

var errNoAnswer = errors.New("no answer")

// startTLS runs go-ldap's StartTLS, which waits for the server's answer and the
// handshake without a deadline, under the timeout and the context.
func startTLS(ctx context.Context, conn *ldap.Conn, tc *tls.Config, timeout time.Duration) error {
	done := make(chan error, 1)
	go func() { done <- conn.StartTLS(tc) }()
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case err := <-done:
		return err
	case <-t.C:
		conn.Close()
		return errNoAnswer
	case <-ctx.Done():
		conn.Close()
		return ctx.Err()
	}
}

func startTLSError(host string, timeout time.Duration, err error) error {
	var le *ldap.Error
	switch {
	case errors.Is(err, errNoAnswer), isTimeout(err):
		return noAnswer(host, timeout)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &le) && le.ResultCode != ldap.ErrorNetwork:
		why := ldap.LDAPResultCodeMap[le.ResultCode]
		if le.Err != nil && le.Err.Error() != "" {
			why += ": " + le.Err.Error()
		}
		return fmt.Errorf("%w: %s: the server offers no StartTLS (%s): use ldaps://%s, or enable TLS on the server", ErrTLS, host, why, hostOnly(host))
	case strings.Contains(err.Error(), "TLS handshake failed"):
		return tlsError(host, err)
	}
	return fmt.Errorf("%w: %s: %v", ErrUnreachable, host, unwrapNet(err))
}

func dialError(host string, timeout time.Duration, err error) error {
	var ce *tls.CertificateVerificationError
	var he x509.HostnameError
	var ue x509.UnknownAuthorityError
	switch {
	case errors.As(err, &ce), errors.As(err, &he), errors.As(err, &ue):
		return tlsError(host, err)
	case isTimeout(err):
		return noAnswer(host, timeout)
	}
	return fmt.Errorf("%w: %s: %v", ErrUnreachable, host, unwrapNet(err))
}

// noAnswer is a timeout: the server (or a firewall) took the connection and said nothing.
func noAnswer(host string, timeout time.Duration) error {
	return fmt.Errorf("%w: %s: no answer in %g s (is it an LDAP server, and is --server's port right? --timeout raises the limit)", ErrUnreachable, host, timeout.Seconds())
}

// isTimeout recognises timeouts from the dialer, TLS and go-ldap's requests.
func isTimeout(err error) bool {
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return true
	}
	return err != nil && strings.Contains(err.Error(), "timed out")
}

func hostOnly(hostport string) string {
	if h, _, err := net.SplitHostPort(hostport); err == nil {
		return h
	}
	return hostport
}

func tlsError(host string, err error) error {
	return fmt.Errorf("%w with %s: %v (give the issuing CA with --ca-file, or check that the name in --server is in the certificate)", ErrTLS, host, err)
}

func unwrapNet(err error) error {
	var ne *net.OpError
	if errors.As(err, &ne) {
		return ne
	}
	return err
}
