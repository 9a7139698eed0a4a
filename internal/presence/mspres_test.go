package presence

import (
	"os"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/routing"
)

var parser = Parser{MobileCallTokens: []string{"in-a-mobile-call", "on-the-mobile"}}

func states(ups []Update) map[string]routing.State {
	out := map[string]routing.State{}
	for _, u := range ups {
		out[u.URI] = u.State
	}
	return out
}

func golden(t *testing.T, ups []Update, want map[string]routing.State) {
	t.Helper()
	got := states(ups)
	if len(got) != len(want) {
		t.Errorf("%d users, want %d: %v", len(got), len(want), got)
	}
	for k, s := range want {
		if got[k] != s {
			t.Errorf("%s: %q, want %q", k, got[k], s)
		}
	}
}

// The batched NOTIFY of [MS-PRES]: multipart/related with the rlmi resource
// list and one msrtc-event-categories part per user.
func TestParseMultipartNotify(t *testing.T) {
	body, err := os.ReadFile("testdata/notify_multipart.txt")
	if err != nil {
		t.Fatal(err)
	}
	ups, err := parser.Parse(`multipart/related;type="application/rlmi+xml";start=resourceList;boundary=50UBfW7LSCVLtggUPe5z`, body)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, ups, map[string]routing.State{"sip:alice@contoso.com": routing.Available, "sip:bob@contoso.com": routing.Offline,
		"sip:carol@contoso.com": routing.InMobileCall, "sip:ghost@contoso.com": routing.Unknown})
	for _, u := range ups {
		if u.URI == "sip:ghost@contoso.com" && !u.Terminated {
			t.Error("ghost's terminated instance was not reported")
		}
		if u.URI == "sip:carol@contoso.com" && (u.Activity != "In a mobile call" || u.Availability != 6500) {
			t.Errorf("carol: %+v", u)
		}
	}
}

// Categories nested in another document (as in roaming and BENOTIFY bodies),
// with an activity token.
func TestParseCategoriesNested(t *testing.T) {
	body, err := os.ReadFile("testdata/benotify_roaming.xml")
	if err != nil {
		t.Fatal(err)
	}
	ups, err := parser.Parse(CategoriesType, body)
	if err != nil {
		t.Fatal(err)
	}
	golden(t, ups, map[string]routing.State{"sip:dave@contoso.com": routing.InMobileCall, "sip:mallory@contoso.com": routing.Available})
}

const catFmt = `<categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories" uri="sip:u@contoso.com">%s</categories>`

func cat(inner string) []byte { return []byte(strings.Replace(catFmt, "%s", inner, 1)) }

func state(avail, extra string) string {
	return `<category name="state" instance="1" container="2" version="1"><state xsi:type="aggregateState" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/2006/09/sip/state"><availability>` + avail + `</availability>` + extra + `</state></category>`
}

// The availability ranges of the issue, the activities, and a missing or
// deleted state category (offline).
func TestAvailabilityMapping(t *testing.T) {
	cases := []struct {
		body []byte
		want routing.State
	}{
		{cat(state("3000", "")), routing.Available},
		{cat(state("4500", "")), routing.Available}, // available-idle
		{cat(state("5999", "")), routing.Available},
		{cat(state("6000", "")), routing.Busy},
		{cat(state("7500", "")), routing.Busy}, // busy-idle
		{cat(state("9000", "")), routing.Busy}, // do not disturb
		{cat(state("11999", "")), routing.Busy},
		{cat(state("12000", "")), routing.Away}, // be right back
		{cat(state("15500", "")), routing.Away},
		{cat(state("18000", "")), routing.Offline},
		{cat(state("6500", `<activity token="on-the-phone"/>`)), routing.InMobileCall},
		{cat(state("3500", `<activity token="On-The-Mobile"/>`)), routing.InMobileCall},
		{cat(state("6500", `<activity token="in-a-conference"/>`)), routing.Busy},
		{cat(state("6500", `<activity><custom LCID="1033">IN A MOBILE CALL</custom></activity>`)), routing.InMobileCall},
		{cat(`<category name="state" instance="1" container="2" version="4"/>`), routing.Offline}, // deleted
		{cat(`<category name="note" instance="0"><note/></category>`), routing.Offline},           // missing
	}
	for _, c := range cases {
		ups, err := parser.Parse(CategoriesType, c.body)
		if err != nil || len(ups) != 1 || ups[0].Err != nil {
			t.Fatalf("%s: %v %+v", c.body, err, ups)
		}
		if ups[0].State != c.want {
			t.Errorf("%s: %s, want %s", c.body, ups[0].State, c.want)
		}
	}
}

// Bad input is an error, never a panic; an unknown availability makes that
// user unknown.
func TestParseBadInput(t *testing.T) {
	ups, err := parser.Parse(CategoriesType, cat(state("2500", "")))
	if err != nil || len(ups) != 1 || ups[0].Err == nil || ups[0].State != routing.Unknown {
		t.Fatalf("availability 2500: %v %+v", err, ups)
	}
	ups, err = parser.Parse(CategoriesType, cat(state("lots", "")))
	if err != nil || ups[0].Err == nil || !strings.Contains(ups[0].Err.Error(), `availability "lots"`) {
		t.Fatalf("availability lots: %v %+v", err, ups)
	}
	for name, c := range map[string]struct{ ct, body string }{
		"malformed":     {CategoriesType, `<categories uri="sip:u@contoso.com"><category name="state">`},
		"no uri":        {CategoriesType, `<categories><category name="state"/></categories>`},
		"no categories": {CategoriesType, `<foo/>`},
		"1 MiB":         {CategoriesType, strings.Repeat(" ", MaxBody)},
		"type":          {"text/plain", "hello"},
		"no boundary":   {"multipart/related", "--x\r\n"},
	} {
		if _, err := parser.Parse(c.ct, []byte(c.body)); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestBatchBody(t *testing.T) {
	b := string(BatchBody("sip:umctl-relay@contoso.com", []string{"sip:a@contoso.com", `sip:"x"@contoso.com`}))
	for _, want := range []string{`<batchSub xmlns="http://schemas.microsoft.com/2006/01/sip/batch-subscribe" uri="sip:umctl-relay@contoso.com"`,
		`<resource uri="sip:a@contoso.com"/>`, `<resource uri="sip:&#34;x&#34;@contoso.com"/>`, `<category name="state"/></categoryList>`} {
		if !strings.Contains(b, want) {
			t.Errorf("batch body lacks %s:\n%s", want, b)
		}
	}
}

func FuzzParse(f *testing.F) {
	body, _ := os.ReadFile("testdata/notify_multipart.txt")
	f.Add(`multipart/related;boundary=50UBfW7LSCVLtggUPe5z`, body)
	f.Add(CategoriesType, cat(state("6500", `<activity token="on-the-phone"/>`)))
	f.Add(RLMIType, []byte(`<list><resource uri="sip:a@b"><instance state="terminated"/></resource></list>`))
	f.Fuzz(func(t *testing.T, ct string, body []byte) {
		ups, _ := parser.Parse(ct, body)
		for _, u := range ups {
			if u.State == "" {
				t.Fatalf("empty state for %q", u.URI)
			}
		}
	})
}
