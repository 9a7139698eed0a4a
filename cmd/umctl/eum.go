package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

func newEUMCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "eum",
		Short: "Manage and audit EUM proxy addresses (how Exchange UM finds a mailbox for a call)",
		Long: `Exchange UM finds the mailbox for a diverted call by the EUM proxy address in the
user's proxyAddresses:

  EUM:<extension|E.164 number|sip name>;phone-context=<dial plan phone context>

upper-case EUM for the primary address, lower-case eum for the others. A wrong or
duplicate one sends voicemail to the wrong person or nowhere.`,
	}
	cmd.AddCommand(newEUMAddCmd(a), newEUMRemoveCmd(a), newEUMListCmd(a), newEUMFindCmd(a), newEUMCheckCmd(a))
	return cmd
}

func newEUMAddCmd(a *app) *cobra.Command {
	var (
		m       mutateFlags
		s       ad.EUMSpec
		fromCSV string
	)
	cmd := &cobra.Command{
		Use:   "add USER --dial-plan DP --extension EXT",
		Short: "Add EUM addresses to a user (or many users with --from-csv)",
		Long: `Add EUM addresses to a user, validated as Exchange validates them:

- USER is a sAMAccountName, UPN, SIP address or DN.
- The extension has exactly the dial plan's number of digits; on an E.164 plan it
  is an E.164 number.
- On a SIP URI plan both a SIP name and the extension are added (as Exchange
  requires); the SIP name defaults to the user's SIP address.
- The address must be unused in the plan's phone context and its equivalent ones,
  and must not be the plan's subscriber access or an auto attendant number.
- The user's first EUM address is primary (EUM:); --primary makes the new one primary.

The change is one modify that deletes the old values and adds the new ones, so a
concurrent change fails with exit 5 instead of being overwritten. After writing,
the addresses are looked up again: if a concurrent run gave one to another user
too, the user written first keeps it and the later run undoes its change and
exits 5 naming the address and the other user.

--from-csv FILE (- for stdin) takes the header user,dial_plan,extension,sip_name,primary
(the last two may be empty or absent). The rows' users and the addresses they would
take are read with batched searches (100 values per filter), so the cost grows with
the rows, not with the forest. Every row is checked before the first write, invalid
rows are reported by row and column, and the rest is written with progress on
stderr; exit 3 when some rows were refused, 2 when all were. A file that is not
UTF-8, or names a column twice, is refused whole. Re-running converges: rows
already in place are unchanged and nothing is written.
'umctl eum list -o csv' writes exactly these columns (one row per user, dial plan
and extension): export, edit, feed back.`,
		Args: cobra.MaximumNArgs(1), ValidArgsFunction: onlyArgs(1, a.completeUsers(false)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if fromCSV != "" {
				if len(args) > 0 {
					return cli.FlagErrorf("give USER or --from-csv, not both")
				}
				return a.eumAddCSV(cmd, m, fromCSV)
			}
			if len(args) == 0 {
				return cli.FlagErrorf("USER is required (a sAMAccountName, UPN, SIP address or DN)")
			}
			if s.DialPlan == "" || s.Extension == "" {
				return cli.FlagErrorf("--dial-plan and --extension are required")
			}
			s.User = args[0]
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				p := &ad.Plan{}
				if err := d.NewEUMPlanner().PlanAdd(ctx, p, s); err != nil {
					return err
				}
				return a.runPlan(ctx, d, p, planRun{mutateFlags: m, showUnchanged: true})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&s.DialPlan, "dial-plan", "", "UM dial plan")
	f.StringVar(&s.Extension, "extension", "", "extension (the plan's number of digits) or E.164 number (E.164 plans)")
	f.StringVar(&s.SIPName, "sip-name", "", "SIP name user@domain (SIP URI plans; default: the user's SIP address)")
	f.BoolVar(&s.Primary, "primary", false, "make the new address the primary one")
	f.StringVar(&fromCSV, "from-csv", "", "add addresses for every row of this CSV file (- for stdin)")
	m.register(cmd, false)
	_ = cmd.RegisterFlagCompletionFunc("dial-plan", a.completeDialPlans)
	return cmd
}

var eumColumns = []string{"user", "dial_plan", "extension", "sip_name", "primary"}

func (a *app) eumAddCSV(cmd *cobra.Command, m mutateFlags, path string) error {
	rows, err := readCSVColumns(a.io.In, path, eumColumns, []string{"user", "dial_plan", "extension"})
	if err != nil {
		return err
	}
	specs := make([]ad.EUMSpec, len(rows))
	rowErrs := make([]error, len(rows))
	for i, row := range rows {
		specs[i] = ad.EUMSpec{User: row["user"], DialPlan: row["dial_plan"], Extension: row["extension"], SIPName: row["sip_name"]}
		if v := row["primary"]; v != "" {
			var ok bool
			if specs[i].Primary, ok = parseBool(v); !ok {
				rowErrs[i] = &ad.FieldError{Field: ad.FieldPrimary, Value: v, Reason: boolExpected}
			}
		}
	}
	return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
		ep := d.NewEUMPlanner()
		if err := ep.Prefetch(ctx, specs); err != nil {
			return err
		}
		p := &ad.Plan{Independent: true} // one modify per user
		bad := 0
		for i, s := range specs {
			err := rowErrs[i]
			if err == nil {
				err = ep.PlanAdd(ctx, p, s)
			}
			if err != nil {
				if !errors.Is(err, ad.ErrInvalid) && !errors.Is(err, ad.ErrNotFound) {
					return err // the directory failed, not the row
				}
				bad++
				fmt.Fprintf(a.io.ErrOut, "row %d: %s\n", i+2, asColumns(err))
			}
		}
		return a.finishBatch(ctx, d, p, m, len(rows), bad)
	})
}

// finishBatch applies a batch plan and turns refused rows into exit 3 (some:
// the rest was written) or 2 (all: invalid input, nothing written).
func (a *app) finishBatch(ctx context.Context, d *ad.Dir, p *ad.Plan, m mutateFlags, rows, bad int) error {
	if err := a.runPlan(ctx, d, p, planRun{mutateFlags: m}); err != nil {
		return err
	}
	fmt.Fprintf(a.io.ErrOut, "%d rows: %d valid, %d refused.\n", rows, rows-bad, bad)
	switch {
	case bad > 0 && bad < rows:
		return &cli.SilentError{Code: cli.ExitPartial}
	case bad > 0:
		return &cli.SilentError{Code: cli.ExitUsage}
	}
	return nil
}

func newEUMRemoveCmd(a *app) *cobra.Command {
	var (
		m                   mutateFlags
		dialPlan, extension string
		all                 bool
	)
	cmd := &cobra.Command{
		Use:   "remove USER [--dial-plan DP] [--extension EXT | --all]",
		Short: "Remove EUM addresses from a user",
		Long: `Remove a user's EUM addresses: those of one dial plan, one address (--extension,
which also takes a SIP name), or --all. When the primary address is removed and
others stay, the first remaining one becomes primary.`,
		Args: cobra.ExactArgs(1), ValidArgsFunction: onlyArgs(1, a.completeUsers(true)),
		RunE: func(cmd *cobra.Command, args []string) error {
			if all && (extension != "" || dialPlan != "") {
				return cli.FlagErrorf("--all cannot be combined with --extension or --dial-plan")
			}
			if !all && extension == "" && dialPlan == "" {
				return cli.FlagErrorf("give --dial-plan, --extension or --all")
			}
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				p := &ad.Plan{}
				spec := ad.EUMRemoveSpec{User: args[0], DialPlan: dialPlan, Address: extension, All: all}
				if err := d.NewEUMPlanner().PlanRemove(ctx, p, spec); err != nil {
					return err
				}
				return a.runPlan(ctx, d, p, planRun{mutateFlags: m, confirm: "Remove these EUM addresses?"})
			})
		},
	}
	cmd.Flags().StringVar(&dialPlan, "dial-plan", "", "only addresses in this dial plan")
	cmd.Flags().StringVar(&extension, "extension", "", "only this address (extension, number or SIP name)")
	cmd.Flags().BoolVar(&all, "all", false, "every EUM address of the user")
	m.register(cmd, true)
	_ = cmd.RegisterFlagCompletionFunc("dial-plan", a.completeDialPlans)
	return cmd
}

func newEUMListCmd(a *app) *cobra.Command {
	var dialPlan string
	cmd := &cobra.Command{
		Use: "list [USER]", Short: "List EUM addresses (of one user, of the users matching a pattern such as 'per.*', or everyone's)", Args: cobra.MaximumNArgs(1),
		ValidArgsFunction: onlyArgs(1, a.completeUsers(true)),
		RunE: func(cmd *cobra.Command, args []string) error {
			user := ""
			if len(args) == 1 {
				user = args[0]
			}
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				list, err := d.NewEUMPlanner().List(ctx, user, dialPlan)
				if err != nil {
					return err
				}
				t := cli.Table{Headers: []string{"user", "address", "dial plan", "primary", "proxy address"}}
				for _, e := range list {
					t.Rows = append(t.Rows, []string{e.User, e.Address, e.DialPlan, yesNo(e.Primary), e.Proxy})
				}
				t.Records = eumRecords(list)
				t.WideOnly = []int{4} // the proxy address: user, address and dial plan say it
				return cli.Print(a.io, a.output, list, t)
			})
		},
	}
	cmd.Flags().StringVar(&dialPlan, "dial-plan", "", "only this dial plan")
	_ = cmd.RegisterFlagCompletionFunc("dial-plan", a.completeDialPlans)
	return cmd
}

func newEUMFindCmd(a *app) *cobra.Command {
	var dialPlan string
	cmd := &cobra.Command{
		Use:   "find EXTENSION|NUMBER|SIP --dial-plan DP",
		Short: "Find who owns an extension, number or SIP name: the lookup Exchange UM does for a call",
		Long: `Find the user Exchange UM would pick for a call: the exact proxy address
eum:<query>;phone-context=<the plan's phone context>, in the plan's phone context and
in its equivalent ones, with one indexed search. Nobody owning it is an empty
result (exit 0), not an error.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if dialPlan == "" {
				return cli.FlagErrorf("--dial-plan is required")
			}
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				r, err := d.NewEUMPlanner().Find(ctx, args[0], dialPlan)
				if err != nil {
					return err
				}
				t := cli.Table{Headers: []string{"user", "dial plan", "primary", "proxy address", "dn"}, WideOnly: []int{4}}
				for _, o := range r.Owners {
					t.Rows = append(t.Rows, []string{o.User, o.DialPlan, yesNo(o.Primary), o.Proxy, o.DN})
				}
				if err := cli.Print(a.io, a.output, r, t); err != nil {
					return err
				}
				if a.output == "" || a.output == "table" {
					fmt.Fprintf(a.io.ErrOut, "looked up %s in %s\n", r.ProxyAddress, strings.Join(r.PhoneContexts, ", "))
				}
				if r.AccessNumber {
					fmt.Fprintf(a.io.ErrOut, "%s is the subscriber access number of %s\n", args[0], r.DialPlan)
				}
				if r.AutoAttendantNumer {
					fmt.Fprintf(a.io.ErrOut, "%s is an auto attendant number of %s\n", args[0], r.DialPlan)
				}
				if len(r.Owners) == 0 && (a.output == "" || a.output == "table") {
					fmt.Fprintf(a.io.ErrOut, "nobody has %s\n", args[0])
				}
				return nil
			})
		},
	}
	cmd.Flags().StringVar(&dialPlan, "dial-plan", "", "UM dial plan")
	_ = cmd.RegisterFlagCompletionFunc("dial-plan", a.completeDialPlans)
	return cmd
}

func newEUMCheckCmd(a *app) *cobra.Command {
	var dialPlan string
	cmd := &cobra.Command{
		Use:   "check [--dial-plan DP]",
		Short: "Audit EUM addresses; exit 3 when anything is wrong",
		Long: `Audit every user's EUM addresses (read-only) and report:

  duplicate              the same address on several users in a phone context or its equivalents
  wrong-length           an extension whose length is not the plan's number of digits
  wrong-format           a non-numeric extension, or a non-E.164 number on an E.164 plan
  unknown-phone-context  a phone context no dial plan has
  no-primary             EUM addresses but none upper-case (primary)
  several-primaries      more than one primary

It is an audit: it reads every user with an EUM address (one paged search;
on the global catalog, over the whole forest, with --gc).
Exit 0 when clean, 3 when there are findings. SIP addresses and line URIs on
several users or contacts: 'umctl contact check'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				fs, err := d.NewEUMPlanner().Check(ctx, dialPlan)
				if err != nil {
					return err
				}
				return a.printFindings(fs, "user", "proxy address")
			})
		},
	}
	cmd.Flags().StringVar(&dialPlan, "dial-plan", "", "only this dial plan (and its equivalent phone contexts)")
	_ = cmd.RegisterFlagCompletionFunc("dial-plan", a.completeDialPlans)
	return cmd
}
