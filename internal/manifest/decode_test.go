package manifest

import (
	"bytes"
	"strings"
	"testing"
)

func TestDecodeListsEveryProblem(t *testing.T) {
	body := "apiVersion: umctl/v1\ngateways:\n  - name: a\n    outcall: true\n    port: many\ncontacts:\n  - {sipAddress: sip:x@y.z, autoAttendant: maybe}\n"
	_, err := Decode("m.yaml", []byte(body))
	ps, ok := err.(Problems)
	if !ok || len(ps) != 3 {
		t.Fatalf("%v, want 3 problems", err)
	}
	for i, want := range []string{
		`m.yaml:4: gateways[0].outcall: unknown key "outcall"`,
		`m.yaml:5: gateways[0].port: expected a whole number, got str "many"`,
		`m.yaml:7: contacts[0].autoAttendant: expected true or false, got "maybe"`,
	} {
		if ps[i].String() != want {
			t.Errorf("problem %d: %s, want %s", i, ps[i], want)
		}
	}
}

func TestDecodeTakesOnlyTrueOrFalse(t *testing.T) {
	for _, v := range []string{`"yes"`, "yes", "on", "1", `"true"`} {
		_, err := Decode("m.yaml", []byte("apiVersion: umctl/v1\nucutil:\n  enabled: "+v+"\n"))
		if err == nil || !strings.Contains(err.Error(), "m.yaml:3: ucutil.enabled: expected true or false") {
			t.Errorf("enabled: %s: %v", v, err)
		}
	}
	if m, err := Decode("m.yaml", []byte("apiVersion: umctl/v1\nucutil: {enabled: true}\n")); err != nil || !m.UCUtil.Enabled {
		t.Errorf("true: %v", err)
	}
}

func TestDecodeRefusesAliasesAndBigFiles(t *testing.T) {
	bomb := "apiVersion: umctl/v1\na: &a [x, x, x]\nb: [*a, *a]\n"
	if _, err := Decode("b.yaml", []byte(bomb)); err == nil || !strings.Contains(err.Error(), "b.yaml:2: a: YAML anchors and aliases are not accepted") {
		t.Errorf("anchor: %v", err)
	}
	big := bytes.Repeat([]byte("#"), MaxBytes+1)
	if _, err := Read("big.yaml", bytes.NewReader(big)); err == nil || !strings.Contains(err.Error(), "big.yaml: larger than") {
		t.Errorf("big file: %v", err)
	}
	if _, err := Decode("two.yaml", []byte("apiVersion: umctl/v1\n---\napiVersion: umctl/v1\n")); err == nil || !strings.Contains(err.Error(), "more than one YAML document") {
		t.Errorf("two documents: %v", err)
	}
	if _, err := Decode("s.yaml", []byte("gateways: [\n")); err == nil || !strings.Contains(err.Error(), "s.yaml:") {
		t.Errorf("syntax error: %v", err)
	}
}

func TestDecodeJSONAndLocations(t *testing.T) {
	m, err := Decode("m.json", []byte(`{"apiVersion": "umctl/v1",
 "eum": [{"user": "bob", "addresses": [{"dialPlan": "SipDP", "extension": "1234", "primary": true},
   {"dialPlan": "TelExtnDP", "extension": "31234"}]}]}`))
	if err != nil {
		t.Fatal(err)
	}
	a := m.EUM[0].Addresses[1]
	if a.Extension != "31234" || a.At.Line != 3 || a.At.Path != "eum[0].addresses[1]" || a.At.File != "m.json" {
		t.Errorf("%+v", a)
	}
}

func TestCheckFindsClashes(t *testing.T) {
	m, err := Decode("m.yaml", []byte(`apiVersion: umctl/v2
gateways:
  - {name: a, status: off, ipFamily: ipv5, port: 70000}
  - {name: A}
eum:
  - user: bob
    addresses: [{dialPlan: D, extension: "1"}]
  - user: ann
    addresses: [{dialPlan: D, extension: "1"}, {dialPlan: D}]
  - user: BOB
    addresses: []
  - user: eve
    addresses: [{dialPlan: D, extension: "2", primary: true}, {dialPlan: E, extension: "3", primary: true}]
`))
	if err != nil {
		t.Fatal(err)
	}
	err = Check(m, "m.yaml")
	for _, want := range []string{
		`m.yaml: apiVersion: expected "umctl/v1", got "umctl/v2"`,
		`m.yaml:3: gateways[0].port: expected 0–65535`,
		`m.yaml:3: gateways[0].status: expected one of enabled, disabled, no-new-calls, got "off"`,
		`m.yaml:3: gateways[0].ipFamily: expected one of ipv4, ipv6, any`,
		`m.yaml:4: gateways[1].name: gateway "A" is also given at m.yaml:3 (gateways[0].name)`,
		`m.yaml:9: eum[1].addresses[0].extension: extension in dial plan D "1" is also given at m.yaml:7`,
		`m.yaml:9: eum[1].addresses[1].extension: is required`,
		`m.yaml:10: eum[2].user: user "BOB" is also given at m.yaml:6`,
		`m.yaml:10: eum[2].addresses: is required`,
		`m.yaml:13: eum[3].addresses[1].primary: is true, but m.yaml:13 (eum[3].addresses[0]) is the user's primary already: one address of a user is primary`,
	} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("missing %q in:\n%v", want, err)
		}
	}
}
