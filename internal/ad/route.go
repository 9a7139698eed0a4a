package ad

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"sync"
)

// Writes in a forest of several domains: a DC holds a writable copy of its
// own domain only (and of the configuration and schema partitions); a global
// catalog port takes no writes at all. With routing on (RouteWrites: a global
// catalog or per-domain servers are configured, or --server is itself a
// global catalog), every change goes to a DC of
// the domain its object lies in (Catalog.DomainOf):
//   - this connection, when it is a DC of that domain on the LDAP port;
//   - else the DC configured for the domain (DomainServers);
//   - else a DC that DNS names (_ldap._tcp.dc._msdcs.<domain> SRV), tried in
//     DNS's order,
//
// dialled once per command with this connection's credentials, TLS settings
// and authentication (Kerberos asks a ticket for each DC's own name). A
// dialled DC must say (RootDSE defaultNamingContext) that it is a DC of that
// domain. Changes to the configuration or schema partition go to this
// connection, or to a DC of its domain when it is a global catalog. No write
// goes anywhere else: when a domain has no reachable DC, Apply fails before
// its first write, naming the domain and how to configure it.

// router finds and keeps the DC connections of each domain.
type router struct {
	servers   map[string]string // lower DNS domain → URL
	mu        sync.Mutex
	conns     map[string]*Dir // lower DNS domain → DC (may be the home Dir)
	lookupSRV func(ctx context.Context, service, proto, name string) (string, []*net.SRV, error)
	dial      func(ctx context.Context, s Settings) (*Dir, error)
}

// RouteWrites turns write routing on. servers maps domains (DNS names, any
// case) to the URL of one of their DCs; domains not listed are found in DNS.
func (d *Dir) RouteWrites(servers map[string]string) {
	r := &router{servers: map[string]string{}, conns: map[string]*Dir{}, lookupSRV: net.DefaultResolver.LookupSRV, dial: Dial}
	for dom, u := range servers {
		r.servers[domainKey(dom)] = u
	}
	d.route = r
}

func domainKey(dns string) string {
	return strings.ToLower(strings.TrimSuffix(strings.TrimSpace(dns), "."))
}

// IsGlobalCatalog reports whether d is connected to a global catalog port
// (3268, 3269), which takes no writes.
func (d *Dir) IsGlobalCatalog() bool { return d.isGC() }

// writerFor returns the connection that writes the object dn.
func (d *Dir) writerFor(ctx context.Context, dn string) (*Dir, error) {
	if d.route == nil {
		return d, nil
	}
	dom, ok, err := d.Catalog().DomainOf(ctx, dn)
	if err != nil {
		return nil, err
	}
	if !ok { // configuration or schema: every DC writes it, a GC port does not
		if !d.isGC() {
			return d, nil
		}
		if dom, ok, err = d.Catalog().DomainOf(ctx, d.RootDSE.DefaultNC); err != nil || !ok {
			return nil, fmt.Errorf("%w: %s: the global catalog %s takes no writes, and its own domain %s is not in the forest's crossRefs", ErrInvalid, dn, d.host(), d.RootDSE.DefaultNC)
		}
	}
	return d.route.conn(ctx, d, dom)
}

// readerFor returns the connection that reads the object dn by its DN: a DC
// of its domain when routing is on and dn lies in another domain than this
// DC's (which would answer with a referral); else this connection (a global
// catalog reads every domain).
func (d *Dir) readerFor(ctx context.Context, dn string) (*Dir, error) {
	if d.route == nil || d.isGC() || sameDN(dn, d.RootDSE.DefaultNC) {
		return d, nil
	}
	dc, ok, err := d.otherDomainDC(ctx, dn)
	if !ok {
		return d, err // a DN in no domain is looked for here, and not found
	}
	return dc, nil
}

// otherDomainDC returns the DC of the domain that holds dn (routing on) when
// that is another domain than this DC's; ok is false, with no error, when dn
// lies in this DC's domain or in no domain.
func (d *Dir) otherDomainDC(ctx context.Context, dn string) (dc *Dir, ok bool, err error) {
	dom, ok, err := d.Catalog().DomainOf(ctx, dn)
	if err != nil || !ok || sameDN(dom.NC, d.RootDSE.DefaultNC) {
		return nil, false, nil
	}
	if dc, err = d.route.conn(ctx, d, dom); err != nil {
		return nil, false, err
	}
	return dc, true, nil
}

// conn returns the DC connection for dom, dialling it on first use.
func (r *router) conn(ctx context.Context, home *Dir, dom Domain) (*Dir, error) {
	key := domainKey(dom.DNSRoot)
	r.mu.Lock()
	defer r.mu.Unlock()
	if c, ok := r.conns[key]; ok {
		return c, nil
	}
	if !home.isGC() && sameDN(home.RootDSE.DefaultNC, dom.NC) {
		r.conns[key] = home
		return home, nil
	}
	urls := []string{r.servers[key]}
	if urls[0] == "" {
		var err error
		if urls, err = r.locate(ctx, home, dom); err != nil {
			return nil, err
		}
	}
	var errs []error
	for _, u := range urls {
		c, err := r.dialDC(ctx, home, dom, u)
		if err == nil {
			r.conns[key] = c
			return c, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("no domain controller of %s (%s) could take the write: %w", dom.DNSRoot, dom.NC, errors.Join(errs...))
}

// dialDC connects to one DC of dom with home's settings and checks that it is one.
func (r *router) dialDC(ctx context.Context, home *Dir, dom Domain, u string) (*Dir, error) {
	s := home.settings
	s.URL, s.SPN = u, ""
	c, err := r.dial(ctx, s)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", u, err)
	}
	switch {
	case c.isGC():
		c.Close()
		return nil, fmt.Errorf("%w: %s is a global catalog port, which takes no writes: give the DC's LDAP port (ldaps://host or ldaps://host:636)", ErrInvalid, u)
	case !sameDN(c.RootDSE.DefaultNC, dom.NC):
		c.Close()
		return nil, fmt.Errorf("%w: %s is a domain controller of %s, not of %s", ErrInvalid, u, DNToDomain(c.RootDSE.DefaultNC), dom.DNSRoot)
	}
	return c, nil
}

// locate asks DNS for the DCs of dom, as Windows clients do, and gives their
// URLs in the scheme of the home connection (ldaps on 636, or ldap with StartTLS).
func (r *router) locate(ctx context.Context, home *Dir, dom Domain) ([]string, error) {
	name := "dc._msdcs." + dom.DNSRoot
	_, srvs, err := r.lookupSRV(ctx, "ldap", "tcp", name)
	if err != nil || len(srvs) == 0 {
		why := "no such record"
		if err != nil {
			why = err.Error()
		}
		return nil, fmt.Errorf("%w: no domain controller found for the domain %s (%s): DNS gave no _ldap._tcp.%s SRV record (%s); name one with --domain-server %s=ldaps://dc1.%s or the profile key domain-servers",
			ErrUnreachable, dom.DNSRoot, dom.NC, name, why, dom.DNSRoot, dom.DNSRoot)
	}
	ldaps := true
	if hu, err := url.Parse(home.settings.URL); err == nil && hu.Scheme == "ldap" {
		ldaps = false
	}
	out := make([]string, 0, len(srvs))
	for _, s := range srvs {
		host := strings.TrimSuffix(s.Target, ".")
		if ldaps {
			out = append(out, "ldaps://"+host)
		} else {
			out = append(out, fmt.Sprintf("ldap://%s", net.JoinHostPort(host, fmt.Sprint(s.Port))))
		}
	}
	return out, nil
}

// close closes the DCs dialled for other domains.
func (r *router) close(home *Dir) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for k, c := range r.conns {
		if c != home {
			c.Close()
		}
		delete(r.conns, k)
	}
}

// routeChanges finds, before anything is written, the connection of each
// pending change (kept in the change); it fails when any has none.
func (d *Dir) routeChanges(ctx context.Context, pending []*Change) error {
	if d.route == nil {
		return nil
	}
	for _, c := range pending {
		w, err := d.writerFor(ctx, c.DN)
		if err != nil {
			return fmt.Errorf("%s %s %s: %w (nothing was written)", c.Action, c.Kind, c.DN, err)
		}
		if w != d {
			c.via = w
		}
	}
	return nil
}

// writer is the connection that wrote (or writes) c: its domain's DC, or home.
func (c *Change) writer(home *Dir) *Dir {
	if c.via != nil {
		return c.via
	}
	return home
}
