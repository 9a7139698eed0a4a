package sip

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigDefaultsAndErrors(t *testing.T) {
	dir := t.TempDir()
	write := func(s string) string {
		p := filepath.Join(dir, "relay.yaml")
		if err := os.WriteFile(p, []byte(s), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	c, err := LoadConfig(write("next_hops: [udp://127.0.0.1:5080]\n"))
	if err != nil {
		t.Fatal(err)
	}
	if time.Duration(c.Hold) != 20*time.Second || c.Mode != "proxy" || !*c.Ringing || c.Presence.Source != "always-hold" ||
		time.Duration(c.Presence.Timeout) != 250*time.Millisecond || time.Duration(c.TimerC) != 180*time.Second || len(c.HoldWhen) != 3 {
		t.Fatalf("defaults: %+v", c)
	}
	for body, want := range map[string]string{
		"next_hops: []\n":                                                                                "next_hops: at least one",
		"next_hops: [um1:5060]\n":                                                                        `next_hops "um1:5060"`,
		"next_hops: [udp://a:1]\nmode: b2bua\n":                                                          `mode "b2bua"`,
		"next_hops: [udp://a:1]\nhold: soon\n":                                                           "expected a duration",
		"next_hops: [udp://a:1]\nhold_when: [sleeping]\n":                                                "hold_when: unknown presence state",
		"next_hops: [udp://a:1]\ntarget_headers: [from]\n":                                               `target_headers: unknown target header "from"`,
		"next_hops: [udp://a:1]\npresence: {source: file}\n":                                             "presence.file is required",
		"next_hops: [udp://a:1]\npresence: {source: http, url: 'http://x/presence'}\n":                   "containing {target}",
		"next_hops: [udp://a:1]\nmetrics: 0.0.0.0:9470\n":                                                "expected a loopback host:port",
		"next_hops: [udp://a:1]\nlisten: [tls://127.0.0.1:5071]\n":                                       "needs tls.cert and tls.key",
		"next_hops: [udp://a:1]\ntimer_c: 60s\n":                                                         "more than 3 minutes",
		"next_hops: [udp://a:1]\nnext_hop: [udp://b:1]\n":                                                `(line 2); did you mean "next_hops"?`,
		"next_hops: [udp://a:1]\nusers: {nobody: {hold: 5s}}\n":                                          `users: key "nobody"`,
		"next_hops: [udp://10.0.0.5:5060]\nupstream: {hops: [lync:5061]}\n":                              `upstream.hops "lync:5061"`,
		"next_hops: [udp://10.0.0.5:5060]\nupstream: {from: [10.0.0.5]}\n":                               "upstream.hops is empty",
		"next_hops: [udp://10.0.0.5:5060]\nupstream: {hops: [udp://10.0.0.9:5060], from: [bad host!]}\n": `upstream.from "bad host!"`,
		"next_hops: [udp://10.0.0.5:5060]\ntls: {hop_ca: /nonexistent.pem}\n":                            "tls.hop_ca",
		"next_hops: [udp://a:1]\nunknown_numbers: drop\n":                                                `unknown_numbers "drop": expected forward or reject`,
		"next_hops: [udp://a:1]\nunknown_numbers: reject\n":                                              "unknown_numbers: reject needs numbers: or directory:",
		"next_hops: [udp://a:1]\ntcp_idle_timeout: 60s\n":                                                "tcp_idle_timeout 1m0s: expected at least timer_c",
	} {
		if _, err := LoadConfig(write(body)); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want %q", body, err, want)
		}
	}
}

// hold: 0s in the file means no hold (it used to become the 20 s default).
func TestHoldZeroMeansNoHold(t *testing.T) {
	p := filepath.Join(t.TempDir(), "relay.yaml")
	if err := os.WriteFile(p, []byte("next_hops: [udp://127.0.0.1:5080]\nhold: 0s\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := LoadConfig(p)
	if err != nil {
		t.Fatal(err)
	}
	policy, _, err := c.Policy()
	if err != nil || c.Hold != 0 || policy.Hold != 0 {
		t.Fatalf("hold %v, policy hold %v, %v: want 0", time.Duration(c.Hold), policy.Hold, err)
	}
	if time.Duration(c.TCPIdleTimeout) != 10*time.Minute || time.Duration(c.TCPMessageTimeout) != 10*time.Second {
		t.Fatalf("TCP timeouts %v %v", time.Duration(c.TCPIdleTimeout), time.Duration(c.TCPMessageTimeout))
	}
}

func TestExampleConfig(t *testing.T) {
	wd, _ := os.Getwd()
	if err := os.Chdir("../.."); err != nil {
		t.Fatal(err)
	}
	defer os.Chdir(wd)
	c, err := LoadConfig("examples/relay.yaml")
	if err != nil {
		t.Fatal(err)
	}
	p, src, err := c.Policy()
	if err != nil || src == nil || p.Users["sip:ceo@contoso.com"].Hold == nil {
		t.Fatalf("%+v %v", p, err)
	}
}
