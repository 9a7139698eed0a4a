package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

func newGatewayCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "gateway", Aliases: []string{"gateways", "gw"}, Short: "Show and change UM IP gateways"}
	list := &cobra.Command{
		Use: "list", Short: "List UM IP gateways", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				gws, err := d.Gateways(ctx)
				if err != nil {
					return err
				}
				t := cli.Table{Headers: []string{"name", "address", "port", "status", "mwi", "outcalls", "ip family", "hunt groups"}}
				for _, g := range gws {
					t.Rows = append(t.Rows, []string{g.Name, g.Address, fmt.Sprint(g.Port), g.Status, yesNo(g.MWI), yesNo(g.Outcalls), g.IPFamily, fmt.Sprint(len(g.HuntGroups))})
				}
				if gws == nil {
					gws = []ad.Gateway{}
				}
				return cli.Print(a.io, a.output, gws, t)
			})
		},
	}
	get := &cobra.Command{
		Use: "get NAME", Short: "Show one UM IP gateway (by name or address) with its hunt groups", Args: cobra.ExactArgs(1),
		ValidArgsFunction: onlyArgs(1, a.completeGateways),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				g, err := d.Gateway(ctx, args[0])
				if err != nil {
					return err
				}
				var hgs []string
				for _, h := range g.HuntGroups {
					hgs = append(hgs, fmt.Sprintf("%s (pilot %s, dial plan %s)", h.Name, h.Pilot, ad.FirstRDNValue(h.DialPlan)))
				}
				rows := [][]string{{"Name", g.Name}, {"DN", g.DN}, {"Address", g.Address}, {"Port", fmt.Sprint(g.Port)}, {"Status", g.Status},
					{"MWI allowed", yesNo(g.MWI)}, {"Outcalls allowed", yesNo(g.Outcalls)}, {"IP family", g.IPFamily},
					{"Flags / Flags2", fmt.Sprintf("%d / %d", g.Flags, g.Flags2)}, {"Hunt groups", strings.Join(hgs, "; ")}}
				return cli.Print(a.io, a.output, g, cli.Table{Headers: []string{"field", "value"}, Rows: rows, Wrap: true})
			})
		},
	}

	var (
		sm                                       mutateFlags
		address, status, ipFamily, mwi, outcalls string
		port                                     int
	)
	set := &cobra.Command{
		Use:   "set NAME",
		Short: "Change a UM IP gateway's address, port, status, message waiting, outcalls or IP family",
		Long: `Change a UM IP gateway. Only the attributes that differ are written, each as
"delete the old value, add the new" so that a concurrent change is reported
(exit 5) instead of overwritten. MWI and the IP family are bits of
msExchUMIPGatewayFlags/Flags2, encoded as Exchange does.`,
		Args: cobra.ExactArgs(1), ValidArgsFunction: onlyArgs(1, a.completeGateways),
		RunE: func(cmd *cobra.Command, args []string) error {
			var s ad.GatewaySettings
			fl := cmd.Flags()
			if fl.Changed("address") {
				s.Address = &address
			}
			if fl.Changed("port") {
				s.Port = &port
			}
			if fl.Changed("status") {
				s.Status = &status
			}
			if fl.Changed("ip-family") {
				s.IPFamily = &ipFamily
			}
			var err error
			if s.MWI, err = boolFlag(fl.Changed("mwi"), "mwi", mwi); err != nil {
				return err
			}
			if s.Outcalls, err = boolFlag(fl.Changed("outcalls"), "outcalls", outcalls); err != nil {
				return err
			}
			if s == (ad.GatewaySettings{}) {
				return cli.FlagErrorf("nothing to change: give at least one of --address, --port, --status, --mwi, --outcalls, --ip-family")
			}
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				p := &ad.Plan{}
				if err := d.PlanGatewaySet(ctx, p, ad.GatewaySetSpec{Gateway: args[0], GatewaySettings: s}); err != nil {
					return err
				}
				return a.runPlan(ctx, d, p, planRun{mutateFlags: sm, showUnchanged: true})
			})
		},
	}
	sm.register(set, false)
	set.Flags().StringVar(&address, "address", "", "FQDN or IP address of the gateway")
	set.Flags().IntVar(&port, "port", 0, "SIP port (0 = default)")
	set.Flags().StringVar(&status, "status", "", "enabled, disabled or no-new-calls")
	set.Flags().StringVar(&mwi, "mwi", "", "message waiting indicator allowed: true or false")
	set.Flags().StringVar(&outcalls, "outcalls", "", "outgoing calls allowed: true or false")
	set.Flags().StringVar(&ipFamily, "ip-family", "", "ipv4, ipv6 or any")
	_ = set.RegisterFlagCompletionFunc("status", cobra.FixedCompletions(ad.GatewayStatuses, cobra.ShellCompDirectiveNoFileComp))
	_ = set.RegisterFlagCompletionFunc("ip-family", cobra.FixedCompletions(ad.IPFamilies, cobra.ShellCompDirectiveNoFileComp))
	for _, f := range []string{"mwi", "outcalls"} {
		_ = set.RegisterFlagCompletionFunc(f, cobra.FixedCompletions([]string{"true", "false"}, cobra.ShellCompDirectiveNoFileComp))
	}

	var rm mutateFlags
	remove := &cobra.Command{
		Use: "remove NAME", Aliases: []string{"delete", "rm"}, Short: "Remove a UM IP gateway and its hunt groups",
		Args: cobra.ExactArgs(1), ValidArgsFunction: onlyArgs(1, a.completeGateways),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				p := &ad.Plan{}
				if err := d.PlanGatewayRemove(ctx, p, args[0]); err != nil {
					return err
				}
				return a.runPlan(ctx, d, p, planRun{mutateFlags: rm, confirm: "Remove gateway " + args[0] + " and its hunt groups?"})
			})
		},
	}
	rm.register(remove, true)
	cmd.AddCommand(list, get, set, remove)
	return cmd
}

func boolFlag(changed bool, name, v string) (*bool, error) {
	if !changed {
		return nil, nil
	}
	if b, ok := parseBool(v); ok {
		return &b, nil
	}
	return nil, cli.FlagErrorf("invalid value %q for --%s: %s", v, name, boolExpected)
}

// completeGateways completes gateway names from the directory.
func (a *app) completeGateways(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return a.completeFrom(func(ctx context.Context, d *ad.Dir) ([]string, error) {
		gws, err := d.Gateways(ctx)
		var out []string
		for _, g := range gws {
			out = append(out, cobra.CompletionWithDesc(g.Name, g.Address))
		}
		return out, err
	})(cmd, args, toComplete)
}
