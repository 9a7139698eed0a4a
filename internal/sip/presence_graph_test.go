package sip

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/routing"
	"github.com/umctl/umctl/internal/sipptest"
	"github.com/umctl/umctl/internal/testutil"
	"github.com/umctl/umctl/internal/testutil/graphfake"
)

// sources: [graph, file]: Graph (an httptest server with the documented token
// and getPresencesByUserId shapes) says alice is offline, so her call is
// held; then the operator writes the presence file, which is newer than
// Graph's last change, and her next calls go through at once, also after
// Graph's next polls (which report no change).
func TestGraphAndFilePresence(t *testing.T) {
	sipptest.Need(t)
	const id = "0b4f7a9e-52d3-4c55-8c6a-1f2e3d4c5b6a"
	srv := graphfake.Start(t, map[string][2]string{id: {"Offline", "Offline"}})
	_, write := testutil.TempFiles(t)
	relayPort, umPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Hold = Duration(2 * time.Second)
	cfg.Numbers = map[string]string{"+4790000001": "sip:alice@contoso.com"}
	file := write("presence.yaml", "{}\n")
	old := time.Now().Add(-time.Hour)
	_ = os.Chtimes(file, old, old)
	cfg.Presence = PresenceConfig{Sources: []string{"graph", "file"}, File: file, Graph: GraphPresence{
		Tenant: graphfake.Tenant, ClientID: graphfake.ClientID, ClientSecretFile: write("secret", graphfake.Secret+"\n"),
		IDsFile: write("ids.yaml", "sip:alice@contoso.com: User_"+id+"\n"), AuthorityURL: srv.URL, GraphURL: srv.URL, Interval: Duration(time.Second)}}
	pctx, stop := context.WithCancel(context.Background())
	defer stop()
	var cache *routing.Cache
	startRelay(t, cfg, func(r *Relay) {
		var err error
		if cache, err = StartPresence(pctx, r, testLog(), nil); err != nil {
			t.Fatal(err)
		}
	})
	waitStates(t, cache, map[string]routing.State{"sip:alice@contoso.com": routing.Offline})
	presenceCall(t, relayPort, umPort, "+4790000001", true)

	write("presence.yaml", "sip:alice@contoso.com: available\n")
	waitStates(t, cache, map[string]routing.State{"sip:alice@contoso.com": routing.Available})
	time.Sleep(1500 * time.Millisecond) // Graph polls again (every second): still offline, no change
	presenceCall(t, relayPort, umPort, "+4790000001", false)
	if e := cache.Entries("sip:alice@contoso.com"); e[0].Source != "file" {
		t.Fatalf("entry %+v, want from the file", e[0])
	}
}
