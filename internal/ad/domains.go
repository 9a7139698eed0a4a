package ad

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// The forest's partitions, as the crossRef objects under
// CN=Partitions,<configuration NC> describe them: one per domain (systemFlags
// has FLAG_CR_NTDS_DOMAIN), plus the configuration, the schema and any
// application partitions. An object belongs to the partition whose naming
// context is the longest ancestor-or-self of its DN (a child domain's NC lies
// under its parent's).

// flagCRNTDSDomain is FLAG_CR_NTDS_DOMAIN of a crossRef's systemFlags ([MS-ADTS] 2.2.11).
const flagCRNTDSDomain = 0x2

// Domain is one domain of the forest.
type Domain struct {
	NC      string `json:"nCName"`      // DC=child,DC=contoso,DC=com
	DNSRoot string `json:"dnsRoot"`     // child.contoso.com
	NetBIOS string `json:"nETBIOSName"` // CHILD
}

// partition is one naming context; domain is nil for the configuration,
// the schema and application partitions.
type partition struct {
	nc     *ldap.DN
	domain *Domain
}

var crossRefAttrs = []string{"nCName", "dnsRoot", "nETBIOSName", "systemFlags"}

// partitions reads the crossRefs once per Dir.
func (c *Catalog) partitions(ctx context.Context) ([]partition, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.partsOK {
		return c.parts, nil
	}
	base := "CN=Partitions," + c.d.RootDSE.ConfigNC
	es, err := c.d.Search(ctx, base, ldap.ScopeSingleLevel, "(&(objectClass=crossRef)(nCName=*))", crossRefAttrs)
	if err != nil {
		return nil, fmt.Errorf("reading the forest's domains (crossRefs under %s): %w", base, err)
	}
	var parts []partition
	for _, e := range es {
		nc, err := ldap.ParseDN(e.GetAttributeValue("nCName"))
		if err != nil {
			continue // not a naming context umctl can place anything in
		}
		p := partition{nc: nc}
		flags, _ := strconv.ParseInt(e.GetAttributeValue("systemFlags"), 10, 64)
		if flags&flagCRNTDSDomain != 0 {
			p.domain = &Domain{NC: e.GetAttributeValue("nCName"), DNSRoot: strings.TrimSuffix(e.GetAttributeValue("dnsRoot"), "."), NetBIOS: e.GetAttributeValue("nETBIOSName")}
		}
		parts = append(parts, p)
	}
	c.parts, c.partsOK = parts, true
	return parts, nil
}

// Domains lists the forest's domains, in the order the directory gave them.
func (c *Catalog) Domains(ctx context.Context) ([]Domain, error) {
	parts, err := c.partitions(ctx)
	if err != nil {
		return nil, err
	}
	var out []Domain
	for _, p := range parts {
		if p.domain != nil {
			out = append(out, *p.domain)
		}
	}
	return out, nil
}

// DomainOf returns the domain that holds dn. ok is false when dn lies in a
// partition that is no domain (configuration, schema, an application
// partition); an error when it lies in no partition of the forest.
func (c *Catalog) DomainOf(ctx context.Context, dn string) (dom Domain, ok bool, err error) {
	parsed, err := ldap.ParseDN(dn)
	if err != nil || dn == "" {
		return Domain{}, false, fmt.Errorf("%w: %q is not a DN", ErrInvalid, dn)
	}
	parts, err := c.partitions(ctx)
	if err != nil {
		return Domain{}, false, err
	}
	var best *partition
	for i, p := range parts {
		if (p.nc.EqualFold(parsed) || p.nc.AncestorOfFold(parsed)) && (best == nil || len(p.nc.RDNs) > len(best.nc.RDNs)) {
			best = &parts[i]
		}
	}
	switch {
	case best == nil:
		return Domain{}, false, fmt.Errorf("%w: %s is in no partition of this forest (its crossRefs name %s)", ErrInvalid, dn, partitionNames(parts))
	case best.domain == nil:
		return Domain{}, false, nil
	}
	return *best.domain, true, nil
}

func partitionNames(parts []partition) string {
	names := make([]string, 0, len(parts))
	for _, p := range parts {
		names = append(names, p.nc.String())
	}
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, "; ")
}
