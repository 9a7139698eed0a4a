package main

import (
	"fmt"
	"os"
	"strings"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

// resolveDomainServers reads the per-domain DCs that writes go to: the
// --domain-server flags, else UMCTL_DOMAIN_SERVERS (DOMAIN=URL entries
// separated by commas or spaces), else the profile key domain-servers.
func (c *connFlags) resolveDomainServers(prof cli.Profile) (map[string]string, error) {
	source, entries := "--domain-server", c.domainServer
	switch {
	case c.cmd.PersistentFlags().Changed("domain-server"):
	case os.Getenv("UMCTL_DOMAIN_SERVERS") != "":
		source = "UMCTL_DOMAIN_SERVERS"
		entries = strings.FieldsFunc(os.Getenv("UMCTL_DOMAIN_SERVERS"), func(r rune) bool { return r == ',' || r == ' ' })
	default:
		source, entries = "profile key domain-servers", nil
		for dom, u := range prof.DomainServers {
			entries = append(entries, dom+"="+u)
		}
	}
	out := map[string]string{}
	for _, e := range entries {
		dom, u, err := parseDomainServer(e)
		if err != nil {
			return nil, cli.FlagErrorf("%s %q: %v", source, e, err)
		}
		out[dom] = u
	}
	return out, nil
}

// parseDomainServer checks one DOMAIN=URL entry.
func parseDomainServer(e string) (dom, u string, err error) {
	dom, u, ok := strings.Cut(e, "=")
	dom = strings.TrimSuffix(strings.TrimSpace(dom), ".")
	if !ok || dom == "" || strings.ContainsAny(dom, "=,/ ") || !strings.Contains(dom, ".") {
		return "", "", fmt.Errorf("expected DOMAIN=URL, e.g. child.contoso.com=ldaps://dc1.child.contoso.com")
	}
	parsed, err := ad.ParseServerURL(strings.TrimSpace(u))
	if err != nil {
		return "", "", fmt.Errorf("expected DOMAIN=URL with a URL such as ldaps://dc1.%s", dom)
	}
	if p := parsed.Port(); p == "3268" || p == "3269" {
		return "", "", fmt.Errorf("port %s is a global catalog's, which takes no writes: give the DC's LDAP port (ldaps://host or ldaps://host:636)", p)
	}
	return strings.ToLower(dom), strings.TrimSpace(u), nil
}
