package ad

import (
	"fmt"
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// The index finds exactly the holders a scan of every entry finds.
func TestSettleCandidatesMatchAScan(t *testing.T) {
	entry := func(dn string, attrs map[string][]string) *ldap.Entry { return ldap.NewEntry(dn, attrs) }
	es := []*ldap.Entry{
		entry("CN=a", map[string][]string{"proxyAddresses": {"EUM:1001;phone-context=SipDP.x", "sip:A@x", "SMTP:a@x"}, "msRTCSIP-Line": {"tel:+4790001001;ext=1001"}}),
		entry("CN=b", map[string][]string{"proxyAddresses": {"eum:1001;phone-context=sipdp.X"}, "msRTCSIP-PrimaryUserAddress": {"SIP:a@X"}}),
		entry("CN=c", map[string][]string{"proxyAddresses": {"EUM:1001;phone-context=Other.x"}, "msRTCSIP-Line": {"TEL:+4790001001"}}),
		entry("CN=d", map[string][]string{"proxyAddresses": {"EUM:1001;phone-context=Alias.x", "EUM:b@x;phone-context=SipDP.x"}}),
	}
	for i := 0; i < 200; i++ { // bulk, as from a 200-row CSV
		es = append(es, entry(fmt.Sprintf("CN=u%d", i), map[string][]string{"proxyAddresses": {fmt.Sprintf("EUM:%d;phone-context=SipDP.x", 2000+i)}}))
	}
	claims := []*Claim{
		{kind: claimEUM, value: "1001", contexts: []string{"SipDP.x", "Alias.x"}},
		{kind: claimEUM, value: "B@X", contexts: []string{"sipdp.x"}},
		{kind: claimEUM, value: "2100", contexts: []string{"SipDP.x"}},
		{kind: claimEUM, value: "9999", contexts: []string{"SipDP.x"}},
		{kind: claimSIP, value: "sip:a@x"},
		{kind: claimLine, value: "+4790001001"},
	}
	holders := indexHolders(es)
	for _, c := range claims {
		var scan, indexed []string
		for _, e := range es {
			if c.heldBy(e) {
				scan = append(scan, e.DN)
			}
		}
		for _, e := range c.candidates(holders) {
			if c.heldBy(e) {
				indexed = append(indexed, e.DN)
			}
		}
		if fmt.Sprint(scan) != fmt.Sprint(indexed) {
			t.Errorf("claim %v %q: scan %v, index %v", c.kind, c.value, scan, indexed)
		}
	}
}
