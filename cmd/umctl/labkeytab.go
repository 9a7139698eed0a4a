package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
)

func newLabKeytabCmd(open func() (*lab.Lab, error)) *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "keytab ACCOUNT",
		Short: "Export a keytab for a lab account (for --auth kerberos --keytab)",
		Long: `Export the Kerberos keys of a lab account (a sAMAccountName such as
Administrator) into a keytab file, mode 0600, with samba-tool. Then:

  eval "$(umctl lab env)"     # KRB5_CONFIG names the lab's KDC
  umctl lab keytab Administrator --out /tmp/admin.keytab
  umctl --auth kerberos --keytab /tmp/admin.keytab --principal Administrator@LAB.UMCTL.TEST pool list

The keytab holds the account's keys: treat it like its password.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			l, err := open()
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			if out == "" {
				return cli.FlagErrorf("--out is required: the keytab file to write")
			}
			if err := l.Keytab(cmd.Context(), args[0], out); err != nil {
				return err
			}
			_, err = fmt.Fprintf(cmd.ErrOrStderr(), "lab: keytab of %s@%s written to %s\n", args[0], lab.Realm, out)
			return err
		},
	}
	cmd.Flags().StringVar(&out, "out", "", "the keytab file to write (replaced if it exists)")
	return cmd
}
