package ad

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Pool is a Lync/OCS/Skype for Business registrar pool (msRTCSIP-Pool).
type Pool struct {
	Name      string   `json:"name"`
	FQDN      string   `json:"fqdn"`
	DN        string   `json:"dn"`
	Container string   `json:"container"`
	Version   int      `json:"version"`
	Product   string   `json:"product"`
	Branch    bool     `json:"branch"`
	PoolData  []string `json:"poolData,omitempty"`
}

// Pool versions as ExchUCUtil compares them: msRTCSIP-PoolVersion holds the
// major version shifted left by 16 (0x30000 OCS 2007 … 0x50000 Lync 2010).
// Some tools write the bare major number; both forms are read.
const (
	PoolVersionOCS2007  = 3
	PoolVersionLync2010 = 5
)

// PoolMajor returns the major version from a msRTCSIP-PoolVersion value.
func PoolMajor(v int) int {
	if v >= 0x10000 {
		return v >> 16
	}
	return v
}

// PoolProduct names the product generation of a pool version.
func PoolProduct(v int) string {
	switch PoolMajor(v) {
	case 3:
		return "OCS 2007"
	case 4:
		return "OCS 2007 R2"
	case 5:
		return "Lync Server 2010"
	case 6:
		return "Lync Server 2013"
	case 7:
		return "Skype for Business Server 2015"
	case 8:
		return "Skype for Business Server 2019"
	case 0:
		return "unknown"
	}
	return fmt.Sprintf("version %d", PoolMajor(v))
}

// IsBranch reports a Survivable Branch Appliance/Server pool.
func IsBranch(poolData []string) bool {
	for _, v := range poolData {
		if strings.Contains(strings.ToLower(v), "extendedtype=remoteregistrar") {
			return true
		}
	}
	return false
}

// PoolContainers lists every msRTCSIP-Pools container in the forest: the
// Configuration partition (Lync 2010+) and the root domain's System container
// (OCS 2007 / R2 kept them there).
func (d *Dir) PoolContainers(ctx context.Context) ([]string, error) {
	var out []string
	for _, base := range []string{d.RootDSE.ConfigNC, "CN=System," + d.RootDSE.RootDomainNC} {
		es, err := d.Search(ctx, base, ldap.ScopeWholeSubtree, "(objectClass=msRTCSIP-Pools)", []string{"1.1"})
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			out = append(out, e.DN)
		}
	}
	return out, nil
}

// Pools lists the pools in every Pools container, sorted by FQDN.
func (d *Dir) Pools(ctx context.Context) ([]Pool, error) {
	if err := d.RequireSchema(ctx, SchemaLync); err != nil {
		return nil, err
	}
	containers, err := d.PoolContainers(ctx)
	if err != nil {
		return nil, err
	}
	var out []Pool
	for _, c := range containers {
		es, err := d.Search(ctx, c, ldap.ScopeSingleLevel, "(objectClass=msRTCSIP-Pool)", []string{"cn", "dNSHostName", "msRTCSIP-PoolVersion", "msRTCSIP-PoolData"})
		if err != nil {
			return nil, err
		}
		for _, e := range es {
			v := intAttr(e, "msRTCSIP-PoolVersion")
			data := e.GetAttributeValues("msRTCSIP-PoolData")
			out = append(out, Pool{Name: e.GetAttributeValue("cn"), FQDN: e.GetAttributeValue("dNSHostName"), DN: e.DN, Container: c,
				Version: v, Product: PoolProduct(v), Branch: IsBranch(data), PoolData: sorted(data)})
		}
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].FQDN) < strings.ToLower(out[j].FQDN) })
	return out, nil
}

// LineIndex maps every number in a user's or contact's msRTCSIP-Line
// (tel:<number>[;ext=…]) to its msRTCSIP-PrimaryUserAddress, and every such SIP
// address to the user's EUM proxy address (the primary "EUM:" one, else the
// first), in one paged search. The relay uses the first to find the user a
// call is for, the second for the EumProxyAddress of a missed-call notification.
func (d *Dir) LineIndex(ctx context.Context) (map[string]string, error) {
	es, err := d.Search(ctx, d.RootDSE.DefaultNC, ldap.ScopeWholeSubtree, "(&(msRTCSIP-PrimaryUserAddress=*)(|(msRTCSIP-Line=tel:*)(proxyAddresses=eum:*)))",
		[]string{"msRTCSIP-Line", "msRTCSIP-PrimaryUserAddress", "proxyAddresses"})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, 2*len(es))
	for _, e := range es {
		sipAddr := e.GetAttributeValue("msRTCSIP-PrimaryUserAddress")
		if line := e.GetAttributeValue("msRTCSIP-Line"); strings.HasPrefix(strings.ToLower(line), "tel:") {
			n, _, _ := strings.Cut(line[4:], ";")
			out[n] = sipAddr
		}
		eum := ""
		for _, p := range e.GetAttributeValues("proxyAddresses") {
			if strings.HasPrefix(p, "EUM:") || (eum == "" && strings.HasPrefix(strings.ToLower(p), "eum:")) {
				eum = p
			}
			if strings.HasPrefix(p, "EUM:") {
				break
			}
		}
		if eum != "" {
			out[sipAddr] = eum
		}
	}
	return out, nil
}
