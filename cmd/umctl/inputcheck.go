package main

import (
	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

// checkInputs refuses, before a command runs, a flag value or argument that is
// not valid UTF-8 or holds a control character (NUL, ESC, …), naming the flag
// or the argument but not repeating the value (it may be a secret, or drive
// the terminal). CSV cells are checked by the planners, row by row.
func checkInputs(cmd *cobra.Command, args []string) error {
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) {
		if err == nil {
			if reason := textProblem(f.Value.String()); reason != "" {
				err = cli.FlagErrorf("%s: --%s %s", ad.ErrInvalid, f.Name, reason)
			}
		}
	})
	if err != nil {
		return err
	}
	for i, a := range args {
		if reason := textProblem(a); reason != "" {
			return cli.FlagErrorf("%s: argument %d %s", ad.ErrInvalid, i+1, reason)
		}
	}
	return nil
}

// textProblem is why ad.CheckText refuses v, or "".
func textProblem(v string) string {
	if fe, ok := ad.AsFieldError(ad.CheckText("", v)); ok {
		return fe.Reason
	}
	return ""
}
