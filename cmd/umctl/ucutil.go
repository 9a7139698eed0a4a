package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

func newUCUtilCmd(a *app) *cobra.Command {
	var (
		m                  mutateFlags
		verify, adminGroup bool
		outcalls           string
		forest             string
	)
	cmd := &cobra.Command{
		Use:   "ucutil",
		Short: "Do what ExchUCUtil.ps1 does, incrementally: UM IP gateways, hunt groups and read permissions for Lync",
		Long: `Prepare Exchange UM for Lync/OCS/Skype for Business, as ExchUCUtil.ps1 does,
without its defects:

  1. finds every pool (OCS 2007 level or later, with an FQDN) in every Pools
     container of the forest, and classifies Lync 2010+ and branch (SBA) pools;
  2. grants RTCUniversalServerAdmins and RTCComponentUniversalServices List
     Contents on the Exchange organization (this object only) and List Contents +
     Read Property (inherited) on the UM DialPlan and UM AutoAttendant containers
     (--include-admin-groups: also on Administrative Groups), adding only missing
     ACEs in canonical order, never removing or reordering others;
  3. creates one UM IP gateway per pool (address = pool FQDN, matched
     case-insensitively and without a trailing dot), message waiting allowed
     only for Lync 2010+ non-branch pools, outcalls off for branch pools; a
     gateway named after a pool whose address was changed by hand is that
     pool's gateway, and its address is set back to the pool's FQDN;
  4. creates one hunt group per SIP URI dial plan under each of those gateways
     (name = dial plan name, pilot = first label of its phone context), fixing
     what differs and never deleting hunt groups (ExchUCUtil deletes and
     recreates them all on every run).

It prints the plan first. --dry-run stops there; --verify also stops there and
exits 3 when something would change (0 when nothing would). A second run reports
no changes and writes nothing. Missing UM containers are created as Exchange
would; missing RTC groups, an Exchange organization without the UM schema, or an
unknown --outcalls-gateway are errors, and then nothing is written.
After the first run, restart the Lync Front End service on each pool.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if forest != "" {
				if cmd.Flags().Changed("gc") {
					return cli.FlagErrorf("--gc and --forest cannot be used together")
				}
				if err := cmd.Flags().Set("gc", "ldaps://"+forest+":3269"); err != nil {
					return err
				}
			}
			ctx := cmd.Context()
			d, err := a.connect(ctx)
			if err != nil {
				return err
			}
			defer d.Close()
			opts := ad.UCUtilOptions{IncludeAdminGroups: adminGroup, OutcallsGateway: outcalls}
			if src, err := d.GlobalCatalog(ctx); err != nil {
				return err
			} else if src != nil {
				opts.Source = src
			}
			res := &ad.UCUtilResult{}
			opts.Report = res
			if err := d.PlanUCUtil(ctx, &ad.Plan{}, opts); err != nil {
				return err
			}
			if err := a.runPlan(ctx, d, res.Plan, planRun{mutateFlags: mutateFlags{dryRun: m.dryRun || verify, yes: m.yes},
				showUnchanged: true, result: res}); err != nil {
				return err
			}
			if verify && res.Plan.Pending() > 0 {
				return &cli.SilentError{Code: cli.ExitPartial}
			}
			if !m.dryRun && !verify && res.NewGateways > 0 {
				fmt.Fprintln(a.io.ErrOut, "Next: restart the Lync/Skype for Business Front End service on each pool so that it reads the new UM IP gateways and permissions (the deployment documentation requires it after the first run).")
			}
			return nil
		},
	}
	m.register(cmd, false)
	f := cmd.Flags()
	f.BoolVar(&verify, "verify", false, "write nothing; exit 0 when nothing would change, 3 when something would")
	f.BoolVar(&adminGroup, "include-admin-groups", false, "also grant read access on CN=Administrative Groups (Exchange 2010 UM servers live there)")
	f.StringVar(&outcalls, "outcalls-gateway", "", "keep outcalls allowed only on this gateway; turn them off on every other one")
	f.StringVar(&forest, "forest", "", "read pools and RTC groups from the global catalog of this forest (--gc ldaps://FOREST:3269)")
	_ = cmd.RegisterFlagCompletionFunc("outcalls-gateway", a.completeGateways)
	return cmd
}
