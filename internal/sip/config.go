// Package sip is umctl's SIP relay: it holds calls for users who cannot answer
// on Lync (offline, or in a mobile call) before forwarding them to Exchange UM,
// so that the mobile leg of a forked call can still be answered.
package sip

import (
	"crypto/tls"
	"fmt"
	"net"
	"net/url"
	"os"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/umctl/umctl/internal/routing"

	"github.com/umctl/umctl/internal/yamlconf"
)

// Config is relay.yaml. Key names are fixed so that scripts and docs agree.
type Config struct {
	Listen        []string              `yaml:"listen" json:"listen"`
	TLS           TLSConfig             `yaml:"tls" json:"tls"`
	NextHops      []string              `yaml:"next_hops" json:"next_hops"`
	Mode          string                `yaml:"mode" json:"mode"`
	Hold          Duration              `yaml:"hold" json:"hold"`
	HoldWhen      []string              `yaml:"hold_when" json:"hold_when"`
	Ringing       *bool                 `yaml:"ringing" json:"ringing"`
	TargetHeaders []string              `yaml:"target_headers" json:"target_headers"`
	Presence      PresenceConfig        `yaml:"presence" json:"presence"`
	Notify        NotifyConfig          `yaml:"notify" json:"notify"`
	Metrics       string                `yaml:"metrics" json:"metrics"`
	Users         map[string]UserConfig `yaml:"users" json:"users,omitempty"`
	HopTimeout    Duration              `yaml:"hop_timeout" json:"hop_timeout"` // no response from a hop → next hop
	HopCheck      Duration              `yaml:"hop_check" json:"hop_check"`     // OPTIONS ping interval per hop
	TimerC        Duration              `yaml:"timer_c" json:"timer_c"`
	MaxHeld       int                   `yaml:"max_held" json:"max_held"`
	RetryAfter    int                   `yaml:"retry_after" json:"retry_after"` // seconds, on the 503 when every hop failed
	// TCPIdleTimeout closes a caller's TCP/TLS connection silent this long;
	// TCPMessageTimeout is the time a message (and the TLS handshake) may take
	// to arrive in full once it has begun.
	TCPIdleTimeout    Duration `yaml:"tcp_idle_timeout" json:"tcp_idle_timeout"`
	TCPMessageTimeout Duration `yaml:"tcp_message_timeout" json:"tcp_message_timeout"`
	// Numbers maps a number to its user (sip:…), so that presence and per-user
	// policy apply when the call names only a number.
	Numbers map[string]string `yaml:"numbers" json:"numbers,omitempty"`
	// Directory also maps numbers through msRTCSIP-Line in Active Directory,
	// with umctl's connection settings (UMCTL_*, profile), refreshed periodically.
	Directory DirectoryConfig `yaml:"directory" json:"directory"`
	// UnknownNumbers is forward (default) or reject: where the relay answers
	// for a shared DID range, a number neither numbers: nor directory: maps
	// gets 404 (as Lync answers), so the gateway routes the call on.
	UnknownNumbers string `yaml:"unknown_numbers" json:"unknown_numbers"`
	// Upstream is for position B (relay in front of UM, Lync behind it):
	// requests from Exchange UM (MWI NOTIFY, its own INVITEs, BYE) go there.
	Upstream UpstreamConfig `yaml:"upstream" json:"upstream"`

	holdGiven bool    // the file says hold:, so 0s means no hold (not the default)
	parsed    *parsed // what Check parsed, for New and Reload
}

// parsed is a checked config in the form the relay uses. Check builds it once
// (nothing is parsed again, no error dropped); New and Reload take it.
type parsed struct {
	listen, hops, upstream []Listener
	umNets                 []*net.IPNet // the sources that count as Exchange UM
	clientTLS              *tls.Config  // toward tls:// hops
	rules                  *rules
}

// UpstreamConfig routes what Exchange UM sends through the relay.
type UpstreamConfig struct {
	Hops []string `yaml:"hops" json:"hops,omitempty"` // e.g. tls://lyncpool.contoso.com:5061
	From []string `yaml:"from" json:"from,omitempty"` // UM hosts, IPs or CIDRs; default: the next hops' hosts
}

// Sources resolves upstream.from (or the next hops' hosts) to networks.
func (u UpstreamConfig) Sources(nextHops []Listener) ([]*net.IPNet, error) {
	from, key := u.From, "upstream.from"
	if len(from) == 0 {
		key = "next_hops"
		for _, hop := range nextHops {
			from = append(from, hostOf(hop.Addr))
		}
	}
	var out []*net.IPNet
	for _, f := range from {
		if _, n, err := net.ParseCIDR(f); err == nil {
			out = append(out, n)
			continue
		}
		ips, err := net.LookupIP(f)
		if err != nil || len(ips) == 0 {
			return nil, fmt.Errorf("%s %q: expected an IP address, a CIDR such as 10.0.0.0/24 or a resolvable host name: %v", key, f, err)
		}
		for _, ip := range ips {
			bits := 8 * len(ip.To4())
			if bits == 0 {
				bits = 128
			}
			out = append(out, &net.IPNet{IP: ip, Mask: net.CIDRMask(bits, bits)})
		}
	}
	return out, nil
}

// DirectoryConfig turns on the AD number → user lookup.
type DirectoryConfig struct {
	Enabled bool     `yaml:"enabled" json:"enabled"`
	Refresh Duration `yaml:"refresh" json:"refresh"`
}

// TLSConfig are the certificate files; ClientCA set means mutual TLS toward
// callers. Toward tls:// next hops the relay presents Cert and verifies the
// hop against HopCA (default: the system roots).
type TLSConfig struct {
	Cert     string `yaml:"cert" json:"cert"`
	Key      string `yaml:"key" json:"key"`
	ClientCA string `yaml:"client_ca" json:"client_ca"`
	HopCA    string `yaml:"hop_ca" json:"hop_ca"`
}

// NotifyConfig says where missed-call notifications go.
type NotifyConfig struct {
	Webhook string `yaml:"webhook" json:"webhook"`
	UMInfo  bool   `yaml:"um_info" json:"um_info"`
}

// UserConfig overrides the policy for one user (key: SIP URI or number).
type UserConfig struct {
	Hold     *Duration `yaml:"hold" json:"hold,omitempty"`
	HoldWhen []string  `yaml:"hold_when" json:"hold_when,omitempty"`
}

// Duration reads "20s", "250ms".
type Duration time.Duration

// UnmarshalYAML parses a Go duration.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil || v < 0 {
		return fmt.Errorf("line %d: %q: expected a duration such as 20s or 250ms", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalYAML writes the duration back.
func (d Duration) MarshalYAML() (any, error) { return time.Duration(d).String(), nil }

// MarshalJSON writes the duration as a string.
func (d Duration) MarshalJSON() ([]byte, error) {
	return []byte(`"` + time.Duration(d).String() + `"`), nil
}

// Listener is one parsed listen address.
type Listener struct {
	Transport string // udp, tcp, tls
	Addr      string // host:port
}

// LoadConfig reads and checks relay.yaml; unknown keys are errors.
func LoadConfig(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	c := &Config{}
	if err := yamlconf.Decode(path, data, c); err != nil {
		return nil, err
	}
	var given struct {
		Hold *Duration `yaml:"hold"`
	}
	if yaml.Unmarshal(data, &given) == nil && given.Hold != nil {
		c.holdGiven = true
	}
	if err := c.Check(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return c, nil
}

// Check fills in defaults and validates, naming the key at fault.
func (c *Config) Check() error {
	if len(c.Listen) == 0 {
		c.Listen = []string{"udp://127.0.0.1:5070"}
	}
	if c.Mode == "" {
		c.Mode = "proxy"
	}
	if c.UnknownNumbers == "" {
		c.UnknownNumbers = "forward"
	}
	if c.Hold == 0 && !c.holdGiven { // hold: 0s in the file means no hold
		c.Hold = Duration(20 * time.Second)
	}
	if c.HoldWhen == nil {
		c.HoldWhen = []string{"offline", "in-mobile-call", "unknown"}
	}
	if c.Ringing == nil {
		t := true
		c.Ringing = &t
	}
	if len(c.TargetHeaders) == 0 {
		c.TargetHeaders = append([]string{}, routing.TargetHeaders...)
	}
	if c.HopTimeout == 0 {
		c.HopTimeout = Duration(time.Second)
	}
	if c.HopCheck == 0 {
		c.HopCheck = Duration(30 * time.Second)
	}
	if c.TimerC == 0 {
		c.TimerC = Duration(180 * time.Second)
	}
	if c.MaxHeld == 0 {
		c.MaxHeld = 100000
	}
	if c.RetryAfter == 0 {
		c.RetryAfter = 30
	}
	if c.TCPIdleTimeout == 0 {
		c.TCPIdleTimeout = Duration(10 * time.Minute)
	}
	if c.TCPMessageTimeout == 0 {
		c.TCPMessageTimeout = Duration(10 * time.Second)
	}
	if c.Directory.Refresh == 0 {
		c.Directory.Refresh = Duration(5 * time.Minute)
	}
	numbers, bad := routing.NewStaticResolver(c.Numbers)
	if len(bad) > 0 {
		return fmt.Errorf("numbers: entry %q: expected a number mapped to a SIP URI, e.g. \"+4790000001\": sip:alice@contoso.com", bad[0])
	}
	p := &parsed{}
	for _, l := range c.Listen {
		ln, err := ParseListen(l)
		if err != nil {
			return err
		}
		if ln.Transport == "tls" && (c.TLS.Cert == "" || c.TLS.Key == "") {
			return fmt.Errorf("listen %q: a tls:// listener needs tls.cert and tls.key", l)
		}
		p.listen = append(p.listen, ln)
	}
	for _, h := range c.Upstream.Hops {
		hop, err := ParseListen(h)
		if err != nil {
			return fmt.Errorf("upstream.hops %q: expected udp://, tcp:// or tls:// with host:port, e.g. tls://lyncpool.contoso.com:5061", h)
		}
		p.upstream = append(p.upstream, hop)
	}
	if len(c.Upstream.From) > 0 && len(c.Upstream.Hops) == 0 {
		return fmt.Errorf("upstream.from is set but upstream.hops is empty: say where requests from Exchange UM go, e.g. tls://lyncpool.contoso.com:5061")
	}
	var err error
	if p.clientTLS, err = c.TLS.ClientConfig(); err != nil {
		return err
	}
	if len(c.NextHops) == 0 {
		return fmt.Errorf("next_hops: at least one Exchange UM hop is required, e.g. udp://um1.contoso.com:5060")
	}
	for _, h := range c.NextHops {
		hop, err := ParseHop(h)
		if err != nil {
			return err
		}
		p.hops = append(p.hops, hop)
	}
	if len(c.Upstream.Hops) > 0 {
		if p.umNets, err = c.Upstream.Sources(p.hops); err != nil {
			return err
		}
	}
	switch {
	case c.UnknownNumbers != "forward" && c.UnknownNumbers != "reject":
		return fmt.Errorf("unknown_numbers %q: expected forward or reject", c.UnknownNumbers)
	case c.UnknownNumbers == "reject" && len(c.Numbers) == 0 && !c.Directory.Enabled:
		return fmt.Errorf("unknown_numbers: reject needs numbers: or directory: {enabled: true} to know which numbers are assigned")
	}
	if c.Mode != "proxy" && c.Mode != "redirect" {
		return fmt.Errorf("mode %q: expected proxy or redirect", c.Mode)
	}
	if time.Duration(c.TimerC) < 180*time.Second {
		return fmt.Errorf("timer_c %s: RFC 3261 requires more than 3 minutes", time.Duration(c.TimerC))
	}
	if c.TCPIdleTimeout < c.TimerC {
		return fmt.Errorf("tcp_idle_timeout %s: expected at least timer_c (%s): responses to a ringing call go back on the caller's connection",
			time.Duration(c.TCPIdleTimeout), time.Duration(c.TimerC))
	}
	if _, err := states(c.HoldWhen, "hold_when"); err != nil {
		return err
	}
	for _, h := range c.TargetHeaders {
		if _, err := routing.ExtractTarget([]string{h}, func(string) []string { return nil }, ""); err != nil && strings.Contains(err.Error(), "unknown target header") {
			return fmt.Errorf("target_headers: %v", err)
		}
	}
	if err := c.Presence.check(c.Directory.Enabled); err != nil {
		return err
	}
	if c.Notify.Webhook != "" {
		if u, err := url.Parse(c.Notify.Webhook); err != nil || (u.Scheme != "http" && u.Scheme != "https") {
			return fmt.Errorf("notify.webhook %q: expected an http(s) URL", c.Notify.Webhook)
		}
	}
	if c.Metrics != "" {
		host, _, err := net.SplitHostPort(c.Metrics)
		if ip := net.ParseIP(host); err != nil || (host != "localhost" && (ip == nil || !ip.IsLoopback())) {
			return fmt.Errorf("metrics %q: expected a loopback host:port such as 127.0.0.1:9470 (it serves /metrics and /healthz without authentication)", c.Metrics)
		}
	}
	for k, u := range c.Users {
		if routing.NormalizeURI(k) == "" {
			return fmt.Errorf("users: key %q: expected a SIP URI or a number", k)
		}
		if _, err := states(u.HoldWhen, "users."+k+".hold_when"); err != nil {
			return err
		}
	}
	if p.rules, err = newRules(c, numbers); err != nil {
		return err
	}
	c.parsed = p
	return nil
}

// checked returns what Check parsed, checking first if it has not run.
func (c *Config) checked() (*parsed, error) {
	if c.parsed == nil {
		if err := c.Check(); err != nil {
			return nil, err
		}
	}
	return c.parsed, nil
}

func states(names []string, key string) ([]routing.State, error) {
	out := []routing.State{}
	for _, n := range names {
		s, err := routing.ParseState(n)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", key, err)
		}
		out = append(out, s)
	}
	return out, nil
}

// ParseListen reads udp://host:port, tcp://… or tls://….
func ParseListen(s string) (Listener, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "udp" && u.Scheme != "tcp" && u.Scheme != "tls") || u.Port() == "" || u.Hostname() == "" {
		return Listener{}, fmt.Errorf("listen %q: expected udp://, tcp:// or tls:// with host:port, e.g. udp://127.0.0.1:5070", s)
	}
	return Listener{Transport: u.Scheme, Addr: u.Host}, nil
}

// ParseHop reads a next hop: udp://host:port (or tcp://, tls://).
func ParseHop(s string) (Listener, error) {
	l, err := ParseListen(s)
	if err != nil {
		return Listener{}, fmt.Errorf("next_hops %q: expected udp://, tcp:// or tls:// with host:port, e.g. udp://um1.contoso.com:5060", s)
	}
	return l, nil
}

// Policy builds the routing policy and presence source from the config.
func (c *Config) Policy() (routing.Policy, routing.Source, error) {
	when, err := states(c.HoldWhen, "hold_when")
	if err != nil {
		return routing.Policy{}, nil, err
	}
	p := routing.Policy{Hold: time.Duration(c.Hold), HoldWhen: when, Timeout: time.Duration(c.Presence.Timeout), Users: map[string]routing.UserPolicy{}}
	for k, u := range c.Users {
		up := routing.UserPolicy{}
		if u.Hold != nil {
			h := time.Duration(*u.Hold)
			up.Hold = &h
		}
		if u.HoldWhen != nil {
			if up.HoldWhen, err = states(u.HoldWhen, "users."+k+".hold_when"); err != nil {
				return p, nil, err
			}
		}
		p.Users[routing.NormalizeURI(k)] = up
	}
	src, err := c.Presence.source(&p)
	return p, src, err
}
