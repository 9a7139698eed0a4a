package main

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

func newHuntGroupCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "huntgroup", Aliases: []string{"huntgroups", "hg"}, Short: "Show and change UM hunt groups"}
	var gateway string
	list := &cobra.Command{
		Use: "list", Short: "List hunt groups (of every gateway, or of --gateway)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				gws, err := d.Gateways(ctx)
				if err != nil {
					return err
				}
				out := []ad.HuntGroup{}
				t := cli.Table{Headers: []string{"gateway", "name", "pilot", "dial plan"}}
				found := gateway == ""
				for _, g := range gws {
					if gateway != "" && !strings.EqualFold(g.Name, gateway) && !strings.EqualFold(g.Address, gateway) {
						continue
					}
					found = true
					for _, h := range g.HuntGroups {
						out = append(out, h)
						t.Rows = append(t.Rows, []string{g.Name, h.Name, h.Pilot, ad.FirstRDNValue(h.DialPlan)})
					}
				}
				if !found {
					return cli.WithCode(cli.ExitFailure, &notFound{"gateway", gateway})
				}
				return cli.Print(a.io, a.output, out, t)
			})
		},
	}
	list.Flags().StringVar(&gateway, "gateway", "", "only this gateway (name or address)")

	var (
		nm                   mutateFlags
		ngw, dp, name, pilot string
	)
	newCmd := &cobra.Command{
		Use: "new", Aliases: []string{"create"}, Short: "Create a hunt group under a gateway for a dial plan", Args: cobra.NoArgs,
		Long: `Create a hunt group under a UM IP gateway, linked to a dial plan. The name
defaults to the dial plan's name and the pilot to the first label of its phone
context, as ExchUCUtil does. Re-running reports the hunt group unchanged; a
different hunt group with the same pilot on the gateway is reported, not duplicated.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if ngw == "" || dp == "" {
				return cli.FlagErrorf("--gateway and --dial-plan are required")
			}
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				p := &ad.Plan{}
				if err := d.PlanHuntGroupNew(ctx, p, ad.HuntGroupSpec{Gateway: ngw, DialPlan: dp, Name: name, Pilot: pilot}); err != nil {
					return err
				}
				if len(p.Warnings) > 0 && p.Pending() == 0 {
					_ = cli.PrintPlan(a.io, p, cli.PlanOptions{Format: a.output})
					return cli.WithCode(cli.ExitConflict, &conflict{p.Warnings[0]})
				}
				return a.runPlan(ctx, d, p, planRun{mutateFlags: nm, showUnchanged: true})
			})
		},
	}
	nm.register(newCmd, false)
	newCmd.Flags().StringVar(&ngw, "gateway", "", "gateway name or address")
	newCmd.Flags().StringVar(&dp, "dial-plan", "", "UM dial plan name")
	newCmd.Flags().StringVar(&name, "name", "", "hunt group name (default: the dial plan's name)")
	newCmd.Flags().StringVar(&pilot, "pilot", "", "pilot identifier (default: first label of the phone context)")
	_ = newCmd.RegisterFlagCompletionFunc("gateway", a.completeGateways)
	_ = newCmd.RegisterFlagCompletionFunc("dial-plan", a.completeDialPlans)
	_ = list.RegisterFlagCompletionFunc("gateway", a.completeGateways)

	var (
		rm  mutateFlags
		rgw string
	)
	remove := &cobra.Command{
		Use: "remove NAME", Aliases: []string{"delete", "rm"}, Short: "Remove a hunt group", Args: cobra.ExactArgs(1),
		ValidArgsFunction: onlyArgs(1, a.completeHuntGroups),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				p := &ad.Plan{}
				if err := d.PlanHuntGroupRemove(ctx, p, ad.HuntGroupRemoveSpec{Gateway: rgw, Name: args[0]}); err != nil {
					return err
				}
				return a.runPlan(ctx, d, p, planRun{mutateFlags: rm, confirm: "Remove hunt group " + args[0] + "?"})
			})
		},
	}
	rm.register(remove, true)
	remove.Flags().StringVar(&rgw, "gateway", "", "the gateway (name or address), when several have a hunt group of that name")
	_ = remove.RegisterFlagCompletionFunc("gateway", a.completeGateways)
	cmd.AddCommand(list, newCmd, remove)
	return cmd
}

type notFound struct{ kind, name string }

func (e *notFound) Error() string { return "no " + e.kind + " " + e.name }

type conflict struct{ msg string }

func (e *conflict) Error() string { return e.msg }
