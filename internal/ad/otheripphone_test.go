package ad

import (
	"reflect"
	"testing"
)

func TestEncodeOtherIPPhone(t *testing.T) {
	got := EncodeOtherIPPhone(UMContactData{SIP: "ova@contoso.com", PhoneContext: "SipDP.contoso.com", Type: AutoAttendant})
	want := []string{"EUM:ova@contoso.com;phone-context=SipDP.contoso.com", "UMContactType:AutoAttendant"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%q", got)
	}
	if got := EncodeOtherIPPhone(UMContactData{SIP: "a@b.c", PhoneContext: "x"}); got[1] != "UMContactType:SubscriberAccess" {
		t.Fatalf("default type: %q", got)
	}
}

func TestDecodeOtherIPPhone(t *testing.T) {
	for _, tc := range []struct {
		name    string
		vals    []string
		want    UMContactData
		unknown int
	}{
		{"umctl", []string{"EUM:ova@contoso.com;phone-context=SipDP.contoso.com", "UMContactType:SubscriberAccess"},
			UMContactData{"ova@contoso.com", "SipDP.contoso.com", SubscriberAccess}, 0},
		{"lower-case prefix, AA marker", []string{"eum:aa@contoso.com;phone-context=SipDP.contoso.com", "umcontacttype:autoattendant"},
			UMContactData{"aa@contoso.com", "SipDP.contoso.com", AutoAttendant}, 0},
		{"type parameter after the context", []string{"EUM:aa@contoso.com;phone-context=SipDP.contoso.com;type=AA"},
			UMContactData{"aa@contoso.com", "SipDP.contoso.com", AutoAttendant}, 0},
		{"bare markers and a sip: value", []string{"sip:ova@contoso.com", "SA"}, UMContactData{"ova@contoso.com", "", SubscriberAccess}, 0},
		{"last phone-context wins", []string{"EUM:x@y.z;phone-context=a;phone-context=B.contoso.com"}, UMContactData{"x@y.z;phone-context=a", "B.contoso.com", UnknownType}, 0},
		{"foreign values kept", []string{"+14255550100", "EUM:x@y.z;phone-context=P"}, UMContactData{"x@y.z", "P", UnknownType}, 1},
		{"nothing", nil, UMContactData{}, 0},
	} {
		got, unknown := DecodeOtherIPPhone(tc.vals)
		if got != tc.want || len(unknown) != tc.unknown {
			t.Errorf("%s: %+v %q, want %+v and %d unknown", tc.name, got, unknown, tc.want, tc.unknown)
		}
	}
	// Round trip.
	d := UMContactData{SIP: "ova@contoso.com", PhoneContext: "SipDP.contoso.com", Type: AutoAttendant}
	if got, _ := DecodeOtherIPPhone(EncodeOtherIPPhone(d)); got != d {
		t.Fatalf("round trip: %+v", got)
	}
}

func FuzzDecodeOtherIPPhone(f *testing.F) {
	f.Add("EUM:ova@contoso.com;phone-context=SipDP.contoso.com", "UMContactType:AutoAttendant")
	f.Fuzz(func(t *testing.T, a, b string) {
		d, _ := DecodeOtherIPPhone([]string{a, b})
		if d.SIP != "" && d.PhoneContext != "" && d.Type != UnknownType {
			if got, _ := DecodeOtherIPPhone(EncodeOtherIPPhone(d)); got.Type != d.Type || got.PhoneContext != d.PhoneContext {
				t.Fatalf("re-encoding %+v decodes to %+v", d, got)
			}
		}
	})
}
