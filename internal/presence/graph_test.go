package presence

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/routing"
)

// fakeGraph speaks the documented shapes of the Microsoft identity platform's
// client-credentials token endpoint and of getPresencesByUserId. Its first
// presence call is throttled (429, Retry-After: 1) and the first token expires
// after one successful call (401).
type fakeGraph struct {
	mu       sync.Mutex
	tokens   int
	valid    map[string]int // token → presence calls left before it "expires"
	calls    []string       // "size:status"
	throttle time.Time      // when the 429 went out
	retried  time.Duration  // from the 429 to the next call
	presence map[string][2]string
}

func (f *fakeGraph) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	defer f.mu.Unlock()
	switch r.URL.Path {
	case "/contoso.onmicrosoft.com/oauth2/v2.0/token":
		_ = r.ParseForm()
		if r.Form.Get("grant_type") != "client_credentials" || r.Form.Get("client_id") != "11111111-2222-3333-4444-555555555555" ||
			r.Form.Get("client_secret") != "s3cret" || !strings.HasSuffix(r.Form.Get("scope"), "/.default") {
			w.WriteHeader(400)
			_, _ = fmt.Fprint(w, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret provided."}`)
			return
		}
		f.tokens++
		tok := fmt.Sprintf("tok%d", f.tokens)
		f.valid[tok] = map[bool]int{true: 1, false: 1000}[f.tokens == 1]
		_, _ = fmt.Fprintf(w, `{"token_type":"Bearer","expires_in":3599,"ext_expires_in":3599,"access_token":%q}`, tok)
	case "/v1.0/communications/getPresencesByUserId":
		var body struct {
			IDs []string `json:"ids"`
		}
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil || len(body.IDs) == 0 || len(body.IDs) > 650 || r.Method != http.MethodPost {
			w.WriteHeader(400)
			return
		}
		tok := strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer ")
		status := 200
		switch {
		case f.throttle.IsZero():
			f.throttle, status = time.Now(), 429
			w.Header().Set("Retry-After", "1")
		case f.valid[tok] <= 0:
			status = 401
		}
		if f.retried == 0 && status != 429 {
			f.retried = time.Since(f.throttle)
		}
		f.calls = append(f.calls, fmt.Sprintf("%d:%d", len(body.IDs), status))
		if status != 200 {
			w.WriteHeader(status)
			_, _ = fmt.Fprint(w, `{"error":{"code":"InvalidAuthenticationToken","message":"Access token has expired."}}`)
			return
		}
		f.valid[tok]--
		var out []map[string]string
		for _, id := range body.IDs {
			p := f.presence[id]
			out = append(out, map[string]string{"id": id, "availability": p[0], "activity": p[1]})
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"@odata.context": "https://graph.microsoft.com/v1.0/$metadata#Collection(presence)", "value": out})
	default:
		w.WriteHeader(404)
	}
}

func TestGraphPoll(t *testing.T) {
	f := &fakeGraph{valid: map[string]int{}, presence: map[string][2]string{}}
	srv := httptest.NewServer(f)
	defer srv.Close()
	cache := routing.NewCache(10 * time.Minute)
	ids := map[string]string{}
	var keys []string
	for i := range 700 {
		key, id := fmt.Sprintf("sip:u%03d@contoso.com", i), fmt.Sprintf("%08d-0000-4000-8000-000000000000", i)
		keys, ids[key] = append(keys, key), id
		f.presence[id] = [2]string{"Away", "Away"}
	}
	set := func(i int, a, act string) {
		f.presence[ids[fmt.Sprintf("sip:u%03d@contoso.com", i)]] = [2]string{a, act}
	}
	set(0, "Available", "Available")
	set(1, "Offline", "InACall") // no Teams client signed in, in a call: elsewhere
	set(2, "Busy", "InACall")
	set(3, "PresenceUnknown", "PresenceUnknown")
	set(4, "Sleeping", "Sleeping")
	set(699, "Offline", "OffWork")
	ids["+4790000001"] = ids["sip:u000@contoso.com"] // a number with the same id
	cache.SetWatched(append(keys, "+4790000001"))
	g := NewGraph(GraphConfig{Tenant: "contoso.onmicrosoft.com", ClientID: "11111111-2222-3333-4444-555555555555", Secret: "s3cret",
		AuthorityURL: srv.URL, GraphURL: srv.URL, IDs: func() map[string]string { return ids }}, cache)
	if err := g.Poll(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(f.calls, " "); got != "650:429 650:200 50:401 50:200" {
		t.Errorf("calls %s, want 650:429 650:200 50:401 50:200", got)
	}
	if f.tokens != 2 {
		t.Errorf("%d tokens, want 2 (one more after the 401)", f.tokens)
	}
	if f.retried < time.Second {
		t.Errorf("retried %v after a 429 with Retry-After: 1", f.retried)
	}
	want := map[string]routing.State{"sip:u000@contoso.com": routing.Available, "+4790000001": routing.Available,
		"sip:u001@contoso.com": routing.InMobileCall, "sip:u002@contoso.com": routing.Busy, "sip:u003@contoso.com": routing.Unknown,
		"sip:u004@contoso.com": routing.Unknown, "sip:u005@contoso.com": routing.Away, "sip:u699@contoso.com": routing.Offline}
	for k, s := range want {
		if got, _ := cache.Lookup(context.Background(), routing.Target{Key: k}); got != s {
			t.Errorf("%s: %s, want %s", k, got, s)
		}
	}
	if g.Feed().Errors() != 1 || g.Feed().Updates() != 701 {
		t.Errorf("errors %d (want 1: Sleeping), updates %d (want 701)", g.Feed().Errors(), g.Feed().Updates())
	}
}

func TestGraphBadSecret(t *testing.T) {
	srv := httptest.NewServer(&fakeGraph{valid: map[string]int{}})
	defer srv.Close()
	cache := routing.NewCache(time.Minute)
	cache.SetWatched([]string{"sip:a@contoso.com"})
	g := NewGraph(GraphConfig{Tenant: "contoso.onmicrosoft.com", ClientID: "11111111-2222-3333-4444-555555555555", Secret: "wrong",
		AuthorityURL: srv.URL, GraphURL: srv.URL, IDs: func() map[string]string {
			return map[string]string{"sip:a@contoso.com": "00000000-0000-4000-8000-000000000000"}
		}}, cache)
	err := g.Poll(context.Background())
	if err == nil || !strings.Contains(err.Error(), "HTTP 400 invalid_client AADSTS7000215") {
		t.Fatalf("got %v", err)
	}
}

func TestGraphIDsAndURLs(t *testing.T) {
	m, err := ParseIDsFile([]byte("sip:Alice@Contoso.com: User_0B4F7A9E-52D3-4C55-8C6A-1F2E3D4C5B6A\n\"+47 900 00 001\": 0b4f7a9e-52d3-4c55-8c6a-1f2e3d4c5b6a\n"))
	if err != nil || m["sip:alice@contoso.com"] != "0b4f7a9e-52d3-4c55-8c6a-1f2e3d4c5b6a" || m["+4790000001"] == "" {
		t.Fatalf("%v %v", m, err)
	}
	if _, err := ParseIDsFile([]byte("sip:a@contoso.com: 1234\n")); err == nil || !strings.Contains(err.Error(), "expected an Entra object id") {
		t.Fatalf("bad id: %v", err)
	}
	for u, ok := range map[string]bool{"https://graph.microsoft.com": true, "http://127.0.0.1:8080": true, "http://graph.microsoft.com": false, "ftp://x": false} {
		if err := CheckGraphURL("presence.graph.graph_url", u); (err == nil) != ok {
			t.Errorf("%s: %v", u, err)
		}
	}
	t.Setenv("UMCTL_GRAPH_CLIENT_SECRET", "from-env")
	if s, err := ReadSecret(""); s != "from-env" || err != nil {
		t.Fatalf("secret from the environment: %q %v", s, err)
	}
}
