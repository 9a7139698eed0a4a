package main

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// racedRun is one finished umctl process.
type racedRun struct {
	code        int
	out, errOut string
}

// racePair starts two umctl processes (this test binary, see TestMain) at the
// same moment, each with its arguments and standard input, and waits for both.
func racePair(t *testing.T, args [2][]string, stdin [2]string) [2]racedRun {
	t.Helper()
	var cmds [2]*exec.Cmd
	var outs, errs [2]strings.Builder
	for i := range cmds {
		cmds[i] = exec.Command(os.Args[0], args[i]...)
		cmds[i].Env = append(os.Environ(), "UMCTL_TEST_EXEC=1")
		cmds[i].Stdin, cmds[i].Stdout, cmds[i].Stderr = strings.NewReader(stdin[i]), &outs[i], &errs[i]
	}
	for _, c := range cmds {
		if err := c.Start(); err != nil {
			t.Fatal(err)
		}
	}
	var res [2]racedRun
	for i, c := range cmds {
		err := c.Wait()
		if ee, ok := err.(*exec.ExitError); ok {
			res[i].code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		res[i].out, res[i].errOut = outs[i].String(), errs[i].String()
	}
	return res
}

// holders counts, by ldapsearch, the objects in the domain matching filter.
func holders(t *testing.T, filter string) int {
	return len(labtest.LDAPSearch(t, lab.BaseDN, "sub", filter, "dn"))
}

// oneWinner checks a raced pair of runs that want the same unique value:
// one exits 0; the other was refused before writing (exit 2, "already used")
// or lost the race after writing and undid it (exit 5, naming the value and
// the object that keeps it). It reports whether the race was decided after
// both had written.
func oneWinner(t *testing.T, what, value string, r [2]racedRun) bool {
	return oneWinnerOr(t, what, value, r, false)
}

// oneWinnerOr is oneWinner; with same, both runs asked for the same thing and
// the second may find it done (exit 0, unchanged).
func oneWinnerOr(t *testing.T, what, value string, r [2]racedRun, same bool) bool {
	t.Helper()
	win, lose := r[0], r[1]
	if win.code != 0 {
		win, lose = lose, win
	}
	switch {
	case win.code != 0:
		t.Fatalf("%s: nobody won: exits %d and %d:\n%s\n%s", what, r[0].code, r[1].code, r[0].errOut, r[1].errOut)
	case lose.code == 2 && strings.Contains(lose.errOut, "is already "):
		return false
	case same && lose.code == 0 && (strings.Contains(lose.out, "No changes") || strings.Contains(win.out, "No changes")):
		return false
	case lose.code == 5 && strings.Contains(lose.errOut, "conflict: ") && strings.Contains(lose.errOut, value) &&
		strings.Contains(lose.errOut, "at the same time, first") && strings.Contains(lose.errOut, "was undone"):
		return true
	}
	t.Fatalf("%s: the loser exited %d without the expected message:\n%s", what, lose.code, lose.errOut)
	return false
}

// TestRacingRunsLeaveNoDuplicates races 20 pairs of `eum add` for two users
// with one extension, 20 pairs of the same `contact new`, and pairs of CSV
// files that give the same values to different objects, as separate
// processes. After each pair, ldapsearch finds every value on exactly one
// object.
func TestRacingRunsLeaveNoDuplicates(t *testing.T) {
	resetLab(t)
	t.Cleanup(func() { labtest.Reset(t) })
	pc := ";phone-context=" + lab.TelExtDialPlan + "." + lab.Domain
	raced := 0
	for i := 0; i < 20; i++ {
		ext := fmt.Sprint(31000 + i)
		add := func(u int) []string {
			return []string{"eum", "add", lab.User(u, lab.Domain).Sam, "--dial-plan", lab.TelExtDialPlan, "--extension", ext}
		}
		r := racePair(t, [2][]string{add(1 + i%10), add(11 + i%10)}, [2]string{})
		if oneWinner(t, "eum add "+ext, ext, r) {
			raced++
		}
		if n := holders(t, "(proxyAddresses=eum:"+ext+pc+")"); n != 1 {
			t.Fatalf("extension %s: %d holders", ext, n)
		}
	}
	t.Logf("eum add: %d of 20 pairs were decided after both wrote", raced)
	if raced == 0 {
		t.Fatal("no pair of eum add runs raced past the check: the test proved nothing")
	}
	raced = 0
	for i := 0; i < 20; i++ {
		sip := fmt.Sprintf("sip:race%02d@%s", i, lab.Domain)
		args := newContactArgs(sip, fmt.Sprintf("+47900077%02d", i), "--yes")
		r := racePair(t, [2][]string{args, args}, [2]string{})
		if oneWinnerOr(t, "contact new "+sip, sip, r, true) {
			raced++
		}
		if n := holders(t, "(msRTCSIP-PrimaryUserAddress="+sip+")"); n != 1 {
			t.Fatalf("%s: %d contacts", sip, n)
		}
	}
	t.Logf("contact new: %d of 20 pairs were decided after both wrote", raced)
	if raced == 0 {
		t.Fatal("no pair of contact new runs raced past the check: the test proved nothing")
	}
	raceContactCSV(t)
	raceEUMCSV(t)
	if code, out, errOut := umctl(t, "contact", "check"); code != 0 {
		t.Fatalf("contact check after the races: exit %d\n%s%s", code, out, errOut)
	}
}

// raceContactCSV runs the same CSV of 40 contacts twice at once, 3 times: each
// SIP address ends on one contact; a run that lost rows exits 5 and names them.
func raceContactCSV(t *testing.T) {
	raced := 0
	for pair := 0; pair < 3; pair++ {
		var b strings.Builder
		b.WriteString("sip_address,display_number\n")
		for row := 0; row < 40; row++ {
			fmt.Fprintf(&b, "sip:csv%d-%02d@%s,+479001%d%03d\n", pair, row, lab.Domain, pair, row)
		}
		args := []string{"contact", "new", "--from-csv", "-", "--registrar-pool", "pool01." + lab.Domain, "--ou", contactOU, "--dial-plan", lab.SipDialPlan, "--yes"}
		r := racePair(t, [2][]string{args, args}, [2]string{b.String(), b.String()})
		for _, x := range r {
			switch {
			case x.code == 5 && strings.Contains(x.errOut, "at the same time, first"):
				raced++
			case x.code != 0:
				t.Fatalf("contact CSV: exit %d:\n%s", x.code, x.errOut)
			}
		}
		for row := 0; row < 40; row++ {
			sip := fmt.Sprintf("sip:csv%d-%02d@%s", pair, row, lab.Domain)
			if n := holders(t, "(msRTCSIP-PrimaryUserAddress="+sip+")"); n != 1 {
				t.Fatalf("%s: %d contacts after two runs of one CSV (exits %d, %d)", sip, n, r[0].code, r[1].code)
			}
		}
	}
	t.Logf("contact CSV: %d of 6 runs lost rows to the other run", raced)
}

// raceEUMCSV runs, 3 times, two CSV files at once that give the same 10
// extensions to 10 different users each: every extension ends on one user.
func raceEUMCSV(t *testing.T) {
	pc := ";phone-context=" + lab.TelExtDialPlan + "." + lab.Domain
	for pair := 0; pair < 3; pair++ {
		var files [2]string
		for f := range files {
			var b strings.Builder
			b.WriteString("user,dial_plan,extension\n")
			for row := 0; row < 10; row++ {
				fmt.Fprintf(&b, "%s,%s,32%d%02d\n", lab.User(1+10*f+row, lab.Domain).Sam, lab.TelExtDialPlan, pair, row)
			}
			files[f] = b.String()
		}
		args := []string{"eum", "add", "--from-csv", "-"}
		r := racePair(t, [2][]string{args, args}, files)
		for _, x := range r {
			if x.code != 0 && x.code != 2 && x.code != 3 && x.code != 5 {
				t.Fatalf("EUM CSV: exit %d:\n%s", x.code, x.errOut)
			}
		}
		for row := 0; row < 10; row++ {
			ext := fmt.Sprintf("32%d%02d", pair, row)
			if n := holders(t, "(proxyAddresses=eum:"+ext+pc+")"); n != 1 {
				t.Fatalf("extension %s: %d holders (exits %d, %d)", ext, n, r[0].code, r[1].code)
			}
		}
	}
}
