package main

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// refused runs umctl, expects exit 2 with every want in stderr, no raw
// control character in the output, and no write (highestCommittedUSN unchanged).
func refused(t *testing.T, args []string, want ...string) {
	t.Helper()
	usn := labtest.HighestUSN(t)
	code, out, errOut := umctl(t, args...)
	if code != cli.ExitUsage {
		t.Fatalf("%q: exit %d, want 2\n%s%s", args, code, out, errOut)
	}
	for _, w := range want {
		if !strings.Contains(errOut, w) {
			t.Errorf("%q: stderr lacks %q:\n%s", args, w, errOut)
		}
	}
	if strings.ContainsAny(out+errOut, "\x00\x1b") {
		t.Errorf("%q: a raw control character reached the output: %q", args, out+errOut)
	}
	if got := labtest.HighestUSN(t); got != usn {
		t.Fatalf("%q wrote: highestCommittedUSN %s -> %s", args, usn, got)
	}
}

func contactCSV(t *testing.T, rows ...string) []string {
	return []string{"contact", "new", "--from-csv", writeCSV(t, append([]string{"sip_address,display_number,display_name,description"}, rows...)),
		"--registrar-pool", "pool01." + lab.Domain, "--ou", contactOU, "--dial-plan", lab.SipDialPlan}
}

// TestEverythingValidatedBeforeTheFirstWrite: bad text, lengths beyond the
// schema's rangeUpper and a duplicated column are refused by flag or by row
// and column, with exit 2 and nothing written (#15 item 8).
func TestEverythingValidatedBeforeTheFirstWrite(t *testing.T) {
	resetLab(t)
	t.Cleanup(func() { labtest.Reset(t) })
	if code, _, errOut := umctl(t, "ucutil"); code != 0 { // gateways to change
		t.Fatal(errOut)
	}
	d := "@" + lab.Domain
	long := strings.Repeat("a", 2000)

	// A Latin-1 file: refused whole, its bad cells listed; rows 1-2 and 4 are not written either.
	refused(t, contactCSV(t, "sip:l1"+d+",+4790005001,One,", "sip:l2"+d+",+4790005002,Two,", "sip:l3"+d+",+4790005003,S\xf8rvis,",
		"sip:l4"+d+",+4790005004,Four,", "sip:l5"+d+",+4790005005,Five,Bl\xe5"),
		"2 cell(s) not valid UTF-8", `row 4: invalid input: display_name "S\xf8rvis" is not valid UTF-8 (byte 0xF8 at byte 2)`,
		`row 6: invalid input: description "Bl\xe5" is not valid UTF-8`, "nothing was written")

	// Control characters in cells: every row refused by row and column, exit 2.
	refused(t, contactCSV(t, "sip:c1"+d+",+4790005011,Esc\x1b[2J,", "sip:c2"+d+",+4790005012,Ok,nul\x00here"),
		`row 2: invalid input: display_name "Esc\x1b[2J" has the control character U+001B at character 4`,
		`row 3: invalid input: description "nul\x00here" has the control character U+0000 at character 4`, "2 rows: 0 valid, 2 refused.")

	// Lengths beyond the schema's rangeUpper, by flag and by column.
	refused(t, newContactArgs("sip:"+long+d, "+4790005021"), `--sip-address "sip:aaaa`, "is too long: proxyAddresses would hold 2019 characters, and the schema's rangeUpper allows 1123")
	refused(t, newContactArgs("sip:len"+d, "+4790005022", "--display-name", strings.Repeat("n", 257)), "--display-name", "rangeUpper allows 256")
	refused(t, contactCSV(t, "sip:len2"+d+",+4790005023,ok,"+strings.Repeat("d", 1025)), "row 2: invalid input: description", "rangeUpper allows 1024")
	refused(t, []string{"eum", "add", lab.User(32, lab.Domain).Sam, "--dial-plan", lab.SipDialPlan, "--extension", "1032", "--sip-name", long + d},
		"--sip-name", "rangeUpper allows 1123")

	// Any command: the schema's limits are checked on the whole plan (a hunt
	// group's CN), and a gateway address must be a DNS name.
	refused(t, []string{"huntgroup", "new", "--gateway", "1:1", "--dial-plan", lab.SipDialPlan, "--name", strings.Repeat("h", 65), "--pilot", "p"},
		"CN \"hhhh", "would hold 65 characters, and the schema's rangeUpper allows 64; nothing was written")
	refused(t, []string{"gateway", "set", "1:1", "--address", strings.Repeat("g", 64) + ".example.com"}, "--address", "a DNS label has at most 63")

	// A column named twice.
	refused(t, []string{"eum", "add", "--from-csv", writeCSV(t, []string{"user,dial_plan,extension,Extension", lab.User(32, lab.Domain).Sam + ",SipDP,1032,1033"})},
		"column extension is in the header twice (columns 3 and 4)")

	// Flags and arguments of any command, named without echoing the value.
	refused(t, []string{"huntgroup", "new", "--gateway", "1:1", "--dial-plan", lab.SipDialPlan, "--name", "x\x1b]0;owned\x07", "--pilot", "p"},
		"--name has the control character U+001B at character 2")
	refused(t, []string{"eum", "add", "bob\x1b", "--dial-plan", lab.SipDialPlan, "--extension", "1032"}, "argument 1 has the control character U+001B")

	// Every row refused for any reason: exit 2, not 1.
	refused(t, []string{"eum", "add", "--from-csv", writeCSV(t, []string{"user,dial_plan,extension", "nobody,SipDP,1099", "nobody2,SipDP,1098"})},
		"2 rows: 0 valid, 2 refused.")

	// One bad row among good ones: the good ones are written, the bad one is not (exit 3).
	code, _, errOut := umctl(t, contactCSV(t, "sip:g1"+d+",+4790005031,Good,", "sip:g2"+d+",+4790005032,Bad\x1b,")...)
	if code != cli.ExitPartial || !strings.Contains(errOut, "row 3: invalid input: display_name") {
		t.Fatalf("exit %d\n%s", code, errOut)
	}
	if len(contactsInDirectory(t, "(msRTCSIP-PrimaryUserAddress=sip:g1"+d+")")) != 1 || len(contactsInDirectory(t, "(msRTCSIP-PrimaryUserAddress=sip:g2"+d+")")) != 0 {
		t.Fatal("the good row must be written and the bad one not")
	}
}
