package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// terminal is umctl running in a real terminal: a tmux pane (private server),
// typed into with send-keys and read with capture-pane.
type terminal struct {
	t      *testing.T
	socket string
}

// startInTerminal runs `umctl ARGS` (this test binary as umctl) in a tmux pane
// with the environment env; the pane prints EXIT=<code> when umctl ends.
func startInTerminal(t *testing.T, env map[string]string, args ...string) *terminal {
	t.Helper()
	return startInTerminalSized(t, 110, env, args...)
}

// startInTerminalSized is startInTerminal with a pane columns wide.
func startInTerminalSized(t *testing.T, columns int, env map[string]string, args ...string) *terminal {
	t.Helper()
	if _, err := exec.LookPath("tmux"); err != nil {
		if os.Getenv("UMCTL_REQUIRE_LAB") == "1" {
			t.Fatal("tmux is missing (apt-get install tmux): the prompts are tested in a real terminal")
		}
		t.Skip("tmux is missing")
	}
	dir := t.TempDir()
	var script strings.Builder
	script.WriteString("#!/bin/bash\ntrap 'true' INT\n") // the shell outlives Ctrl-C to report the exit code
	for k, v := range env {
		fmt.Fprintf(&script, "export %s=%s\n", k, shellQuote(v))
	}
	fmt.Fprintf(&script, "export UMCTL_TEST_EXEC=1\n%s", shellQuote(os.Args[0]))
	for _, a := range args {
		fmt.Fprintf(&script, " %s", shellQuote(a))
	}
	script.WriteString("\necho \"EXIT=$?\"\nsleep 120\n")
	path := filepath.Join(dir, "run.sh")
	if err := os.WriteFile(path, []byte(script.String()), 0o700); err != nil {
		t.Fatal(err)
	}
	term := &terminal{t: t, socket: fmt.Sprintf("umctl-test-%d-%d", os.Getpid(), time.Now().UnixNano())}
	if out, err := exec.Command("tmux", "-L", term.socket, "new-session", "-d", "-x", fmt.Sprint(columns), "-y", "50", path).CombinedOutput(); err != nil {
		t.Fatalf("tmux: %v %s", err, out)
	}
	t.Cleanup(func() { _ = exec.Command("tmux", "-L", term.socket, "kill-server").Run() })
	return term
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// screen is what the pane shows.
func (term *terminal) screen() string {
	out, err := exec.Command("tmux", "-L", term.socket, "capture-pane", "-p", "-J").Output()
	if err != nil {
		term.t.Fatalf("capture-pane: %v", err)
	}
	return string(out)
}

// waitFor waits until the pane shows text (10 s at most) and returns the screen.
func (term *terminal) waitFor(text string) string {
	term.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		s := term.screen()
		if strings.Contains(s, text) {
			return s
		}
		if time.Now().After(deadline) {
			term.t.Fatalf("the terminal never showed %q:\n%s", text, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// at types keys once the form's focus (its "┃" bar) is on the field titled
// title: each key is typed once and must count; a busy machine only slows the
// test down.
func (term *terminal) at(title string, keys ...string) {
	term.t.Helper()
	term.waitFor("┃ " + title)
	term.typeKeys(keys...)
}

// typeKeys sends keys as a quick typist does: one tmux key name or string at
// a time, 100 ms apart, without waiting for the screen in between.
func (term *terminal) typeKeys(keys ...string) {
	for _, k := range keys {
		if out, err := exec.Command("tmux", "-L", term.socket, "send-keys", k).CombinedOutput(); err != nil {
			term.t.Fatalf("send-keys %q: %v %s", k, err, out)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func labEnvMap(t *testing.T) map[string]string {
	e := useLab(t)
	return map[string]string{"UMCTL_SERVER": e.Server, "UMCTL_BIND_DN": e.BindDN, "UMCTL_BIND_PASSWORD": e.Password,
		"UMCTL_CA_FILE": e.CAFile, "UMCTL_CONFIG_DIR": t.TempDir()}
}

// TestContactNewFormInTerminal types `contact new` into a real terminal: one
// form for every field (no key lost between them), a SIP address and a number
// already in use refused at their own field (naming the field, not a flag), no
// default proposing the taken access number, the plan reviewed and confirmed
// in the same form; then checks what reached the directory.
func TestContactNewFormInTerminal(t *testing.T) {
	resetLab(t)
	if code, _, errOut := umctl(t, newContactArgs("sip:taken@"+lab.Domain, lab.SipAccess)...); code != 0 {
		t.Fatal(errOut)
	}
	term := startInTerminal(t, labEnvMap(t), "contact", "new")
	term.waitFor("SIP address")
	term.typeKeys("sip:taken@"+lab.Domain, "Enter")
	term.waitFor("is already used by")
	term.typeKeys("C-u", "sip:typed@"+lab.Domain, "Enter")
	term.at("UM dial plan", "Enter")           // SipDP
	term.at("Is this an auto", "Enter")        // no
	term.at("Registrar pool", "Down", "Enter") // the second one
	term.at("OU for the contact", "Enter")     // the default
	s := term.waitFor("┃ Number (E.164")
	if strings.Contains(s, lab.SipAccess) {
		t.Errorf("the number field proposes %s, which is taken:\n%s", lab.SipAccess, s)
	}
	term.typeKeys(lab.SipAccess, "Enter")
	term.waitFor("is already the line URI of")
	term.typeKeys("C-u", "+4790000555", "Enter")
	s = term.waitFor("Create this contact?")
	for _, want := range []string{"+ contact CN={", "sip:typed@" + lab.Domain, "tel:+4790000555", "CN=1:1,CN=Pools"} {
		if !strings.Contains(s, want) {
			t.Errorf("the review lacks %q:\n%s", want, s)
		}
	}
	term.typeKeys("y")
	s = term.waitFor("EXIT=")
	if !strings.Contains(s, "EXIT=0") || strings.Contains(s, "--display-number") || strings.Contains(s, "--sip-address") {
		t.Fatalf("the form ended badly (or spoke of flags):\n%s", s)
	}
	es := contactsInDirectory(t, "(msRTCSIP-PrimaryUserAddress=sip:typed@"+lab.Domain+")")
	if len(es) != 1 || es[0]["telephonenumber"][0] != "+4790000555" || es[0]["msrtcsip-primaryhomeserver"][0] != "CN=Lc Services,CN=Microsoft,"+pool01DN ||
		!strings.Contains(strings.Join(es[0]["otheripphone"], ","), "SubscriberAccess") {
		t.Fatalf("the directory holds %v", es)
	}
}

// TestPromptCtrlC: one Ctrl-C ends the form at once (exit 130), in the
// full-screen form and in accessible mode, and nothing is written.
func TestPromptCtrlC(t *testing.T) {
	resetLab(t)
	usn := labtest.HighestUSN(t)
	for _, accessible := range []string{"", "1"} {
		env := labEnvMap(t)
		env["UMCTL_ACCESSIBLE"] = accessible
		term := startInTerminal(t, env, "contact", "new")
		term.waitFor("SIP address")
		term.typeKeys("sip:interrupted@"+lab.Domain, "Enter")
		if accessible != "" {
			for _, step := range [][]string{{"enter the number 1", "1"}, {"[y/N]", "n"}, {"between 1 and 4", "2"}, {"OU for the contact", ""}} {
				term.waitFor(step[0])
				term.typeKeys(step[1], "Enter")
			}
			term.waitFor("Number (E.164")
		} else {
			for _, title := range []string{"UM dial plan", "Is this an auto", "Registrar pool", "OU for the contact"} {
				term.at(title, "Enter")
			}
			term.waitFor("┃ Number (E.164")
		}
		start := time.Now()
		term.typeKeys("C-c")
		s := term.waitFor("EXIT=")
		if !strings.Contains(s, "EXIT=130") {
			t.Errorf("accessible=%q: one Ctrl-C did not end the form with 130:\n%s", accessible, s)
		}
		t.Logf("accessible=%q: ended %v after Ctrl-C", accessible, time.Since(start).Round(10*time.Millisecond))
	}
	if labtest.HighestUSN(t) != usn {
		t.Fatal("an interrupted form wrote to the directory")
	}
}

// TestContactNewAccessibleInTerminal answers the same questions as plain
// lines (UMCTL_ACCESSIBLE=1), with the same checks at each field.
func TestContactNewAccessibleInTerminal(t *testing.T) {
	resetLab(t)
	env := labEnvMap(t)
	env["UMCTL_ACCESSIBLE"] = "1"
	term := startInTerminal(t, env, "contact", "new")
	term.waitFor("SIP address")
	term.typeKeys("sip:acc@"+lab.Domain, "Enter")
	for _, step := range [][]string{{"enter the number 1", "1"}, {"[y/N]", "y"}, {"between 1 and 4", "2"}, {"OU for the contact", ""}} {
		term.waitFor(step[0])
		term.typeKeys(step[1], "Enter")
	}
	s := term.waitFor("Number (E.164")
	if !strings.Contains(s, "["+lab.SipAutoAtt+"]") { // the auto attendant's number is the default
		t.Errorf("no auto attendant number proposed:\n%s", s)
	}
	term.typeKeys("12 34", "Enter")
	term.waitFor(`number "12 34"`)
	term.typeKeys("Enter") // the default
	term.waitFor("Create this contact?")
	term.typeKeys("y", "Enter")
	if s := term.waitFor("EXIT="); !strings.Contains(s, "EXIT=0") {
		t.Fatalf("exit:\n%s", s)
	}
	es := contactsInDirectory(t, "(msRTCSIP-PrimaryUserAddress=sip:acc@"+lab.Domain+")")
	if len(es) != 1 || es[0]["telephonenumber"][0] != lab.SipAutoAtt || !strings.Contains(strings.Join(es[0]["otheripphone"], ","), "AutoAttendant") {
		t.Fatalf("the directory holds %v", es)
	}
}

// TestTableFitsRealTerminal: in an 80-column terminal (width from the
// terminal itself, no COLUMNS) a table is drawn with no line wrapped by the
// terminal: capture-pane -J joins wrapped lines, so none may exceed 80.
func TestTableFitsRealTerminal(t *testing.T) {
	env := labEnvMap(t)
	term := startInTerminalSized(t, 80, env, "dialplan", "list")
	s := term.waitFor("EXIT=0")
	if !strings.Contains(s, "PHONE CONTEXT") && !strings.Contains(s, "PHONE CONTE…") {
		t.Fatalf("no table:\n%s", s)
	}
	for _, l := range strings.Split(s, "\n") {
		if w := len([]rune(strings.TrimRight(l, " "))); w > 80 {
			t.Errorf("a line of %d columns in an 80-column terminal: %q", w, l)
		}
	}
}
