// Package sipprobe sends the SIP requests an administrator uses to find what
// breaks voicemail: OPTIONS (reachability, TLS trust), the unsolicited MWI
// NOTIFY that Exchange UM sends, and a test call that follows redirects.
// It uses sipgo, as the relay does, and never imports cobra.
package sipprobe

import (
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
	"github.com/umctl/umctl/internal/build"
)

// ErrInvalid marks input of the wrong form (exit 2 in umctl).
var ErrInvalid = errors.New("invalid input")

// Target is where a probe goes: the request URI and the transport to use.
type Target struct {
	URI       sip.Uri
	Transport string // UDP, TCP or TLS
	Host      string // host from the URI (the TLS server name)
	Port      int
}

// Addr is host:port.
func (t Target) Addr() string { return net.JoinHostPort(t.Host, strconv.Itoa(t.Port)) }

// String is the URI as given plus the transport used.
func (t Target) String() string {
	return fmt.Sprintf("%s (%s %s)", t.URI.String(), t.Transport, t.Addr())
}

const uriForm = "sip:[user@]host[:port][;transport=udp|tcp|tls] or sips:[user@]host[:port]"

// ParseTarget parses a sip: or sips: URI. The transport comes from
// ;transport= (default UDP for sip:, TLS for sips:), the port from the URI
// (default 5060, 5061 for TLS).
func ParseTarget(s string) (Target, error) {
	var u sip.Uri
	s = strings.TrimSpace(s)
	lower := strings.ToLower(s)
	if !strings.HasPrefix(lower, "sip:") && !strings.HasPrefix(lower, "sips:") {
		return Target{}, fmt.Errorf("%w: %q is not a SIP URI (want %s)", ErrInvalid, s, uriForm)
	}
	if err := sip.ParseUri(s, &u); err != nil || u.Host == "" || strings.ContainsAny(u.Host, " <>\"") {
		return Target{}, fmt.Errorf("%w: %q is not a SIP URI (want %s)", ErrInvalid, s, uriForm)
	}
	u.Scheme = strings.ToLower(u.Scheme)
	t := Target{URI: u, Host: u.Host, Port: u.Port, Transport: "UDP"}
	if u.Scheme == "sips" {
		t.Transport = "TLS"
	}
	if u.UriParams != nil {
		if tr, ok := u.UriParams.Get("transport"); ok {
			switch strings.ToUpper(tr) {
			case "UDP", "TCP", "TLS":
				t.Transport = strings.ToUpper(tr)
			default:
				return Target{}, fmt.Errorf("%w: %q: transport %q (want udp, tcp or tls)", ErrInvalid, s, tr)
			}
		}
	}
	if u.Scheme == "sips" && t.Transport != "TLS" {
		return Target{}, fmt.Errorf("%w: %q: a sips: URI needs TLS, not %s", ErrInvalid, s, t.Transport)
	}
	if t.Port == 0 {
		t.Port = 5060
		if t.Transport == "TLS" {
			t.Port = 5061
		}
	}
	if t.Port < 0 || t.Port > 65535 {
		return Target{}, fmt.Errorf("%w: %q: port %d out of range", ErrInvalid, s, t.Port)
	}
	return t, nil
}

// Through returns t sent to hop instead (a Lync pool, PBX trunk or proxy):
// the request URI stays t's; the address and transport are hop's.
func (t Target) Through(hop Target) Target {
	t.Host, t.Port, t.Transport = hop.Host, hop.Port, hop.Transport
	return t
}

// request builds method toward t: the request URI as given, the transport and
// the destination set.
func (t Target) request(method sip.RequestMethod) *sip.Request {
	req := sip.NewRequest(method, t.URI)
	req.SetTransport(t.Transport)
	req.SetDestination(t.Addr())
	req.AppendHeader(sip.NewHeader("User-Agent", "umctl/"+build.Get().Version))
	return req
}
