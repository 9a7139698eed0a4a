package manifest

import (
	"testing"

	"github.com/umctl/umctl/internal/ad"
)

func TestMarkIndependent(t *testing.T) {
	plan := func(dns ...string) *ad.Plan {
		p := &ad.Plan{}
		for _, dn := range dns {
			p.Changes = append(p.Changes, &ad.Change{Action: ad.ActionModify, DN: dn})
		}
		p.Changes = append(p.Changes, &ad.Change{Action: ad.ActionUnchanged, DN: dns[0]})
		return p
	}
	for _, tc := range []struct {
		name string
		p    *ad.Plan
		want bool
	}{
		{"distinct users and contacts", plan("CN=a,OU=U,DC=x", "CN=b,OU=U,DC=x", "CN={1},OU=C,DC=x"), true},
		{"one user twice (Apply keeps its order)", plan("CN=a,OU=U,DC=x", "CN=b,OU=U,DC=x", "CN=a,OU=U,DC=x"), true},
		{"a gateway and its hunt group", plan("CN=1:1,CN=GW,DC=x", "CN=SipDP,CN=1:1,CN=GW,DC=x"), false},
		{"a hunt group, then its gateway", plan("CN=SipDP,CN=1:1,CN=GW,DC=x", "CN=1:1,CN=GW,DC=x"), false},
		{"the gateway spelled otherwise", plan("cn=1:1, cn=gw, dc=X", "CN=SipDP,CN=1:1,CN=GW,DC=x"), false},
		{"siblings with an escaped comma", plan(`CN=a\,b,OU=U,DC=x`, "CN=a,OU=U,DC=x"), true},
		{"an unparsable DN", plan("CN=a,OU=U,DC=x", "not a dn"), false},
	} {
		markIndependent(tc.p)
		if tc.p.Independent != tc.want {
			t.Errorf("%s: Independent = %v, want %v", tc.name, tc.p.Independent, tc.want)
		}
	}
}
