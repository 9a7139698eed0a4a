package cli

import (
	"errors"
	"fmt"
)

// Exit codes, documented in `umctl help exit-codes`.
const (
	ExitOK          = 0
	ExitFailure     = 1
	ExitUsage       = 2
	ExitPartial     = 3
	ExitAuth        = 4
	ExitConflict    = 5
	ExitInterrupted = 130
)

// ExitCodesHelp is the text of `umctl help exit-codes`.
const ExitCodesHelp = `umctl exits with one of these codes:

  0    success, including "nothing to do", "unchanged", "no results" and a
       remove of something not there (a warning names it)
  1    error: the directory or a peer failed, or the object named was not found
       (get, set, move); a SIP probe got no 2xx answer, or none
  2    usage or invalid input: a bad flag or argument, a value of the wrong form, a
       value the directory refutes (an unknown dial plan or pool, a duplicate
       number), text that is not UTF-8 or holds control characters, a value
       longer than the schema allows, every row of a CSV file refused, or a
       required value missing when umctl cannot prompt (not a terminal, or
       --no-input); nothing was written
  3    not everything is as it should be: some rows of bulk work were refused
       (the rest were written), 'ucutil --verify' found pending changes,
       'eum check' or 'contact check' found defects, 'doctor' found errors
  4    authentication failed: bad credentials, no password or Kerberos credentials
       available, or a Kerberos failure (clock skew, unknown principal, wrong
       keytab, expired ticket, no KDC reachable); a SIP probe's TLS trust failure
       (name mismatch, unknown CA, expired, client certificate refused)
  5    conflict: the object changed since it was read (nothing was overwritten),
       or it exists and differs where creation was asked for, or a concurrent run
       wrote the same extension, SIP address or number first (this run's change
       was undone)
  130  interrupted: Ctrl-C, also at a prompt (answering "no" to a confirmation
       is not an interruption: umctl says "Nothing done." and exits 0)
`

// ExitError carries an exit code with an error.
type ExitError struct {
	Code int
	Err  error
}

func (e *ExitError) Error() string { return e.Err.Error() }
func (e *ExitError) Unwrap() error { return e.Err }

// WithCode wraps err so that umctl exits with code.
func WithCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &ExitError{Code: code, Err: err}
}

// FlagError is a usage error (exit 2); the usage line is printed after it.
type FlagError struct{ Err error }

func (e *FlagError) Error() string { return e.Err.Error() }
func (e *FlagError) Unwrap() error { return e.Err }

// FlagErrorf builds a FlagError.
func FlagErrorf(format string, a ...any) error { return &FlagError{Err: fmt.Errorf(format, a...)} }

// ErrCancelled is returned when the user cancels a prompt.
var ErrCancelled = errors.New("cancelled")

// SilentError makes umctl exit non-zero without printing anything more: the
// command has already said what happened.
type SilentError struct{ Code int }

func (e *SilentError) Error() string { return fmt.Sprintf("exit status %d", e.Code) }
