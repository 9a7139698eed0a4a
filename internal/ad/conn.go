// Package ad is umctl's model of the Active Directory objects that Exchange UM
// and Lync/OCS share, and the LDAP operations that read and change them.
package ad

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/go-ldap/ldap/v3"
)

// Settings say how to reach and bind to a domain controller.
type Settings struct {
	// URL is ldaps://host[:port] or ldap://host[:port] (then StartTLS is required).
	URL      string
	BindDN   string // a DN, user@domain or DOMAIN\user
	Password string
	CAFile   string // PEM bundle; empty = system roots
	// InsecureSkipVerify turns certificate verification off (the caller warns).
	InsecureSkipVerify bool
	Timeout            time.Duration
	// GSSAPI, when set, makes the client of a SASL GSSAPI bind (Kerberos, or
	// Windows Negotiate) that replaces the simple bind. It gets the server's
	// certificate, for channel binding. BindDN and Password are then unused.
	GSSAPI func(serverCert *x509.Certificate) (ldap.GSSAPIClient, error)
	// SPN is the service principal of the DC; empty is ldap/<host of URL>, or
	// ldap/<RootDSE dnsHostName> when the URL names an address.
	SPN string
}

// Error kinds a caller maps to exit codes.
var (
	ErrUnreachable = errors.New("server unreachable")
	ErrTLS         = errors.New("TLS verification failed")
	ErrAuth        = errors.New("authentication failed")
	ErrSchema      = errors.New("schema not extended")
	ErrNoExchange  = errors.New("no Exchange organization")
	ErrNotFound    = errors.New("not found")
	ErrInvalid     = errors.New("invalid input")
)

// Dir is one bound connection to a domain controller with what RootDSE said.
type Dir struct {
	conn       *ldap.Conn
	RootDSE    RootDSE
	timeout    time.Duration
	org        string    // Exchange organization DN, once found
	settings   Settings  // to open more connections for parallel writes
	wrap       Requester // counting wrapper (CountRoundTrips), or nil
	cat        *Catalog  // the configuration read for this connection's command
	gc         *Dir      // global catalog for forest-wide searches, once dialled
	gcSettings *Settings // where the global catalog is, if configured
	route      *router   // the DCs of other domains that writes go to (route.go), or nil
}

// RootDSE holds the naming contexts of the forest.
type RootDSE struct {
	DefaultNC     string `json:"defaultNamingContext"`
	ConfigNC      string `json:"configurationNamingContext"`
	SchemaNC      string `json:"schemaNamingContext"`
	RootDomainNC  string `json:"rootDomainNamingContext"`
	DNSHostName   string `json:"dnsHostName"`
	HighestUSN    string `json:"highestCommittedUSN"`
	ServerName    string `json:"serverName"`
	ForestVersion string `json:"forestFunctionality"`
}

// ParseServerURL checks a server URL and returns it with an explicit port.
func ParseServerURL(raw string) (*url.URL, error) {
	if raw == "" {
		return nil, fieldErr(FieldServer, "", "is required (for example ldaps://dc1.contoso.com)")
	}
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || (u.Scheme != "ldaps" && u.Scheme != "ldap") || (u.Path != "" && u.Path != "/") {
		return nil, fieldErr(FieldServer, raw, "expected ldaps://host[:port] or ldap://host[:port]")
	}
	if u.Port() == "" {
		port := "636"
		if u.Scheme == "ldap" {
			port = "389"
		}
		u.Host = net.JoinHostPort(u.Hostname(), port)
	}
	return u, nil
}

// TLSConfig builds the client TLS configuration: verification on unless asked.
func (s Settings) TLSConfig(host string) (*tls.Config, error) {
	tc := &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: s.InsecureSkipVerify} //nolint:gosec // only with --insecure-skip-tls-verify
	if s.CAFile != "" {
		pem, err := os.ReadFile(s.CAFile)
		if err != nil {
			return nil, fieldErr(FieldCAFile, "", "%v", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fieldErr(FieldCAFile, s.CAFile, "no PEM certificate found")
		}
		tc.RootCAs = pool
	}
	return tc, nil
}

// Dial connects over TLS (LDAPS, or StartTLS on ldap://), binds, and reads RootDSE.
// A simple bind is never sent over an unencrypted connection.
func Dial(ctx context.Context, s Settings) (*Dir, error) {
	u, err := ParseServerURL(s.URL)
	if err != nil {
		return nil, err
	}
	if s.BindDN == "" && s.GSSAPI == nil {
		return nil, fieldErr(FieldBindDN, "", "is required (a DN, user@domain or DOMAIN\\user)")
	}
	if s.Timeout <= 0 {
		s.Timeout = 10 * time.Second
	}
	tc, err := s.TLSConfig(u.Hostname())
	if err != nil {
		return nil, err
	}
	conn, err := connect(ctx, u, s, tc)
	if err != nil {
		return nil, err
	}
	conn.SetTimeout(s.Timeout)
	d := &Dir{conn: conn, timeout: s.Timeout, settings: s}
	if err := d.bind(ctx, u.Host); err != nil {
		conn.Close()
		return nil, err
	}
	if err := d.readRootDSE(ctx); err != nil {
		conn.Close()
		return nil, err
	}
	return d, nil
}

// Close ends the connection.
func (d *Dir) Close() {
	if d.gc != nil {
		d.gc.Close()
	}
	if d.route != nil {
		d.route.close(d)
	}
	if d.conn != nil {
		d.conn.Close()
	}
}

// Conn exposes the underlying connection for the packages that write.
func (d *Dir) Conn() *ldap.Conn { return d.conn }

func (d *Dir) readRootDSE(ctx context.Context) error {
	attrs := []string{"defaultNamingContext", "configurationNamingContext", "schemaNamingContext", "rootDomainNamingContext", "dnsHostName", "highestCommittedUSN", "serverName", "forestFunctionality"}
	res, err := d.req().Search(ldap.NewSearchRequest("", ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false, "(objectClass=*)", attrs, nil))
	if err != nil {
		return fmt.Errorf("reading RootDSE: %w", err)
	}
	if len(res.Entries) != 1 {
		return fmt.Errorf("reading RootDSE: got %d entries", len(res.Entries))
	}
	e := res.Entries[0]
	d.RootDSE = RootDSE{
		DefaultNC: e.GetAttributeValue("defaultNamingContext"), ConfigNC: e.GetAttributeValue("configurationNamingContext"),
		SchemaNC: e.GetAttributeValue("schemaNamingContext"), RootDomainNC: e.GetAttributeValue("rootDomainNamingContext"),
		DNSHostName: e.GetAttributeValue("dnsHostName"), HighestUSN: e.GetAttributeValue("highestCommittedUSN"),
		ServerName: e.GetAttributeValue("serverName"), ForestVersion: e.GetAttributeValue("forestFunctionality"),
	}
	if d.RootDSE.ConfigNC == "" || d.RootDSE.SchemaNC == "" {
		return errors.New("RootDSE has no configuration or schema naming context: is this an Active Directory domain controller?")
	}
	return nil
}

// ForestDNSName is the DNS name of the forest root domain (DC=contoso,DC=com → contoso.com).
func (d *Dir) ForestDNSName() string { return DNToDomain(d.RootDSE.RootDomainNC) }

// DNToDomain turns the DC= components of a DN into a DNS name.
func DNToDomain(dn string) string {
	parsed, err := ldap.ParseDN(dn)
	if err != nil {
		return ""
	}
	var labels []string
	for _, rdn := range parsed.RDNs {
		for _, a := range rdn.Attributes {
			if strings.EqualFold(a.Type, "DC") {
				labels = append(labels, a.Value)
			}
		}
	}
	return strings.Join(labels, ".")
}
