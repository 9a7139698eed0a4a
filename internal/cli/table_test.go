package cli

import (
	"strings"
	"testing"

	"github.com/olekukonko/tablewriter/pkg/twwidth"
)

// contactsTable is shaped like `contact get`: a long identity, a number to
// keep whole, long values that must shrink, a wide-only DN.
func contactsTable() Table {
	t := Table{Headers: []string{"sip address", "number", "pool", "dial plan", "type", "enabled", "ev", "display name", "identity"},
		Keep: []int{1}, WideOnly: []int{6, 8}}
	t.Rows = [][]string{
		{"sip:ova-branch@contoso.com", "+4790000100", "pool01.branch.contoso.com", "SipDP", "SubscriberAccess", "yes", "no", "BRANCH Subscriber Access", "CN={0f6c},OU=ExUmContacts,DC=contoso,DC=com"},
		{"sip:aa@contoso.com", "+4790000101", "sba01.contoso.com", "SipDP", "AutoAttendant", "no", "yes", "Main menu, Oslo\tbranch", "CN={1a2b},OU=ExUmContacts,DC=contoso,DC=com"},
	}
	return t
}

func renderAt(t *testing.T, tbl Table, width int) []string {
	t.Helper()
	var b strings.Builder
	if err := writeTable(&b, tbl, width); err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(b.String(), "\n"), "\n")
}

// TestTableFits80: at 80 columns no line is wider, none is blank or ends in
// spaces, identities are whole, shortened cells end in "…" after a prefix of
// the value (a word is never split across lines), wide-only columns are gone.
func TestTableFits80(t *testing.T) {
	tbl := contactsTable()
	lines := renderAt(t, tbl, 80)
	if len(lines) != 3 {
		t.Fatalf("%d lines, want a header and 2 rows (one line each):\n%s", len(lines), strings.Join(lines, "\n"))
	}
	for _, l := range lines {
		if w := twwidth.Width(l); w > 80 || strings.TrimSpace(l) == "" || strings.HasSuffix(l, " ") {
			t.Errorf("line of width %d (blank or trailing space?): %q", w, l)
		}
	}
	out := strings.Join(lines, "\n")
	for _, whole := range []string{"sip:ova-branch@contoso.com", "sip:aa@contoso.com", "+4790000100", "+4790000101", "SIP ADDRESS", "NUMBER"} {
		if !strings.Contains(out, whole) {
			t.Errorf("%q is not whole:\n%s", whole, out)
		}
	}
	if strings.Contains(out, "CN={") || strings.Contains(out, "EV ") {
		t.Errorf("wide-only columns shown:\n%s", out)
	}
	for _, field := range strings.Split(strings.ReplaceAll(out, "\n", "  "), "  ") {
		f := strings.TrimSpace(field)
		if base, ok := strings.CutSuffix(f, "…"); ok && !cellStartsWith(tbl, base) {
			t.Errorf("%q is not a prefix of a value", f)
		}
	}
	if strings.Contains(out, "\t") || !strings.Contains(out, "Main ") {
		t.Errorf("display name with a raw tab, or lost:\n%s", out)
	}

	// -o wide (width 0): every column, nothing shortened.
	wide := strings.Join(renderAt(t, tbl, 0), "\n")
	for _, r := range tbl.Rows {
		for _, c := range r {
			if !strings.Contains(wide, EscapeTerminal(c)) {
				t.Errorf("wide: %q missing:\n%s", c, wide)
			}
		}
	}
}

func cellStartsWith(tbl Table, prefix string) bool {
	for _, h := range tbl.Headers {
		if strings.HasPrefix(strings.ToUpper(h), prefix) {
			return true
		}
	}
	for _, r := range tbl.Rows {
		for _, c := range r {
			if strings.HasPrefix(EscapeTerminal(c), prefix) {
				return true
			}
		}
	}
	return false
}

// TestTableWrapsAtWords: a field/value view wraps long values at spaces and
// after commas, never inside a word, and loses no character.
func TestTableWrapsAtWords(t *testing.T) {
	dn := "CN=SipDP,CN=UM DialPlan Container,CN=UmLab,CN=Microsoft Exchange,CN=Services,CN=Configuration,DC=lab,DC=umctl,DC=test"
	tbl := Table{Headers: []string{"field", "value"}, Rows: [][]string{{"Name", "SipDP"}, {"DN", dn}, {"Hunt groups", ""}}, Wrap: true}
	lines := renderAt(t, tbl, 60)
	var value []string
	for _, l := range lines {
		if twwidth.Width(l) > 60 || strings.TrimSpace(l) == "" {
			t.Errorf("line %q", l)
		}
		if strings.HasPrefix(l, "DN ") || (strings.HasPrefix(l, " ") && len(value) > 0) {
			value = append(value, strings.TrimSpace(l[len("HUNT GROUPS  "):]))
		}
	}
	if len(value) < 2 {
		t.Fatalf("DN not wrapped:\n%s", strings.Join(lines, "\n"))
	}
	joined := strings.Join(value, "")
	if strings.ReplaceAll(joined, " ", "") != strings.ReplaceAll(dn, " ", "") {
		t.Errorf("wrapped DN lost characters: %q", joined)
	}
	for _, v := range value[:len(value)-1] {
		if !strings.HasSuffix(v, ",") && !strings.Contains(dn, v+" ") {
			t.Errorf("line %q does not end at a word boundary", v)
		}
	}
	if lines[len(lines)-1] != "Hunt groups" {
		t.Errorf("an empty value leaves %q", lines[len(lines)-1])
	}
}

func TestTerminalWidth(t *testing.T) {
	io, _, _, _ := Test()
	t.Setenv("COLUMNS", "")
	if w := io.TerminalWidth(); w != 80 {
		t.Errorf("no terminal, no COLUMNS: %d, want 80", w)
	}
	t.Setenv("COLUMNS", "132")
	if w := io.TerminalWidth(); w != 132 {
		t.Errorf("COLUMNS=132: %d", w)
	}
}
