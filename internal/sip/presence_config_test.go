package sip

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

// Every presence key's error names the key and the expected form.
func TestPresenceConfigErrors(t *testing.T) {
	dir := t.TempDir()
	pf := filepath.Join(dir, "presence.yaml")
	if err := os.WriteFile(pf, []byte("sip:alice@contoso.com: offline\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ids, sec := filepath.Join(dir, "ids.yaml"), filepath.Join(dir, "secret")
	if err := os.WriteFile(ids, []byte("sip:alice@contoso.com: User_0b4f7a9e-52d3-4c55-8c6a-1f2e3d4c5b6a\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(sec, []byte("s3cret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	gr := "tenant: contoso.onmicrosoft.com, client_id: 11111111-2222-3333-4444-555555555555"
	lync := "lync: {servers: [tls://pool01.contoso.com:5061], subscriber: sip:umctl-relay@contoso.com"
	for body, want := range map[string]string{
		"{source: file, sources: [lync]}":                                                                  "presence.source and presence.sources are both set",
		"{sources: [lync, lync], " + lync + "}}":                                                           `presence.sources: "lync" is listed twice`,
		"{sources: [teams]}":                                                                               `presence.sources: "teams": expected one or more of file, lync, graph`,
		"{sources: [http, file], url: 'http://x/{target}'}":                                                "http stands alone",
		"{sources: [lync, always-hold], " + lync + "}}":                                                    "always-hold stands alone",
		"{sources: [lync]}":                                                                                "presence.lync.servers: at least one pool is required",
		"{sources: [lync], lync: {servers: [pool01:5061]}}":                                                `presence.lync.servers "pool01:5061": expected tls://host:port`,
		"{sources: [lync], lync: {servers: [tcp://pool:5060]}}":                                            "tcp:// is allowed for loopback (tests) only",
		"{sources: [lync], lync: {servers: [tls://p:5061], subscriber: umctl}}":                            `presence.lync.subscriber "umctl": expected the trusted application's SIP URI`,
		"{sources: [lync], " + lync + ", batch: 5000}}":                                                    "presence.lync.batch 5000: expected 1 to 1000",
		"{sources: [lync], max_age: 10s, " + lync + "}}":                                                   "presence.max_age 10s: expected at least 1m",
		"{sources: [lync, file], " + lync + "}}":                                                           "presence.file is required",
		"{sources: [graph]}":                                                                               "presence.graph.tenant is required",
		"{sources: [graph], graph: {tenant: t, client_id: x}}":                                             `presence.graph.client_id "x": expected the app registration's application (client) id`,
		"{sources: [graph], graph: {" + gr + "}}":                                                          "presence.graph: no object ids",
		"{sources: [graph], graph: {" + gr + ", ids_file: " + ids + ", client_secret_file: /nonexistent}}": "presence.graph.client_secret_file: open /nonexistent",
		"{sources: [graph], graph: {" + gr + ", ids_file: " + ids + ", client_secret_file: " + sec + ", graph_url: 'http://graph.microsoft.com'}}": `presence.graph.graph_url "http://graph.microsoft.com": expected an https:// URL`,
		"{sources: [graph], graph: {" + gr + ", ids_file: " + pf + ", client_secret_file: " + sec + "}}":                                           "expected an Entra object id",
		"{sources: [graph], graph: {" + gr + ", ids_file: " + ids + ", certificate_file: c.pem}}":                                                  "presence.graph.certificate_file and key_file go together",
		"{sources: [graph], graph: {" + gr + ", ids_file: " + ids + ", client_secret: x}}":                                                         `unknown key "client_secret"`,
	} {
		if err := os.WriteFile(filepath.Join(dir, "r.yaml"), []byte("next_hops: [udp://127.0.0.1:5080]\npresence: "+body+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		_, err := LoadConfig(filepath.Join(dir, "r.yaml"))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("presence: %s: got %v, want %q", body, err, want)
		}
	}
	c := &Config{NextHops: []string{"udp://127.0.0.1:5080"}, Presence: PresenceConfig{Sources: []string{"lync", "file"}, File: pf,
		Lync: LyncPresence{Servers: []string{"tls://pool01.contoso.com:5061"}, Subscriber: "sip:umctl-relay@contoso.com"}}}
	if err := c.Check(); err != nil {
		t.Fatal(err)
	}
	if !c.Presence.Cached() || time.Duration(c.Presence.MaxAge) != 10*time.Minute || c.Presence.Lync.Batch != 500 ||
		strings.Join(c.Presence.Lync.MobileCallTokens, ",") != "in-a-mobile-call,on-the-mobile" || c.Presence.Source != "" {
		t.Fatalf("defaults: %+v", c.Presence)
	}
	g := &Config{NextHops: []string{"udp://127.0.0.1:5080"}, Presence: PresenceConfig{Sources: []string{"graph"},
		Graph: GraphPresence{Tenant: "contoso.onmicrosoft.com", ClientID: "11111111-2222-3333-4444-555555555555", ClientSecretFile: sec, IDsFile: ids}}}
	if err := g.Check(); err != nil {
		t.Fatal(err)
	}
	if gg := g.Presence.Graph; gg.GraphURL != "https://graph.microsoft.com" || gg.AuthorityURL != "https://login.microsoftonline.com" ||
		gg.IDAttribute != "msDS-ExternalDirectoryObjectId" || time.Duration(gg.Interval) != 30*time.Second {
		t.Fatalf("graph defaults: %+v", gg)
	}
	if _, src, err := c.Policy(); err != nil || src != nil {
		t.Fatalf("a cached config has a per-call source: %v %v", src, err)
	}
}

// check-config explains every presence key.
func TestEveryPresenceKeyExplained(t *testing.T) {
	var walk func(prefix string, typ reflect.Type)
	walk = func(prefix string, typ reflect.Type) {
		for f := range typ.Fields() {
			if !f.IsExported() {
				continue // not a key of relay.yaml
			}
			key := prefix + strings.Split(f.Tag.Get("yaml"), ",")[0]
			if f.Type.Kind() == reflect.Struct {
				walk(key+".", f.Type)
				continue
			}
			if presenceKeys[key] == "" {
				t.Errorf("%s has no explanation in presenceKeys", key)
			}
		}
	}
	walk("presence.", reflect.TypeFor[PresenceConfig]())
}
