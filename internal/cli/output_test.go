package cli

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
)

type row struct {
	Name  string   `json:"name"`
	Items []string `json:"items"`
	N     int      `json:"n"`
}

func TestPrintFormats(t *testing.T) {
	data := []row{{"a\tb", []string{"+47"}, 1}, {"c", nil, 2}}
	tbl := Table{Headers: []string{"name", "phone context"}, Rows: [][]string{{"a\tb", "x"}, {"c\x1b[31m", "y"}}}
	for _, tc := range []struct {
		format string
		tty    bool
		want   string
	}{
		// piped: TSV with a header row; tabs and control characters escaped
		{"", false, "name\tphone_context\na\\x09b\tx\nc\\x1b[31m\ty\n"},
		{"tsv", true, "name\tphone_context\na\\x09b\tx\nc\\x1b[31m\ty\n"},
		// csv: RFC 4180, values as they are when piped
		{"csv", false, "name,phone_context\na\tb,x\nc\x1b[31m,y\n"},
		{"csv", true, "name,phone_context\na\\x09b,x\nc\\x1b[31m,y\n"},
		{"json", false, "[\n  {\n    \"name\": \"a\\tb\",\n    \"items\": [\n      \"+47\"\n    ],\n    \"n\": 1\n  },\n  {\n    \"name\": \"c\",\n    \"items\": null,\n    \"n\": 2\n  }\n]\n"},
		{"yaml", false, "- name: \"a\\tb\"\n  items:\n    - \"+47\"\n  n: 1\n- name: c\n  items: null\n  n: 2\n"},
	} {
		io, _, out, _ := Test()
		io.SetTTY(false, tc.tty)
		if err := Print(io, tc.format, data, tbl); err != nil {
			t.Fatal(err)
		}
		if out.String() != tc.want {
			t.Errorf("format %q tty %v:\n%q\nwant\n%q", tc.format, tc.tty, out.String(), tc.want)
		}
	}
	io, _, out, _ := Test()
	io.SetTTY(false, true)
	if err := Print(io, "", data, tbl); err != nil {
		t.Fatal(err)
	}
	got := out.String()
	if !strings.Contains(got, "PHONE CONTEXT") || strings.Contains(got, "\x1b") || !strings.Contains(got, `c\x1b[31m`) {
		t.Errorf("terminal table must upper-case headers and escape control characters:\n%s", got)
	}
}

func TestEscapeTerminal(t *testing.T) {
	if got := EscapeTerminal("ok\r\x07ä"); got != `ok\x0d\x07ä` {
		t.Fatalf("%q", got)
	}
}

func TestValidateOutput(t *testing.T) {
	for _, f := range append(OutputFormats, "") {
		if err := ValidateOutput(f); err != nil {
			t.Errorf("%q: %v", f, err)
		}
	}
	if err := ValidateOutput("xml"); err == nil {
		t.Error("xml accepted")
	}
}

func TestCSVRecordsAndQuoting(t *testing.T) {
	tbl := Table{Headers: []string{"shown"}, Rows: [][]string{{"x"}},
		Records: &Table{Headers: []string{"sip_address", "description"}, Rows: [][]string{{"sip:a@b", "say \"hi\", then\nwait"}, {"sip:c@d", ""}}}}
	io, _, out, _ := Test()
	if err := Print(io, "csv", nil, tbl); err != nil {
		t.Fatal(err)
	}
	if want := "sip_address,description\nsip:a@b,\"say \"\"hi\"\", then\nwait\"\nsip:c@d,\n"; out.String() != want {
		t.Fatalf("%q\nwant %q", out.String(), want)
	}
	io, _, out, _ = Test()
	io.NoHeaders = true
	if err := Print(io, "tsv", nil, tbl); err != nil || out.String() != "x\n" {
		t.Fatalf("--no-headers tsv: %q %v", out.String(), err)
	}
}

// An empty plan prints "changes": [] in JSON, not null, for scripts.
func TestEmptyPlanJSON(t *testing.T) {
	var out strings.Builder
	p := &ad.Plan{}
	p.Warnf("no hunt group %q: nothing to remove", "X")
	if err := PrintPlan(&IOStreams{Out: &out, ErrOut: &strings.Builder{}}, p, PlanOptions{Format: "json"}); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), `"changes": []`) {
		t.Fatalf("empty plan as JSON:\n%s", out.String())
	}
}

// LDIF records are separated by one blank line (go-ldap/ldif ends each with it).
func TestPlanLDIFSeparators(t *testing.T) {
	var out strings.Builder
	p := &ad.Plan{}
	p.Delete("contact", "CN={1},OU=ExUmContacts,DC=contoso,DC=com")
	p.Delete("contact", "CN={2},OU=ExUmContacts,DC=contoso,DC=com")
	if err := PrintPlan(&IOStreams{Out: &out, ErrOut: &strings.Builder{}}, p, PlanOptions{Format: "ldif"}); err != nil {
		t.Fatal(err)
	}
	want := "dn: CN={1},OU=ExUmContacts,DC=contoso,DC=com\nchangetype: delete\n\ndn: CN={2},OU=ExUmContacts,DC=contoso,DC=com\nchangetype: delete\n\n"
	if out.String() != want {
		t.Fatalf("LDIF:\n%q\nwant\n%q", out.String(), want)
	}
}
