package sip

import (
	"strings"
	"testing"
	"time"
)

// The body escapes what callers control, and a target without a SIP address is refused.
func TestNotificationBody(t *testing.T) {
	at := time.Date(2026, 11, 22, 10, 0, 0, 0, time.FixedZone("CET", 3600))
	b, err := notificationBody(MissedCall{CallID: "a<b", From: `"Eve & Co" <sip:eve@x>`, Target: "+4790000001", User: "sip:alice@contoso.com",
		Subject: "</Subject>", At: at}, "EUM:alice@contoso.com;phone-context=DP.contoso.com")
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"<Time>2026-11-22T09:00:00Z</Time>", "<CallId>a&lt;b</CallId>", "&#34;Eve &amp; Co&#34; &lt;sip:eve@x&gt;",
		"<Subject>&lt;/Subject&gt;</Subject>", "<EumProxyAddress>EUM:alice@contoso.com;phone-context=DP.contoso.com</EumProxyAddress>"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("body lacks %s:\n%s", want, b)
		}
	}
	if _, err := notificationBody(MissedCall{Target: "+4790000009", TargetURI: "tel:+4790000009"}, ""); err == nil || !strings.Contains(err.Error(), "no SIP address") {
		t.Fatalf("a number without a user: %v", err)
	}
}
