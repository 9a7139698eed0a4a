package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/sip"
	"github.com/umctl/umctl/internal/sipptest"
	"github.com/umctl/umctl/internal/testutil"
	"github.com/umctl/umctl/internal/testutil/graphfake"
)

// `umctl relay presence` asks a running `umctl relay run` (Graph presence
// from an httptest server) what it believes: a number resolves to its user.
func TestRelayPresenceCommand(t *testing.T) {
	isolate(t)
	const id = "0b4f7a9e-52d3-4c55-8c6a-1f2e3d4c5b6a"
	graph := graphfake.Start(t, map[string][2]string{id: {"Busy", "InACall"}})
	dir, write := testutil.TempFiles(t)
	relayPort, metricsPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "tcp")
	path := startRelayProc(t, fmt.Sprintf(`listen: [udp://127.0.0.1:%d]
next_hops: [udp://127.0.0.1:5080]
metrics: 127.0.0.1:%d
numbers: {"+4790000001": sip:alice@contoso.com}
presence:
  sources: [graph]
  graph: {tenant: %s, client_id: %s, client_secret_file: %s,
          ids_file: %s, authority_url: %q, graph_url: %q, interval: 1s}
`, relayPort, metricsPort, graphfake.Tenant, graphfake.ClientID, write("secret", graphfake.Secret+"\n"), write("ids.yaml", "sip:alice@contoso.com: "+id+"\n"), graph.URL, graph.URL)).path

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
