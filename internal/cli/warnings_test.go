package cli

import (
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
)

func TestPrintWarningsSummarisesAlike(t *testing.T) {
	p := &ad.Plan{}
	p.Warnf("gateway %s: hunt group clash", "1:1")
	for i := 0; i < 200; i++ {
		p.Warnf("sip:c%d@x: +47%d is not a subscriber access number of dial plan %s (%s)", i, i, "SipDP", "none")
	}
	p.Warnf("ada: the primary EUM address was removed; %s is primary now", "x")
	p.Warnf("bob: the primary EUM address was removed; %s is primary now", "y")
	s, _, _, errOut := Test()
	PrintWarnings(s, p, 0, false)
	lines := strings.Split(strings.TrimSpace(errOut.String()), "\n")
	want := []string{
		"warning: gateway 1:1: hunt group clash",
		"warning: 200 warnings like this one: sip:c0@x: +470 is not a subscriber access number of dial plan SipDP (none) (also sip:c1@x, sip:c2@x and 197 more; -v or -o json lists them all)",
		"warning: ada: the primary EUM address was removed; x is primary now",
		"warning: bob: the primary EUM address was removed; y is primary now",
	}
	if strings.Join(lines, "\n") != strings.Join(want, "\n") {
		t.Errorf("summarised:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
	}

	s, _, _, errOut = Test()
	PrintWarnings(s, p, 0, true)
	if n := strings.Count(errOut.String(), "warning: "); n != 203 {
		t.Errorf("verbose prints %d warnings, want all 203", n)
	}
	s, _, _, errOut = Test()
	PrintWarnings(s, p, 198, false)
	if n := strings.Count(errOut.String(), "warning: "); n != 5 {
		t.Errorf("from 198: %d lines, want the 3 remaining alike ones and the 2 others: %s", n, errOut)
	}
}

func TestPrintWarningsUnknownFormat(t *testing.T) {
	p := &ad.Plan{Warnings: []string{"a: x", "b: x", "c: x", "d: x", "e: x"}} // read back from JSON: no formats
	s, _, _, errOut := Test()
	PrintWarnings(s, p, 0, false)
	if n := strings.Count(errOut.String(), "warning: "); n != 5 {
		t.Errorf("warnings of unknown format: %d lines, want each of the 5", n)
	}
}
