package sipprobe

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	relay "github.com/umctl/umctl/internal/sip"
)

// Config is what every probe shares.
type Config struct {
	CA      string        // PEM file of CAs that verify the server (default: the system roots)
	Cert    string        // client certificate (mutual TLS), PEM
	Key     string        // its key, PEM (default: Cert, when it holds the key)
	Timeout time.Duration // per probe (default 5s)
	From    string        // From URI (default sip:umctl@<local address>)
}

func (c Config) timeout() time.Duration {
	if c.Timeout <= 0 {
		return 5 * time.Second
	}
	return c.Timeout
}

// TLSConfig is the client TLS: the relay's helper (roots from CA, the client
// certificate for mutual TLS).
func (c Config) TLSConfig() (*tls.Config, error) {
	key := c.Key
	if key == "" {
		key = c.Cert
	}
	conf, err := relay.TLSConfig{Cert: c.Cert, Key: key, HopCA: c.CA}.ClientConfig()
	if err != nil {
		// The relay's helper names its config keys; a probe's are flags.
		msg := strings.NewReplacer("tls.hop_ca", "--tls-ca", "tls.cert/tls.key", "--cert/--key").Replace(err.Error())
		return nil, fmt.Errorf("%w: %s", ErrInvalid, msg)
	}
	return conf, nil
}

// probeClient is a sipgo user agent and client for one target.
type probeClient struct {
	ua     *sipgo.UserAgent
	client *sipgo.Client
	local  string // the local address toward the target
}

func (p *probeClient) Close() { _ = p.client.Close(); _ = p.ua.Close() }

func newClient(ctx context.Context, t Target, c Config) (*probeClient, error) {
	tlsConf, err := c.TLSConfig()
	if err != nil {
		return nil, err
	}
	local, err := localAddr(ctx, t)
	if err != nil {
		return nil, err
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("umctl"), sipgo.WithUserAgenTLSConfig(tlsConf), sipgo.WithUserAgentHostname(local))
	if err != nil {
		return nil, err
	}
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname(local))
	if err != nil {
		_ = ua.Close()
		return nil, err
	}
	return &probeClient{ua: ua, client: client, local: local}, nil
}

// localAddr is the local IP the system routes toward t (a UDP "connect"
// sends nothing). A host that does not resolve is reported here.
func localAddr(ctx context.Context, t Target) (string, error) {
	ips, err := net.DefaultResolver.LookupIP(ctx, "ip", t.Host)
	if err != nil || len(ips) == 0 {
		return "", fmt.Errorf("%s: host %q does not resolve: %v", t.URI.String(), t.Host, err)
	}
	conn, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: ips[0], Port: t.Port})
	if err != nil {
		return "", fmt.Errorf("%s: no route to %s: %v", t.URI.String(), ips[0], err)
	}
	defer conn.Close()
	return conn.LocalAddr().(*net.UDPAddr).IP.String(), nil
}
