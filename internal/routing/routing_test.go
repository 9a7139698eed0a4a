package routing

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func hdrs(m map[string][]string) Headers { return func(n string) []string { return m[n] } }

func TestExtractTarget(t *testing.T) {
	all := []string{"history-info", "diversion", "to", "request-uri"}
	for _, tc := range []struct {
		name  string
		order []string
		h     map[string][]string
		ruri  string
		key   string
		src   string
	}{
		{"history-info lowest index", all, map[string][]string{
			"History-Info": {`<sip:um@ex.contoso.com;maddr=1.2.3.4>;index=1.1`, `"Alice" <sip:+47-900-00001@contoso.com;user=phone?Reason=SIP%3Bcause%3D480>;index=1`},
			"To":           {"<sip:um@ex.contoso.com>"}}, "sip:um@ex.contoso.com", "+4790000001", "history-info"},
		{"history-info in one header, comma-separated", all, map[string][]string{
			"History-Info": {`<sip:alice@contoso.com>;index=1, <sip:alice@pool01.contoso.com;opaque=x>;index=1.1, <sip:um@ex.contoso.com>;index=1.1.1`}},
			"sip:um@ex", "sip:alice@contoso.com", "history-info"},
		{"diversion: the original called party is last", all, map[string][]string{
			"Diversion": {`<sip:bob@contoso.com>;reason=no-answer;counter=1`, `"Alice, A." <tel:+4790000001>;reason=unconditional;counter=1`}},
			"sip:um@ex", "+4790000001", "diversion"},
		{"to, when nothing else", all, map[string][]string{"To": {`"Alice" <sip:Alice@Contoso.COM>;tag=1`}}, "sip:x@y", "sip:alice@contoso.com", "to"},
		{"request-uri with phone-context", []string{"request-uri"}, nil, "sip:4001;phone-context=dp.contoso.com@contoso.com;user=phone", "4001", "request-uri"},
		{"order respected", []string{"to", "diversion"}, map[string][]string{"To": {"<sip:bob@contoso.com>"}, "Diversion": {"<tel:+4790000001>"}}, "", "sip:bob@contoso.com", "to"},
		{"tel with separators", []string{"to"}, map[string][]string{"To": {"<tel:+47 (900) 00-001;phone-context=+47>"}}, "", "+4790000001", "to"},
	} {
		got, err := ExtractTarget(tc.order, hdrs(tc.h), tc.ruri)
		if err != nil || got.Key != tc.key || got.Source != tc.src {
			t.Errorf("%s: %+v %v, want %s from %s", tc.name, got, err, tc.key, tc.src)
		}
	}
	if _, err := ExtractTarget([]string{"diversion"}, hdrs(nil), ""); err == nil {
		t.Error("no target found, no error")
	}
	if _, err := ExtractTarget([]string{"from"}, hdrs(nil), ""); err == nil || !strings.Contains(err.Error(), `unknown target header "from"`) {
		t.Error(err)
	}
}

func TestNormalize(t *testing.T) {
	for in, want := range map[string]string{
		"sip:+4790000001@contoso.com;user=phone": "+4790000001", "tel:+47-900-00001": "+4790000001", "+47 900 00 001": "+4790000001",
		"SIP:Alice@Contoso.com:5061;transport=tls": "sip:alice@contoso.com", "sips:bob@x.y": "sip:bob@x.y",
		"sip:contoso.com": "", "mailto:a@b": "", "tel:": "", "sip:12a@x": "sip:12a@x", "+": "", "4-0-0-1": "4001",
	} {
		if got := NormalizeURI(in); got != want {
			t.Errorf("%q: %q, want %q", in, got, want)
		}
	}
}

func TestFileSourceReloads(t *testing.T) {
	path := filepath.Join(t.TempDir(), "presence.yaml")
	write := func(s string) {
		if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("sip:alice@contoso.com: offline\n\"+47 900 00 002\": in-mobile-call\n")
	f, err := NewFileSource(path)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if s, _ := f.Lookup(ctx, Target{Key: "sip:alice@contoso.com"}); s != Offline {
		t.Fatal(s)
	}
	if s, _ := f.Lookup(ctx, Target{Key: "+4790000002"}); s != InMobileCall {
		t.Fatal(s)
	}
	if s, _ := f.Lookup(ctx, Target{Key: "sip:nobody@contoso.com"}); s != Unknown {
		t.Fatal(s)
	}
	write(`{"sip:alice@contoso.com": "available"}`)
	future := time.Now().Add(2 * time.Second)
	_ = os.Chtimes(path, future, future)
	f.checked = time.Time{}
	if s, _ := f.Lookup(ctx, Target{Key: "sip:alice@contoso.com"}); s != Available {
		t.Fatalf("not reloaded: %s", s)
	}
	for _, bad := range []string{"sip:alice@contoso.com: sleeping\n", "nonsense: offline\n", "- a list\n"} {
		if _, err := ParsePresenceFile([]byte(bad)); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestHTTPSource(t *testing.T) {
	answers := map[string]string{
		"sip:alice@contoso.com": `{"availability":"Offline","activity":"Offline"}`,
		"+4790000002":           `{"availability":"Busy","activity":"InACall"}`,
		"sip:carol@contoso.com": `{"availability":"Available"}`,
		"sip:dave@contoso.com":  `{"state":"away"}`,
		"sip:slow@contoso.com":  "slow",
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		a, ok := answers[r.URL.Query().Get("u")]
		switch {
		case !ok:
			w.WriteHeader(http.StatusNotFound)
		case a == "slow":
			time.Sleep(time.Second)
		default:
			_, _ = w.Write([]byte(a))
		}
	}))
	defer srv.Close()
	src := HTTPSource{Template: srv.URL + "/presence?u={target}"}
	want := map[string]State{"sip:alice@contoso.com": Offline, "+4790000002": InMobileCall, "sip:carol@contoso.com": Available,
		"sip:dave@contoso.com": Away, "sip:eve@contoso.com": Unknown}
	for k, w := range want {
		if s, err := src.Lookup(context.Background(), Target{Key: k}); s != w || err != nil {
			t.Errorf("%s: %s %v, want %s", k, s, err, w)
		}
	}
	// The policy holds when the service does not answer in time.
	p := Policy{Hold: 20 * time.Second, HoldWhen: []State{Offline, InMobileCall, Unknown}, Timeout: 100 * time.Millisecond}
	d := p.Decide(context.Background(), src, Target{Key: "sip:slow@contoso.com"})
	if !d.TimedOut || d.State != Unknown || d.Hold != 20*time.Second || d.Lookup > 500*time.Millisecond {
		t.Fatalf("slow presence: %+v", d)
	}
	if d := p.Decide(context.Background(), src, Target{Key: "sip:carol@contoso.com"}); d.Hold != 0 {
		t.Fatalf("available user held: %+v", d)
	}
}

func TestPolicyOverrides(t *testing.T) {
	ten := 10 * time.Second
	p := Policy{Hold: 20 * time.Second, HoldWhen: []State{Offline}, Users: map[string]UserPolicy{
		"sip:vip@contoso.com": {Hold: &ten, HoldWhen: []State{Offline, Busy}},
		"+4790000009":         {HoldWhen: []State{}},
	}}
	ctx := context.Background()
	if d := p.Decide(ctx, Constant(Busy), Target{Key: "sip:vip@contoso.com"}); d.Hold != ten {
		t.Fatal(d)
	}
	if d := p.Decide(ctx, Constant(Busy), Target{Key: "sip:other@contoso.com"}); d.Hold != 0 {
		t.Fatal(d)
	}
	if d := p.Decide(ctx, Constant(Offline), Target{Key: "+4790000009"}); d.Hold != 0 {
		t.Fatal(d)
	}
}

func FuzzExtractTarget(f *testing.F) {
	f.Add(`<sip:alice@contoso.com>;index=1,<sip:um@x>;index=1.1`, `"A, B" <tel:+4790000001>;counter=1`, `<sip:bob@contoso.com>;tag=1`, "sip:um@x")
	f.Fuzz(func(t *testing.T, hi, div, to, ruri string) {
		h := hdrs(map[string][]string{"History-Info": {hi}, "Diversion": {div}, "To": {to}})
		tgt, err := ExtractTarget(TargetHeaders, h, ruri)
		if err == nil && (tgt.Key == "" || NormalizeURI(tgt.URI) != tgt.Key) {
			t.Fatalf("inconsistent target %+v", tgt)
		}
	})
}

func FuzzPresenceAnswer(f *testing.F) {
	f.Add([]byte(`{"availability":"Busy","activity":"InACall"}`))
	f.Add([]byte(`{"state":"offline"}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := ParsePresenceAnswer(b)
		if err == nil {
			if _, perr := ParseState(string(s)); perr != nil {
				t.Fatalf("invalid state %q", s)
			}
		}
	})
}

func FuzzPresenceFile(f *testing.F) {
	f.Add([]byte("sip:alice@contoso.com: offline\n'+4790000001': busy\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ParsePresenceFile(b)
		if err == nil {
			for k := range m {
				if NormalizeURI(k) != k {
					t.Fatalf("key %q not normalised", k)
				}
			}
		}
	})
}
