package main

import (
	"errors"
	"strings"

	"github.com/umctl/umctl/internal/ad"
)

// The domain reports bad input as an ad.FieldError naming a field of a spec;
// the CLI shows it under the name the user typed it as: a flag (--dial-plan)
// for a command, a column (dial_plan) for a CSV row.

// fieldNames overrides the default name of some fields for one command.
type fieldNames map[ad.Field]string

// positional fields are arguments, not flags; the target pool is --target.
var positional = fieldNames{ad.FieldUser: "user", ad.FieldIdentity: "identity", ad.FieldTargetPool: "--target"}

// flagName is the flag (or argument) a field is given with.
func flagName(f ad.Field, over fieldNames) string {
	if n, ok := over[f]; ok {
		return n
	}
	if n, ok := positional[f]; ok {
		return n
	}
	return "--" + strings.ReplaceAll(string(f), " ", "-")
}

// columnName is the CSV column a field is given in.
func columnName(f ad.Field) string { return strings.ReplaceAll(string(f), " ", "_") }

// namedFieldError is a FieldError shown under a flag or column name.
type namedFieldError struct {
	fe   *ad.FieldError
	name string
}

func (e *namedFieldError) Error() string { return e.fe.Render(e.name) }
func (e *namedFieldError) Unwrap() error { return e.fe }

// asFlags names a FieldError in err by its flag (over: this command's
// exceptions); other errors, and errors named already, are returned as they are.
func asFlags(err error, over fieldNames) error {
	var named *namedFieldError
	if fe, ok := ad.AsFieldError(err); ok && !errors.As(err, &named) {
		return &namedFieldError{fe, flagName(fe.Field, over)}
	}
	return err
}

// asColumns renders err for a CSV row: a FieldError under its column name.
func asColumns(err error) string {
	if fe, ok := ad.AsFieldError(err); ok {
		return fe.Render(columnName(fe.Field))
	}
	return err.Error()
}
