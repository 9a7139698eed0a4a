package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/doctor"
	"github.com/umctl/umctl/internal/sipprobe"
)

func newDoctorCmd(a *app) *cobra.Command {
	var only []string
	var sf sipDoctorFlags
	checks := append(doctor.DirectoryChecks(), doctor.SIPChecks(sipprobe.Config{}, 0)...)
	cmd := &cobra.Command{
		Use:   "doctor [--only CHECK,…]",
		Short: "Find what breaks voicemail before users do: checks across gateways, hunt groups, dial plans, contacts, EUM addresses and permissions",
		Long: `Check the directory for what makes Exchange UM with Lync fail, across the pieces
that each Microsoft tool sees only one of (read-only). Each finding has a
severity (error: calls, voicemail or MWI break; warning: a risk or a leftover),
the object, what is wrong, and the umctl command that fixes it where one does.

Checks (--only takes these ids, comma-separated or repeated):

` + checkList(checks) + `
The checks share one read of the catalog (dial plans, pools, auto attendants),
of the gateways, of the Exchange UM contacts and of the users with EUM
addresses, plus searches targeted at what they found.

--sip adds sip-options: OPTIONS to every UM IP gateway address (TLS on port
5061, TCP otherwise) and every UM server FQDN (TLS on 5061), --sip-parallel at
a time, each within --sip-timeout; a target that does not answer, answers
other than 2xx, or whose certificate does not verify (--tls-ca, --cert for
mutual TLS) is an error. 'umctl sip options URI' shows one in detail.
Exit 0 when there are no errors (warnings only, or nothing), 3 when there are.`,
		Example: `  umctl doctor
  umctl doctor --only stale-gateway,gateway-flags
  umctl doctor --only eum -o json
  umctl doctor --sip --tls-ca contoso-ca.pem --cert um01.pem --key um01-key.pem`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			selected, unknown := doctor.Select(checks, only)
			if unknown != "" {
				return cli.FlagErrorf("--only %q: no such check (checks: %s)", unknown, strings.Join(doctor.IDs(checks), ", "))
			}
			selected, err := sf.apply(selected, len(only) > 0)
			if err != nil {
				return err
			}
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				return a.runDoctor(ctx, d, selected, only)
			})
		},
	}
	cmd.Flags().StringSliceVar(&only, "only", nil, "run only these checks (ids, comma-separated)")
	sf.register(cmd)
	_ = cmd.RegisterFlagCompletionFunc("only", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return doctor.Completions(checks), cobra.ShellCompDirectiveNoFileComp
	})
	return cmd
}

func checkList(checks []doctor.Check) string {
	var b strings.Builder
	for _, c := range checks {
		fmt.Fprintf(&b, "  %-18s %s\n", c.ID(), c.Title())
	}
	return b.String()
}

func (a *app) runDoctor(ctx context.Context, d *ad.Dir, checks []doctor.Check, only []string) error {
	r, err := doctor.Run(ctx, doctor.NewEnv(d), checks)
	if err != nil {
		return err
	}
	r.Only(only)
	t := cli.Table{Headers: []string{"severity", "check", "object", "problem", "fix"}, Keep: []int{2}}
	for _, f := range r.Findings {
		t.Rows = append(t.Rows, []string{string(f.Severity), f.Check, f.Object, f.Problem, f.Fix})
	}
	if err := cli.Print(a.io, a.output, r, t); err != nil {
		return err
	}
	fmt.Fprintf(a.io.ErrOut, "%d check(s): %d error(s), %d warning(s)\n", len(r.Checks), r.Errors, r.Warnings)
	if r.Errors > 0 {
		return &cli.SilentError{Code: cli.ExitPartial}
	}
	return nil
}
