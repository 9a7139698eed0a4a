package sip

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/umctl/umctl/internal/presence"
	"github.com/umctl/umctl/internal/routing"
)

// PresenceConfig chooses the presence sources. file, lync and graph can be
// combined (the freshest confirmed state wins) and are served from memory;
// http, always-hold and never-hold stand alone.
type PresenceConfig struct {
	Source  string        `yaml:"source" json:"source,omitempty"` // one source; same as sources: [X]
	Sources []string      `yaml:"sources" json:"sources"`
	File    string        `yaml:"file" json:"file"`
	URL     string        `yaml:"url" json:"url"`
	Timeout Duration      `yaml:"timeout" json:"timeout"`
	MaxAge  Duration      `yaml:"max_age" json:"max_age"`
	Lync    LyncPresence  `yaml:"lync" json:"lync"`
	Graph   GraphPresence `yaml:"graph" json:"graph"`

	file *routing.FileSource // the file source as check read it, for source()
}

// LyncPresence is the MS-PRES subscription as a trusted application; the
// certificate is tls.cert/tls.key, the pool's CA tls.hop_ca.
type LyncPresence struct {
	Servers          []string `yaml:"servers" json:"servers,omitempty"`
	Subscriber       string   `yaml:"subscriber" json:"subscriber,omitempty"`
	Batch            int      `yaml:"batch" json:"batch,omitempty"`
	MobileCallTokens []string `yaml:"mobile_call_tokens" json:"mobile_call_tokens,omitempty"`
}

// GraphPresence polls Microsoft Graph getPresencesByUserId.
type GraphPresence struct {
	Tenant           string   `yaml:"tenant" json:"tenant,omitempty"`
	ClientID         string   `yaml:"client_id" json:"client_id,omitempty"`
	ClientSecretFile string   `yaml:"client_secret_file" json:"client_secret_file,omitempty"`
	CertificateFile  string   `yaml:"certificate_file" json:"certificate_file,omitempty"`
	KeyFile          string   `yaml:"key_file" json:"key_file,omitempty"`
	Interval         Duration `yaml:"interval" json:"interval,omitempty"`
	IDsFile          string   `yaml:"ids_file" json:"ids_file,omitempty"`
	IDAttribute      string   `yaml:"id_attribute" json:"id_attribute,omitempty"`
	AuthorityURL     string   `yaml:"authority_url" json:"authority_url,omitempty"`
	GraphURL         string   `yaml:"graph_url" json:"graph_url,omitempty"`
}

// presenceSources are the names presence.sources accepts.
var presenceSources = []string{"file", "http", "lync", "graph", "always-hold", "never-hold"}

// Cached says whether presence is served from the relay's cache (file
// combined with others, lync, graph) rather than looked up per call.
func (p *PresenceConfig) Cached() bool {
	return len(p.Sources) > 1 || slices.Contains(p.Sources, "lync") || slices.Contains(p.Sources, "graph")
}

// check fills in defaults and validates presence.*, naming the key at fault.
func (p *PresenceConfig) check(directory bool) error {
	if p.Source != "" && len(p.Sources) > 0 && !(len(p.Sources) == 1 && p.Sources[0] == p.Source) {
		return fmt.Errorf("presence.source and presence.sources are both set: use sources: [%s] alone", p.Source)
	}
	if p.Source != "" {
		p.Sources = []string{p.Source}
	}
	if len(p.Sources) == 0 {
		p.Sources = []string{"always-hold"}
	}
	if len(p.Sources) == 1 {
		p.Source = p.Sources[0]
	}
	if p.Timeout == 0 {
		p.Timeout = Duration(250 * time.Millisecond)
	}
	if p.MaxAge == 0 {
		p.MaxAge = Duration(10 * time.Minute)
	}
	seen := map[string]bool{}
	for _, s := range p.Sources {
		if !slices.Contains(presenceSources, s) {
			return fmt.Errorf("presence.sources: %q: expected one or more of file, lync, graph, or one of http, always-hold, never-hold", s)
		}
		if seen[s] {
			return fmt.Errorf("presence.sources: %q is listed twice", s)
		}
		seen[s] = true
		if len(p.Sources) > 1 && (s == "http" || s == "always-hold" || s == "never-hold") {
			return fmt.Errorf("presence.sources: %s stands alone (it is not served from memory); combine only file, lync and graph", s)
		}
	}
	if p.Cached() && time.Duration(p.MaxAge) < time.Minute {
		return fmt.Errorf("presence.max_age %s: expected at least 1m (states older than this count as unknown)", time.Duration(p.MaxAge))
	}
	for _, s := range p.Sources {
		if err := p.checkSource(s, directory); err != nil {
			return err
		}
	}
	return nil
}

func (p *PresenceConfig) checkSource(s string, directory bool) error {
	switch s {
	case "file":
		if p.File == "" {
			return fmt.Errorf("presence.file is required with the file source, e.g. /etc/umctl/presence.yaml")
		}
		f, err := routing.NewFileSource(p.File)
		if err != nil {
			return err
		}
		p.file = f
	case "http":
		u, err := url.Parse(p.URL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || !strings.Contains(p.URL, "{target}") {
			return fmt.Errorf("presence.url %q: expected an http(s) URL template containing {target}", p.URL)
		}
	case "lync":
		return p.Lync.check()
	case "graph":
		return p.Graph.check(directory)
	}
	return nil
}

func (l *LyncPresence) check() error {
	if l.Batch == 0 {
		l.Batch = 500
	}
	if l.MobileCallTokens == nil {
		l.MobileCallTokens = []string{"in-a-mobile-call", "on-the-mobile"}
	}
	if len(l.Servers) == 0 {
		return fmt.Errorf("presence.lync.servers: at least one pool is required, e.g. [tls://pool01.contoso.com:5061]")
	}
	for _, s := range l.Servers {
		if _, _, err := presence.ParseServer(s); err != nil {
			return err
		}
	}
	if u := routing.NormalizeURI(l.Subscriber); !strings.HasPrefix(u, "sip:") {
		return fmt.Errorf("presence.lync.subscriber %q: expected the trusted application's SIP URI, e.g. sip:umctl-relay@contoso.com", l.Subscriber)
	}
	if l.Batch < 1 || l.Batch > 1000 {
		return fmt.Errorf("presence.lync.batch %d: expected 1 to 1000 users per subscription (the pool's MaxCategorySubscription defaults to 1000)", l.Batch)
	}
	return nil
}

// source builds the per-call presence source; nil when presence is cached
// (the relay then reads the cache that StartPresence fills).
func (p *PresenceConfig) source(pol *routing.Policy) (routing.Source, error) {
	if p.Cached() {
		return nil, nil
	}
	switch p.Sources[0] {
	case "file":
		if p.file != nil {
			return p.file, nil // read once, by check
		}
		return routing.NewFileSource(p.File)
	case "http":
		return routing.HTTPSource{Template: p.URL}, nil
	case "always-hold": // maintenance: hold everyone, whatever the per-user settings
		pol.HoldWhen, pol.Users = routing.States, nil
	case "never-hold": // maintenance: pass everything through at once
		pol.HoldWhen, pol.Users = nil, nil
	}
	return routing.Constant(routing.Unknown), nil
}
