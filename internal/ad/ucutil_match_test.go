package ad

import "testing"

func TestSameFQDN(t *testing.T) {
	for _, c := range []struct {
		a, b string
		same bool
	}{
		{"pool01.contoso.com", "POOL01.Contoso.Com.", true},
		{"pool01.contoso.com.", "pool01.contoso.com", true},
		{"pool01.contoso.com", "pool01.contoso.co", false},
		{"pool01.contoso.com", "pool01.contoso.com..", false},
		{"10.0.0.1", "10.0.0.1", true},
	} {
		if SameFQDN(c.a, c.b) != c.same || SameFQDN(c.b, c.a) != c.same {
			t.Errorf("SameFQDN(%q, %q) != %v", c.a, c.b, c.same)
		}
	}
}

func TestMatchPoolGateways(t *testing.T) {
	pools := []Pool{
		{Name: "1:1", FQDN: "pool01.contoso.com", DN: "p1", Version: 0x60000},
		{Name: "1:2", FQDN: "pool02.contoso.com", DN: "p2", Version: 0x70000},
		{Name: "1:3", FQDN: "pool03.contoso.com", DN: "p3", Version: 0x70000},
		{Name: "1:4", FQDN: "pool04.contoso.com", DN: "p4", Version: 0x70000},
		{Name: "old", FQDN: "old.contoso.com", DN: "p5", Version: 0x20000}, // before OCS 2007: no gateway
	}
	gws := []Gateway{
		{Name: "1:1", Address: "10.0.0.99"},             // pool01's, address changed by hand
		{Name: "1:2", Address: "pool03.contoso.com"},    // named after pool02 but pointing at pool03
		{Name: "1:3", Address: "POOL03.contoso.com."},   // pool03's own: preferred over 1:2 for pool03
		{Name: "SBC", Address: "pool04.contoso.com"},    // adopted by address
		{Name: "old", Address: "elsewhere.contoso.com"}, // the old pool gets none
	}
	got := MatchPoolGateways(pools, gws)
	want := map[string]string{"p1": "1:1", "p2": "1:2", "p3": "1:3", "p4": "SBC"}
	if len(got) != len(want) {
		t.Fatalf("%d matches, want %d: %v", len(got), len(want), got)
	}
	for dn, name := range want {
		if got[dn] == nil || got[dn].Name != name {
			t.Errorf("pool %s: gateway %v, want %s", dn, got[dn], name)
		}
	}
	// A gateway that is another pool's by address is never taken by name.
	got = MatchPoolGateways(pools[:2], []Gateway{{Name: "1:1", Address: "pool02.contoso.com"}})
	if got["p2"] == nil || got["p1"] != nil {
		t.Fatalf("%v", got)
	}
}
