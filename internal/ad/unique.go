package ad

import (
	"context"
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Uniqueness checks for the values Lync and Exchange need unique across users
// and contacts: SIP addresses (msRTCSIP-PrimaryUserAddress, and sip: proxy
// addresses) and line URIs (msRTCSIP-Line). Each asks the directory with
// indexed equality filters, batched BatchSize values per filter, so checking n
// values costs about n/BatchSize searches whatever the forest's size. They are
// used before a write and can be used again after it, to see whether a
// concurrent writer took the same value.

// LineURI is the msRTCSIP-Line value of a number.
func LineURI(number string) string { return "tel:" + number }

// ownerAttrs are read for every owner found (enough to show a contact, too).
var ownerAttrs = append([]string{"objectClass"}, contactAttrs...)

// FindSIPOwners returns, per SIP address (lower case), the objects that have it
// as their primary SIP address or as a sip: proxy address.
func (d *Dir) FindSIPOwners(ctx context.Context, sips []string) (map[string][]*ldap.Entry, error) {
	bySIP, _, err := d.findRTCOwners(ctx, sips, nil)
	return bySIP, err
}

// FindLineOwners returns, per number, the objects whose line URI is the
// number: tel:<number>, or tel:<number>;ext=<its last digits> (Lync's form for
// a main number with an extension). Only equality filters are used, so a line
// URI whose extension is not a tail of the number is not found; substring
// filters would read every object with a line URI.
func (d *Dir) FindLineOwners(ctx context.Context, numbers []string) (map[string][]*ldap.Entry, error) {
	_, byNumber, err := d.findRTCOwners(ctx, nil, numbers)
	return byNumber, err
}

// findRTCOwners looks SIP addresses and numbers up together, in one batched search.
func (d *Dir) findRTCOwners(ctx context.Context, sips, numbers []string) (bySIP, byNumber map[string][]*ldap.Entry, err error) {
	var terms []string
	bySIP = make(map[string][]*ldap.Entry, len(sips))
	byNumber = make(map[string][]*ldap.Entry, len(numbers))
	for _, s := range sips {
		terms = append(terms, Filter("msRTCSIP-PrimaryUserAddress", s), Filter("proxyAddresses", s))
		bySIP[strings.ToLower(s)] = nil
	}
	for _, n := range numbers {
		for _, uri := range lineURIs(n) {
			terms = append(terms, Filter("msRTCSIP-Line", uri))
		}
		byNumber[n] = nil
	}
	es, err := d.ForestSearchAny(ctx, terms, ownerAttrs)
	if err != nil {
		return nil, nil, err
	}
	for _, e := range es {
		for _, v := range sipValues(e) {
			if list, ok := bySIP[v]; ok {
				bySIP[v] = append(list, e)
			}
		}
		if n, ok := strings.CutPrefix(strings.ToLower(e.GetAttributeValue("msRTCSIP-Line")), "tel:"); ok {
			n, _, _ = strings.Cut(n, ";")
			if list, ok := byNumber[n]; ok {
				byNumber[n] = append(list, e)
			}
		}
	}
	return bySIP, byNumber, nil
}

// sipValues are an entry's SIP addresses, lower case, each once.
func sipValues(e *ldap.Entry) []string {
	var out []string
	for _, v := range append(e.GetAttributeValues("proxyAddresses"), e.GetAttributeValue("msRTCSIP-PrimaryUserAddress")) {
		if k := strings.ToLower(v); strings.HasPrefix(k, "sip:") && !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	return out
}

// maxExtDigits bounds the extensions lineURIs tries (Exchange allows 1–20
// digits; Lync deployments use up to 8).
const maxExtDigits = 8

// lineURIs are the line URIs that mean number: tel:<number> and
// tel:<number>;ext=<last k digits> for k = 1…maxExtDigits.
func lineURIs(number string) []string {
	out := []string{LineURI(number)}
	digits := strings.TrimPrefix(number, "+")
	for k := 1; k <= maxExtDigits && k <= len(digits); k++ {
		out = append(out, LineURI(number)+";ext="+digits[len(digits)-k:])
	}
	return out
}
