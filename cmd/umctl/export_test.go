package main

import (
	"encoding/csv"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

func readCSVString(t *testing.T, s string) [][]string {
	t.Helper()
	recs, err := csv.NewReader(strings.NewReader(s)).ReadAll()
	if err != nil {
		t.Fatalf("-o csv is not RFC 4180: %v\n%s", err, s)
	}
	return recs
}

func saveFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestContactCSVRoundTrip: contacts exported with -o csv have exactly the
// --from-csv columns, values with commas, quotes, tabs and newlines survive, and
// feeding the export back to `contact new --from-csv` writes nothing.
func TestContactCSVRoundTrip(t *testing.T) {
	resetLab(t)
	in := [][]string{
		{"sip_address", "display_number", "dial_plan", "auto_attendant", "enterprise_voice", "display_name", "description"},
		{"sip:rt-ova@" + lab.Domain, lab.SipAccess, lab.SipDialPlan, "false", "true", "OVA, main", `say "hello"` + "\tthen\nwait"},
		{"sip:rt-aa@" + lab.Domain, "+4792100001", lab.SipDialPlan, "true", "false", "", ""},
	}
	var b strings.Builder
	cw := csv.NewWriter(&b)
	_ = cw.WriteAll(in)
	code, _, errOut := umctl(t, "contact", "new", "--from-csv", saveFile(t, "in.csv", b.String()), "--ou", contactOU, "--registrar-pool", "pool01."+lab.Domain)
	if code != 0 {
		t.Fatalf("create: exit %d: %s", code, errOut)
	}
	table := checkFits(t, "contact", "get")
	if !strings.Contains(table, lab.SipAccess) || !strings.Contains(table, "+4792100001") {
		t.Errorf("numbers are not whole at 80 columns:\n%s", table)
	}
	code, out, errOut := umctl(t, "contact", "get", "--ou", contactOU, "-o", "csv")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	recs := readCSVString(t, out)
	if strings.Join(recs[0], ",") != strings.Join(contactExportColumns, ",") || len(recs) != 3 {
		t.Fatalf("export header %v, %d rows:\n%s", recs[0], len(recs)-1, out)
	}
	byCol := func(rec []string, col string) string {
		for i, c := range recs[0] {
			if c == col {
				return rec[i]
			}
		}
		t.Fatalf("no column %s", col)
		return ""
	}
	found := 0
	for _, rec := range recs[1:] {
		for _, want := range in[1:] {
			if byCol(rec, "sip_address") != want[0] {
				continue
			}
			found++
			for i, col := range in[0] {
				if got := byCol(rec, col); want[i] != "" && got != want[i] {
					t.Errorf("%s: %s = %q, want %q", want[0], col, got, want[i])
				}
			}
			if byCol(rec, "ou") != contactOU || byCol(rec, "registrar_pool") != "pool01."+lab.Domain {
				t.Errorf("%s: ou %q pool %q", want[0], byCol(rec, "ou"), byCol(rec, "registrar_pool"))
			}
		}
	}
	if found != 2 {
		t.Fatalf("export has %d of the 2 contacts:\n%s", found, out)
	}
	usn := labtest.HighestUSN(t)
	code, out, errOut = umctl(t, "contact", "new", "--from-csv", saveFile(t, "export.csv", out))
	if code != 0 || !strings.Contains(out, "No changes: 2 unchanged") || labtest.HighestUSN(t) != usn {
		t.Fatalf("feeding the export back: exit %d\n%s\n%s", code, out, errOut)
	}
}

// TestEUMCSVRoundTrip: `eum list -o csv` has the columns of `eum add
// --from-csv`; fed back it changes nothing where the directory is sound, and on
// the seeded defects it refuses exactly the defective rows.
func TestEUMCSVRoundTrip(t *testing.T) {
	resetLab(t)
	for _, dp := range []string{lab.SipDialPlan, lab.E164DialPlan} {
		code, out, errOut := umctl(t, "eum", "list", "--dial-plan", dp, "-o", "csv")
		if code != 0 {
			t.Fatalf("export %s: exit %d: %s", dp, code, errOut)
		}
		recs := readCSVString(t, out)
		if strings.Join(recs[0], ",") != strings.Join(eumColumns, ",") {
			t.Fatalf("header %v, want %v", recs[0], eumColumns)
		}
		_, js, _ := umctl(t, "eum", "list", "--dial-plan", dp, "-o", "json")
		var entries []ad.EUMEntry
		if err := json.Unmarshal([]byte(js), &entries); err != nil {
			t.Fatal(err)
		}
		perRow := 1
		if dp == lab.SipDialPlan {
			perRow = 2 // a SIP name and an extension per row
		}
		if len(recs)-1 < 3 || (len(recs)-1)*perRow != len(entries) {
			t.Fatalf("%s: %d rows for %d addresses:\n%s", dp, len(recs)-1, len(entries), out)
		}
		usn := labtest.HighestUSN(t)
		code, applied, errOut := umctl(t, "eum", "add", "--from-csv", saveFile(t, dp+".csv", out))
		if code != 0 || !strings.Contains(applied, "No changes:") || labtest.HighestUSN(t) != usn {
			t.Fatalf("%s fed back: exit %d\n%s\n%s", dp, code, applied, errOut)
		}
	}
	// Everything: the seeded defects (a duplicate on two users, a wrong length,
	// an unknown phone context) are refused by row; the user with no primary
	// address gets one; nothing else changes.
	_, out, _ := umctl(t, "eum", "list", "-o", "csv")
	code, plan, errOut := umctl(t, "eum", "add", "--from-csv", saveFile(t, "all.csv", out), "--dry-run")
	var refused []string
	for _, l := range strings.Split(errOut, "\n") {
		if strings.HasPrefix(l, "row ") {
			refused = append(refused, l)
		}
	}
	defective := strings.Join(refused, "\n")
	if code != cli.ExitPartial || len(refused) != 4 || !strings.Contains(errOut, "4 refused") || strings.Count(defective, `"30021"`) != 2 ||
		!strings.Contains(defective, `"301"`) || !strings.Contains(defective, `dial_plan is empty`) {
		t.Fatalf("all fed back: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(plan, "~ user CN=Ingrid Kvam,") || !strings.Contains(plan, "Plan: 0 to add, 1 to change, 0 to delete") {
		t.Fatalf("all fed back, plan:\n%s", plan)
	}
}
