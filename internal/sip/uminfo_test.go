package sip

import (
	"strings"
	"testing"
	"time"
)

// sampleNotification is the body Exchange UM writes to its pickup folder for
// a missed call, as published by a Microsoft UC consultant (issue #14); the
// sample's Call-ID was cut short with "…", here it is whole.
const sampleNotification = `<?xml version="1.0" encoding="us-ascii"?><UserNotification><User>sip:tluk@domain.com</User><EumProxyAddress>EUM:tluk@domain.com;phone-context=DialPlanName.domain.com</EumProxyAddress><Time>2011-02-11 01:29:39Z</Time><Template>RtcDefault</Template><Event type="missed"><CallId>f46b6940-0c7a-4e11-9c40-2d8f5b2c1e01</CallId><From>sip:+12892596319@domain.com;user=phone</From><MissedReason>CallerReleased</MissedReason></Event></UserNotification>`

// The same fields in give the sample, byte for byte.
func TestNotificationBodyGolden(t *testing.T) {
	at := time.Date(2011, 2, 10, 20, 29, 39, 0, time.FixedZone("EST", -5*3600))
	b, err := notificationBody(MissedCall{CallID: "f46b6940-0c7a-4e11-9c40-2d8f5b2c1e01", From: "sip:+12892596319@domain.com;user=phone",
		Target: "+12892596300", User: "sip:tluk@domain.com", MissedReason: "CallerReleased", At: at},
		"EUM:tluk@domain.com;phone-context=DialPlanName.domain.com")
	if err != nil {
		t.Fatal(err)
	}
	if string(b) != sampleNotification {
		t.Fatalf("body differs from Exchange's sample:\ngot  %s\nwant %s", b, sampleNotification)
	}
}

// The body escapes what callers control, stays ASCII as it declares, and a
// target without a SIP address is refused.
func TestNotificationBody(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	b, err := notificationBody(MissedCall{CallID: "a<b", From: `"Eve & Co" <sip:eve@x>`, Target: "+4790000001", User: "sip:alice@contoso.com",
		Subject: "</Subject> Grüße", At: at}, "EUM:alice@contoso.com;phone-context=DP.contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<Time>2026-11-22 09:00:00Z</Time>", "<CallId>a&lt;b</CallId>", "&#34;Eve &amp; Co&#34; &lt;sip:eve@x&gt;",
		"<Subject>&lt;/Subject&gt; Gr&#252;&#223;e</Subject>", "<EumProxyAddress>EUM:alice@contoso.com;phone-context=DP.contoso.com</EumProxyAddress>"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("body lacks %s:\n%s", want, b)
		}
	}
	for _, absent := range []string{"<Priority>", "<MissedReason>", "<EumProxyAddress></EumProxyAddress>"} {
		if strings.Contains(string(b), absent) {
			t.Errorf("body has an empty %s:\n%s", absent, b)
		}
	}
	for _, c := range b {
		if c >= 0x80 {
			t.Fatalf("non-ASCII byte in a us-ascii document:\n%s", b)
		}
	}
	if _, err := notificationBody(MissedCall{Target: "+4790000009", TargetURI: "tel:+4790000009"}, ""); err == nil || !strings.Contains(err.Error(), "no SIP address") {
		t.Fatalf("a number without a user: %v", err)
	}
}
