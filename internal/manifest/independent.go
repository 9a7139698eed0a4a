package manifest

import (
	"strings"

	"github.com/umctl/umctl/internal/ad"
)

// markIndependent lets Apply send a plan's changes several at a time (as
// `eum add --from-csv` and `contact new --from-csv` do) when no order
// between them matters to the directory but that of one object's own
// changes, which Apply keeps (a user with two new EUM addresses: two
// modifies, each the base of the next): no change is to the parent or child
// of another's object. A gateway created with its hunt groups, or a
// container with what it holds, keeps the whole plan in order.
func markIndependent(p *ad.Plan) {
	seen := map[string]bool{}
	var all [][]string
	for _, c := range p.Changes {
		if c.Action == ad.ActionUnchanged {
			continue
		}
		rdns, ok := rdnKeys(c.DN)
		if !ok {
			return
		}
		if k := strings.Join(rdns, ","); !seen[k] {
			seen[k] = true
			all = append(all, rdns)
		}
	}
	for _, rdns := range all {
		for i := 1; i < len(rdns); i++ {
			if seen[strings.Join(rdns[i:], ",")] {
				return // an ancestor changes too
			}
		}
	}
	p.Independent = true
}

// rdnKeys are a DN's RDNs in a form that compares as the directory compares
// them (case-insensitively, without the spaces around a separator): split
// at each comma that is not escaped, without a full parse (a plan has
// thousands of changes).
func rdnKeys(dn string) ([]string, bool) {
	var out []string
	start, escaped := 0, false
	for i := 0; i < len(dn); i++ {
		switch {
		case escaped:
			escaped = false
		case dn[i] == '\\':
			escaped = true
		case dn[i] == ',' || dn[i] == ';':
			out = append(out, strings.ToLower(strings.TrimSpace(dn[start:i])))
			start = i + 1
		}
	}
	out = append(out, strings.ToLower(strings.TrimSpace(dn[start:])))
	for _, r := range out {
		if !strings.Contains(r, "=") {
			return nil, false
		}
	}
	return out, true
}
