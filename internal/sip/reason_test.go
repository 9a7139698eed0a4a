package sip

import (
	"testing"

	"github.com/emiago/sipgo/sip"
)

// Every Reason header and every comma-separated value counts; only SIP with
// cause=200 exactly means answered elsewhere.
func TestCancelReason(t *testing.T) {
	for _, tc := range []struct {
		headers []string
		want    string
	}{
		{nil, "caller"},
		{[]string{`SIP;cause=200;text="Call completed elsewhere"`}, `completed_elsewhere: SIP;cause=200;text="Call completed elsewhere"`},
		{[]string{"Q.850;cause=16", `SIP;cause=200;text="Call completed elsewhere"`}, `completed_elsewhere: Q.850;cause=16, SIP;cause=200;text="Call completed elsewhere"`},
		{[]string{"Q.850;cause=16, SIP;cause=200"}, "completed_elsewhere: Q.850;cause=16, SIP;cause=200"},
		{[]string{"sip ; Cause = 200"}, "completed_elsewhere: sip ; Cause = 200"},
		{[]string{"SIP;cause=2000"}, "caller: SIP;cause=2000"},
		{[]string{"Q.850;cause=200"}, "caller: Q.850;cause=200"},
		{[]string{`SIP;cause=487;text="not cause=200, SIP;cause=200"`}, `caller: SIP;cause=487;text="not cause=200, SIP;cause=200"`},
		{[]string{"Q.850;cause=16"}, "caller: Q.850;cause=16"},
	} {
		req := sip.NewRequest(sip.CANCEL, sip.Uri{Scheme: "sip", Host: "x"})
		for _, h := range tc.headers {
			req.AppendHeader(sip.NewHeader("Reason", h))
		}
		if got := cancelReason(req); got != tc.want {
			t.Errorf("%q: got %q, want %q", tc.headers, got, tc.want)
		}
	}
}
