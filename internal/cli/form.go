package cli

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"charm.land/huh/v2"
)

// FieldKind is what a form field asks for.
type FieldKind int

// Field kinds.
const (
	FieldInput   FieldKind = iota // a line of text into Text
	FieldSelect                   // one of Options into Text
	FieldConfirm                  // yes or no into Bool
	FieldNote                     // text to read (Note), no answer
)

// Field is one question of a form. Later fields may depend on the answers to
// earlier ones: Default is computed when the field is asked (and shown).
type Field struct {
	Kind    FieldKind
	Title   string
	Text    *string
	Bool    *bool
	Options []string
	// Default (inputs) is the value an empty answer stands for; it may read
	// earlier answers. Validate then sees that value, not "".
	Default func() string
	// Validate (inputs) checks an answer when the user leaves the field, so a
	// wrong value is refused at its field, not after the last one.
	Validate func(string) error
	// ValidateBool (confirms) checks the answer in the same way.
	ValidateBool func(bool) error
	// Note (notes) is the text shown, computed from the answers before it.
	Note func() string
	// Page starts a new page of the form (a huh group) with this field.
	Page bool
}

// Answer is what the field's current answer stands for (the default when empty).
func (f Field) Answer() string { return f.answer(*f.Text) }

// answer is the value an input field's raw answer stands for.
func (f Field) answer(raw string) string {
	if v := strings.TrimSpace(raw); v != "" || f.Default == nil {
		return v
	}
	return f.Default()
}

func (f Field) check(raw string) error {
	if f.Validate == nil {
		return nil
	}
	return f.Validate(f.answer(raw))
}

// Form asks every field in one form: one terminal program for all of them, so
// that no keystroke is lost between fields, with each answer checked as the
// user leaves its field. In accessible mode the fields are asked one line at a
// time. Ctrl-C cancels at once in both modes (ErrCancelled).
func (p HuhPrompter) Form(fields ...Field) error {
	ctx := p.Ctx
	if ctx == nil {
		ctx = context.Background()
	}
	if accessible() {
		return p.formAccessible(ctx, fields)
	}
	var groups []*huh.Group
	var page []huh.Field
	left := new(int) // how often the user left a field: what defaults and notes are recomputed on
	for i := range fields {
		if fields[i].Page && len(page) > 0 {
			groups, page = append(groups, huh.NewGroup(page...)), nil
		}
		page = append(page, huhField(&fields[i], left))
	}
	groups = append(groups, huh.NewGroup(page...))
	err := huh.NewForm(groups...).WithInput(p.IO.In).WithOutput(p.IO.ErrOut).WithShowHelp(false).RunWithContext(ctx)
	if errors.Is(err, huh.ErrUserAborted) || ctx.Err() != nil {
		return ErrCancelled
	}
	if err != nil {
		return err
	}
	for _, f := range fields {
		if f.Kind == FieldInput {
			*f.Text = f.answer(*f.Text)
		}
	}
	return nil
}

// huhField is the full-screen form's field for f. An input's Default is its
// placeholder. Defaults and notes are recomputed each time the user leaves a
// field (*left changes), not at every keystroke: they may ask the directory,
// and a busy form would take keys typed ahead for the field before.
func huhField(f *Field, left *int) huh.Field {
	leaving := func() { *left++ }
	switch f.Kind {
	case FieldSelect:
		return huh.NewSelect[string]().Title(f.Title).Options(huh.NewOptions(f.Options...)...).Value(f.Text).
			Validate(func(string) error { leaving(); return nil })
	case FieldConfirm:
		return huh.NewConfirm().Title(f.Title).Value(f.Bool).Validate(func(v bool) error {
			leaving()
			if f.ValidateBool != nil {
				return f.ValidateBool(v)
			}
			return nil
		})
	case FieldNote:
		return huh.NewNote().Title(f.Title).DescriptionFunc(func() string { return noteEscaper.Replace(f.Note()) }, left)
	}
	in := huh.NewInput().Title(f.Title).Value(f.Text).Validate(func(v string) error { leaving(); return f.check(v) })
	if f.Default != nil {
		in = in.PlaceholderFunc(f.Default, left)
	}
	return in
}

// noteEscaper keeps huh's Note from reading _, * and ` in the text as markup.
var noteEscaper = strings.NewReplacer(`\`, `\\`, "_", `\_`, "*", `\*`, "`", "\\`")

// formAccessible asks the fields one after another as plain lines (huh's
// accessible mode), each built when it is asked so that its default (shown in
// the title) follows the earlier answers.
func (p HuhPrompter) formAccessible(ctx context.Context, fields []Field) error {
	for i := range fields {
		f := &fields[i]
		var hf huh.Field
		switch f.Kind {
		case FieldNote:
			fmt.Fprintf(p.IO.ErrOut, "%s\n%s\n", f.Title, f.Note())
			continue
		case FieldInput:
			title := f.Title
			if f.Default != nil {
				if def := f.Default(); def != "" {
					title += " [" + def + "]"
				}
			}
			hf = huh.NewInput().Title(title + ":").Value(f.Text).Validate(f.check)
		default:
			hf = huhField(f, new(int))
		}
		if err := p.runAccessible(ctx, hf); err != nil {
			return err
		}
		if f.Kind == FieldInput {
			*f.Text = f.answer(*f.Text)
		}
	}
	return nil
}

// runAccessible runs one accessible field and gives up at once when ctx ends
// (Ctrl-C arrives as SIGINT in this mode; huh's line reader ignores it).
func (p HuhPrompter) runAccessible(ctx context.Context, f huh.Field) error {
	done := make(chan error, 1)
	go func() {
		done <- huh.NewForm(huh.NewGroup(f)).WithInput(p.IO.In).WithOutput(p.IO.ErrOut).WithAccessible(true).Run()
	}()
	select {
	case err := <-done:
		if err != nil {
			return fmt.Errorf("prompt: %w", err)
		}
		return nil
	case <-ctx.Done():
		fmt.Fprintln(p.IO.ErrOut)
		return ErrCancelled
	}
}
