package main

import (
	"context"
	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

func newPermissionCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "permission", Aliases: []string{"permissions", "perm"}, Short: "Show the UM read permissions Lync needs"}
	var adminGroups bool
	list := &cobra.Command{
		Use:   "list",
		Short: "List the ACEs the RTC groups need on the UM containers, and whether each is present",
		Long: `List the read permissions that 'umctl ucutil' (and ExchUCUtil.ps1) grant to
RTCUniversalServerAdmins and RTCComponentUniversalServices: List Contents on the
Exchange organization, List Contents + Read Property (inherited) on the UM
DialPlan and UM AutoAttendant containers, and with --include-admin-groups on
Administrative Groups. PRESENT says whether an explicit ACE grants at least that.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				trustees, err := d.RTCTrustees(ctx)
				if err != nil {
					return err
				}
				perms, err := d.Permissions(ctx, trustees, adminGroups)
				if err != nil {
					return err
				}
				t := cli.Table{Headers: []string{"object", "trustee", "rights", "inheritance", "present"}}
				for _, p := range perms {
					t.Rows = append(t.Rows, []string{p.Object, p.Trustee, p.Rights, p.Inherit, yesNo(p.Present)})
				}
				return cli.Print(a.io, a.output, perms, t)
			})
		},
	}
	list.Flags().BoolVar(&adminGroups, "include-admin-groups", false, "also the Administrative Groups container")
	cmd.AddCommand(list)
	return cmd
}
