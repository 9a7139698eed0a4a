package main

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/sip"
	"github.com/umctl/umctl/internal/sipptest"
)

// `umctl relay presence` asks a running `umctl relay run` (Graph presence
// from an httptest server) what it believes: a number resolves to its user.
func TestRelayPresenceCommand(t *testing.T) {
	isolate(t)
	const id = "0b4f7a9e-52d3-4c55-8c6a-1f2e3d4c5b6a"
	graph := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.HasSuffix(r.URL.Path, "/oauth2/v2.0/token") {
			_, _ = fmt.Fprint(w, `{"token_type":"Bearer","expires_in":3599,"access_token":"tok"}`)
			return
		}
		_, _ = fmt.Fprintf(w, `{"value":[{"id":%q,"availability":"Busy","activity":"InACall"}]}`, id)
	}))
	defer graph.Close()
	dir := t.TempDir()
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	relayPort, metricsPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "tcp")
	path := startRelayProc(t, fmt.Sprintf(`listen: [udp://127.0.0.1:%d]
next_hops: [udp://127.0.0.1:5080]
metrics: 127.0.0.1:%d
numbers: {"+4790000001": sip:alice@contoso.com}
presence:
  sources: [graph]
  graph: {tenant: contoso.onmicrosoft.com, client_id: 11111111-2222-3333-4444-555555555555, client_secret_file: %s,
          ids_file: %s, authority_url: %q, graph_url: %q, interval: 1s}
`, relayPort, metricsPort, write("secret", "s3cret\n"), write("ids.yaml", "sip:alice@contoso.com: "+id+"\n"), graph.URL, graph.URL)).path

	var entries []sip.PresenceEntry
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		code, out, errOut := umctl(t, "relay", "presence", "+4790000001", "sip:bob@contoso.com", "--config", path, "-o", "json")
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if err := json.Unmarshal([]byte(out), &entries); err != nil {
			t.Fatal(err)
		}
		if len(entries) == 2 && entries[0].Source == "graph" || time.Now().After(deadline) {
			break
		}
	}
	if len(entries) != 2 || entries[0].Key != "sip:alice@contoso.com" || entries[0].State != "busy" || entries[0].Source != "graph" ||
		entries[0].AgeSeconds == nil || !entries[0].Watched || entries[1].State != "unknown" || entries[1].Watched {
		t.Fatalf("entries %+v", entries)
	}
	code, out, _ := umctl(t, "relay", "presence", "sip:alice@contoso.com", "--config", path)
	if code != 0 || !strings.Contains(out, "sip:alice@contoso.com") || !strings.Contains(out, "busy") || !strings.Contains(out, "graph") {
		t.Fatalf("table: exit %d\n%s", code, out)
	}
	// check-config explains the presence keys.
	if code, out, _ := umctl(t, "relay", "check-config", "--config", path); code != 0 ||
		!strings.Contains(out, "client_secret_file: "+filepath.Join(dir, "secret")+" # the client secret (else UMCTL_GRAPH_CLIENT_SECRET); never in this file") {
		t.Fatalf("check-config: exit %d\n%s", code, out)
	}
	// Without metrics: in the config: a usage error naming the key.
	bad := write("bad.yaml", "next_hops: [udp://127.0.0.1:5080]\n")
	if code, _, errOut := umctl(t, "relay", "presence", "--config", bad); code != 2 || !strings.Contains(errOut, "metrics: not set") {
		t.Fatalf("without metrics: exit %d: %s", code, errOut)
	}
}
