package yamlconf

import (
	"strings"
	"testing"
)

type hop struct {
	URI    string `yaml:"uri"`
	Weight int    `yaml:"weight,omitempty"`
}

type relay struct {
	Listen   []string `yaml:"listen"`
	NextHops []hop    `yaml:"next_hops"`
	Hold     string   `yaml:"hold"`
}

func TestDecodeNamesKeyFileLine(t *testing.T) {
	for _, tc := range []struct{ body, want string }{
		{"listen: [udp://x]\nnext_hop: a\n", `unknown key "next_hop" in relay.yaml (line 2); did you mean "next_hops"?`},
		{"next_hops:\n  - uri: x\n    wieght: 2\n", `unknown key "wieght" in relay.yaml (line 3); did you mean "weight"?`},
		{"colour: blue\n", `unknown key "colour" in relay.yaml (line 1)`},
		{"hold: [1\n", `relay.yaml: line 1: did not find expected`},
		{"listen: 5\n", "relay.yaml: line 1: cannot unmarshal"},
	} {
		var r relay
		err := Decode("relay.yaml", []byte(tc.body), &r)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%q: %v, want %s", tc.body, err, tc.want)
		}
		if strings.Contains(tc.want, "unknown key") && strings.HasSuffix(tc.want, ")") && strings.Contains(err.Error(), "did you mean") {
			t.Errorf("%q: a suggestion for a key like no other: %v", tc.body, err)
		}
	}
	var r relay
	if err := Decode("relay.yaml", nil, &r); err != nil {
		t.Errorf("empty file: %v", err)
	}
	if err := Decode("relay.yaml", []byte("hold: 3s\nnext_hops:\n  - uri: udp://a\n"), &r); err != nil || r.Hold != "3s" || r.NextHops[0].URI != "udp://a" {
		t.Errorf("%+v %v", r, err)
	}
}
