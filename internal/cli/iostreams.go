// Package cli holds the plumbing shared by umctl's commands: IO streams, output
// printers, prompts, configuration and exit codes. Domain packages never import it.
package cli

import (
	"bytes"
	"io"
	"os"
	"strconv"

	"golang.org/x/term"
)

// IOStreams are the three standard streams plus what is known about them.
type IOStreams struct {
	In     io.Reader
	Out    io.Writer
	ErrOut io.Writer

	stdinTTY, stdoutTTY, stderrTTY bool
	stdout                         *os.File
	// NoInput forbids prompts (--no-input, UMCTL_NO_INPUT).
	NoInput bool
	// NoHeaders drops the header row of TSV and CSV output (--no-headers).
	NoHeaders bool
}

// System returns the process's streams.
func System() *IOStreams {
	isTTY := func(f *os.File) bool { return term.IsTerminal(int(f.Fd())) }
	return &IOStreams{In: os.Stdin, Out: os.Stdout, ErrOut: os.Stderr, stdout: os.Stdout,
		stdinTTY: isTTY(os.Stdin), stdoutTTY: isTTY(os.Stdout), stderrTTY: isTTY(os.Stderr)}
}

// Test returns streams backed by buffers; TTY state is off until set.
func Test() (*IOStreams, *bytes.Buffer, *bytes.Buffer, *bytes.Buffer) {
	in, out, errOut := &bytes.Buffer{}, &bytes.Buffer{}, &bytes.Buffer{}
	return &IOStreams{In: in, Out: out, ErrOut: errOut}, in, out, errOut
}

// SetTTY sets the TTY state of stdin and stdout (tests).
func (s *IOStreams) SetTTY(stdin, stdout bool) { s.stdinTTY, s.stdoutTTY = stdin, stdout }

// IsStdoutTTY reports whether stdout is a terminal (tables instead of TSV).
func (s *IOStreams) IsStdoutTTY() bool { return s.stdoutTTY }

// IsStderrTTY reports whether stderr is a terminal (progress bars).
func (s *IOStreams) IsStderrTTY() bool { return s.stderrTTY }

// CanPrompt is true only when stdin and stdout are terminals and prompts are allowed.
func (s *IOStreams) CanPrompt() bool { return s.stdinTTY && s.stdoutTTY && !s.NoInput }

// TerminalWidth is the width tables are fitted to: COLUMNS when it is set to a
// number, else the width of the terminal on stdout, else 80.
func (s *IOStreams) TerminalWidth() int {
	if n, err := strconv.Atoi(os.Getenv("COLUMNS")); err == nil && n > 0 {
		return n
	}
	if s.stdout != nil {
		if w, _, err := term.GetSize(int(s.stdout.Fd())); err == nil && w > 0 {
			return w
		}
	}
	return 80
}
