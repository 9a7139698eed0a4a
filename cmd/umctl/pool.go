package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

func newPoolCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{Use: "pool", Aliases: []string{"pools"}, Short: "Show Lync/OCS/Skype for Business pools"}
	list := &cobra.Command{
		Use:   "list",
		Short: "List the pools of every Pools container in the forest",
		Long: `List the registrar pools in every msRTCSIP-Pools container: the Configuration
partition (Lync 2010 and later) and the root domain's System container (OCS 2007/R2).
BRANCH is yes for Survivable Branch Appliances/Servers (ExtendedType=RemoteRegistrar).`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				pools, err := d.Pools(ctx)
				if err != nil {
					return err
				}
				t := cli.Table{Headers: []string{"fqdn", "name", "product", "version", "branch", "container"}, WideOnly: []int{5}}
				for _, p := range pools {
					t.Rows = append(t.Rows, []string{p.FQDN, p.Name, p.Product, fmt.Sprintf("0x%x", p.Version), yesNo(p.Branch), p.Container})
				}
				if pools == nil {
					pools = []ad.Pool{}
				}
				return cli.Print(a.io, a.output, pools, t)
			})
		},
	}
	cmd.AddCommand(list)
	return cmd
}

// completePools completes pool FQDNs from the directory.
func (a *app) completePools(cmd *cobra.Command, args []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	return a.completeFrom(func(ctx context.Context, d *ad.Dir) ([]string, error) {
		pools, err := d.Pools(ctx)
		var out []string
		for _, p := range pools {
			out = append(out, cobra.CompletionWithDesc(p.FQDN, p.Product))
		}
		return out, err
	})(cmd, args, toComplete)
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}
