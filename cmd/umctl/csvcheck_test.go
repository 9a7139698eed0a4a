package main

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/cli"
)

// TestCSVRowWiderThanHeader: a row with a value beyond the header's last
// column (an unquoted comma) refuses the file before umctl connects; its last
// cell was dropped silently and the others shifted. A trailing empty cell is fine.
func TestCSVRowWiderThanHeader(t *testing.T) {
	isolate(t) // no server: the file is refused before connecting
	path := writeCSV(t, []string{"user,dial_plan,extension", "bob,SipDP,1234", "ann,SipDP,1235,", "eve,Sip,DP,1236"})
	code, out, errOut := umctl(t, "eum", "add", "--from-csv", path)
	if code != cli.ExitUsage || out != "" || !strings.Contains(errOut, "1 row(s) with more cells than the header's 3 columns") ||
		!strings.Contains(errOut, "row 4 has 4 cells") || strings.Contains(errOut, "row 3") || strings.Contains(errOut, "--server is required") {
		t.Fatalf("exit %d, stdout %q, stderr %q", code, out, errOut)
	}
	path = writeCSV(t, []string{"sip_address,display_number,display_name", "sip:a@contoso.com,+4790000100,Oslo, main"})
	if code, _, errOut := umctl(t, "contact", "new", "--from-csv", path); code != cli.ExitUsage || !strings.Contains(errOut, "row 2 has 4 cells") {
		t.Fatalf("contact new: exit %d, stderr %q", code, errOut)
	}
}
