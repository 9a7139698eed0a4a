package manifest

import (
	"reflect"
	"testing"

	"github.com/umctl/umctl/internal/ad"
)

func TestRecordRoundTrip(t *testing.T) {
	entries := []ad.EUMAddress{
		{Address: "1234", PhoneContext: "SipDP.contoso.com"},
		{Address: "ada@contoso.com", PhoneContext: "Sip DP;x%.contoso.com"},
	}
	v := formatRecord(entries)
	if want := "umctl-managed eum:1234;SipDP.contoso.com ada@contoso.com;Sip%20DP%3Bx%25.contoso.com"; v != want {
		t.Fatalf("formatRecord = %q, want %q", v, want)
	}
	r := parseRecord(v)
	if r.foreign || !reflect.DeepEqual(r.entries, entries) || r.value != v {
		t.Fatalf("parseRecord(%q) = %+v", v, r)
	}
	if !r.has(ad.EUMAddress{Address: "ADA@contoso.com", PhoneContext: "sip dp;X%.contoso.com"}) {
		t.Error("has compares as the directory does (case-insensitively)")
	}
	if formatRecord(nil) != "" {
		t.Error("an empty record is no value")
	}
}

func TestRecordForeign(t *testing.T) {
	for v, foreign := range map[string]bool{
		"":                         false,
		"umctl-managed":            false,
		"umctl-managed eum:":       false,
		"User_DoNotSync":           true,
		"umctl-managedx":           true,
		"umctl-managed eum:1234":   true, // no phone context
		"umctl-managed eum:;ctx":   true,
		"umctl-managed eum:1;%zz":  true,
		"umctl-managed contacts:1": true,
	} {
		if got := parseRecord(v).foreign; got != foreign {
			t.Errorf("parseRecord(%q).foreign = %v, want %v", v, got, foreign)
		}
	}
}
