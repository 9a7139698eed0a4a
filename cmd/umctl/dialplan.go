package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

func newDialPlanCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "dialplan",
		Aliases: []string{"dialplans", "dp"},
		Short:   "Show Exchange UM dial plans",
	}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the UM dial plans of the Exchange organization",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				plans, err := d.DialPlans(ctx)
				if err != nil {
					return err
				}
				t := cli.Table{Headers: []string{"name", "uri type", "digits", "phone context", "access numbers", "hunt groups", "um servers"}}
				for _, p := range plans {
					t.Rows = append(t.Rows, []string{p.Name, p.URIType, fmt.Sprint(p.NumberOfDigits), p.PhoneContext,
						strings.Join(p.AccessNumbers, ","), fmt.Sprint(len(p.HuntGroups)), names(p.UMServers)})
				}
				if plans == nil {
					plans = []ad.DialPlan{}
				}
				return cli.Print(a.io, a.output, plans, t)
			})
		},
	}
	get := &cobra.Command{
		Use:               "get NAME",
		Short:             "Show one UM dial plan with its hunt groups, UM servers and auto attendants",
		Args:              cobra.ExactArgs(1),
		ValidArgsFunction: onlyArgs(1, a.completeDialPlans),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				p, err := d.DialPlan(ctx, args[0])
				if err != nil {
					return err
				}
				rows := [][]string{
					{"Name", p.Name}, {"DN", p.DN}, {"URI type", p.URIType}, {"Digits", fmt.Sprint(p.NumberOfDigits)},
					{"Phone context", p.PhoneContext}, {"Subscriber access", strings.Join(p.AccessNumbers, ", ")},
					{"Pilot identifiers", strings.Join(p.PilotIdentifiers, ", ")},
					{"Equivalent contexts", strings.Join(p.EquivalentPhoneContexts, ", ")},
					{"Hunt groups", strings.Join(p.HuntGroups, "; ")}, {"UM servers", names(p.UMServers)},
					{"Auto attendants", names(p.AutoAttendants)},
				}
				return cli.Print(a.io, a.output, p, cli.Table{Headers: []string{"field", "value"}, Rows: rows, Wrap: true})
			})
		},
	}
	cmd.AddCommand(list, get)
	return cmd
}

// names shortens DNs to their first RDN value for tables.
func names(dns []string) string {
	out := make([]string, len(dns))
	for i, dn := range dns {
		out[i] = ad.FirstRDNValue(dn)
	}
	return strings.Join(out, ",")
}

// completeDialPlans completes dial plan names from the directory.
func (a *app) completeDialPlans(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return a.completeFrom(func(ctx context.Context, d *ad.Dir) ([]string, error) {
		plans, err := d.DialPlans(ctx)
		var out []string
		for _, p := range plans {
			out = append(out, cobra.CompletionWithDesc(p.Name, p.URIType+" "+p.PhoneContext))
		}
		return out, err
	})(cmd, args, toComplete)
}
