package cli

import (
	"errors"
	"os"

	"charm.land/huh/v2"
)

// Prompter asks the user for values. Commands take it as an interface so that
// tests can answer without a terminal.
type Prompter interface {
	Input(title, defaultValue string, validate func(string) error) (string, error)
	Password(title string) (string, error)
	Select(title string, options []string, defaultValue string) (string, error)
	Confirm(title string, defaultValue bool) (bool, error)
}

// HuhPrompter draws prompts with charm.land/huh on stderr, so stdout stays clean.
// Accessible mode (plain line prompts) is on with UMCTL_ACCESSIBLE or ACCESSIBLE.
type HuhPrompter struct{ IO *IOStreams }

func (p HuhPrompter) run(f huh.Field) error {
	accessible := os.Getenv("UMCTL_ACCESSIBLE") != "" || os.Getenv("ACCESSIBLE") != ""
	err := huh.NewForm(huh.NewGroup(f)).WithInput(p.IO.In).WithOutput(p.IO.ErrOut).WithAccessible(accessible).WithShowHelp(false).Run()
	if errors.Is(err, huh.ErrUserAborted) {
		return ErrCancelled
	}
	return err
}

// Input asks for a line of text.
func (p HuhPrompter) Input(title, def string, validate func(string) error) (string, error) {
	v := def
	in := huh.NewInput().Title(title).Value(&v)
	if validate != nil {
		in = in.Validate(validate)
	}
	return v, p.run(in)
}

// Password asks for a secret without echoing it.
func (p HuhPrompter) Password(title string) (string, error) {
	var v string
	return v, p.run(huh.NewInput().Title(title).EchoMode(huh.EchoModePassword).Value(&v))
}

// Select asks for one of options.
func (p HuhPrompter) Select(title string, options []string, def string) (string, error) {
	v := def
	return v, p.run(huh.NewSelect[string]().Title(title).Options(huh.NewOptions(options...)...).Value(&v))
}

// Confirm asks a yes/no question.
func (p HuhPrompter) Confirm(title string, def bool) (bool, error) {
	v := def
	return v, p.run(huh.NewConfirm().Title(title).Value(&v))
}
