package cli

import (
	"context"
	"errors"
	"fmt"
	"os"

	"charm.land/huh/v2"
	"golang.org/x/term"
)

// Prompter asks the user for values. Commands take it as an interface so that
// tests can answer without a terminal.
type Prompter interface {
	Password(title string) (string, error)
	Confirm(title string, defaultValue bool) (bool, error)
	// Form asks several questions as one form (see Field).
	Form(fields ...Field) error
}

// HuhPrompter draws prompts with charm.land/huh on stderr, so stdout stays clean.
// Accessible mode (plain line prompts) is on with UMCTL_ACCESSIBLE or ACCESSIBLE.
type HuhPrompter struct {
	IO *IOStreams
	// Ctx ends with Ctrl-C (SIGINT): a prompt then returns ErrCancelled at once.
	Ctx context.Context
}

func accessible() bool { return os.Getenv("UMCTL_ACCESSIBLE") != "" || os.Getenv("ACCESSIBLE") != "" }

func (p HuhPrompter) run(f huh.Field) error {
	ctx := p.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if accessible() {
		return p.runAccessible(ctx, f)
	}
	err := huh.NewForm(huh.NewGroup(f)).WithInput(p.IO.In).WithOutput(p.IO.ErrOut).WithShowHelp(false).RunWithContext(ctx)
	if errors.Is(err, huh.ErrUserAborted) || ctx.Err() != nil {
		return ErrCancelled
	}
	return err
}

// Password asks for a secret without echoing it, as a plain line (the
// terminal's own line editing, echo off), not a full-screen program: the input
// reader of a full-screen program lingers after it ends and takes the first
// key meant for the next one (measured in tmux: every other answer lost), and
// the password comes before the command's own form. Ctrl-C ends it at once.
func (p HuhPrompter) Password(title string) (string, error) {
	f, ok := p.IO.In.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		var v string
		return v, p.run(huh.NewInput().Title(title).EchoMode(huh.EchoModePassword).Value(&v))
	}
	fd := int(f.Fd())
	state, err := term.GetState(fd)
	if err != nil {
		return "", err
	}
	ctx := p.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	fmt.Fprint(p.IO.ErrOut, title+": ")
	type line struct {
		b   []byte
		err error
	}
	done := make(chan line, 1)
	go func() {
		b, err := term.ReadPassword(fd)
		done <- line{b, err}
	}()
	select {
	case l := <-done:
		fmt.Fprintln(p.IO.ErrOut)
		return string(l.b), l.err
	case <-ctx.Done():
		_ = term.Restore(fd, state)
		fmt.Fprintln(p.IO.ErrOut)
		return "", ErrCancelled
	}
}

// Confirm asks a yes/no question.
func (p HuhPrompter) Confirm(title string, def bool) (bool, error) {
	v := def
	return v, p.run(huh.NewConfirm().Title(title).Value(&v))
}
