package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
)

type labOptions struct {
	dir, address string
	install      bool
}

func newLabCmd(a *app) *cobra.Command {
	o := &labOptions{}
	cmd := &cobra.Command{
		Use:   "lab",
		Short: "Run a throwaway Samba AD domain controller with the Exchange UM and Lync schema",
		Long: `A loopback-only Samba Active Directory domain controller, provisioned by umctl,
extended with the Exchange Unified Messaging and Lync schema classes umctl uses,
and seeded with a realistic forest: an Exchange organization with three UM dial
plans (SipDP: SIP URI, 4 digits; E164DP: E.164; TelExtnDP: 5 digits), two UM
servers, Lync pools (two front ends, a branch appliance, an OCS 2007 pool in the
legacy System container), the RTC groups, an OU for Exchange UM contacts and 36
users with SIP addresses, line URIs and EUM proxy addresses (users 33–36 carry
deliberate EUM defects for 'umctl eum check').

It is a test forest, never a copy of a production one: the schema's made-up
OIDs are marked as test-only. It needs root and the Debian Samba packages
('umctl lab up --install' installs them with apt-get).

  eval "$(umctl lab up)"      # start (provisioning takes about 15 s the first time)
  umctl dialplan list
  umctl lab seed --users 20000  # add scale users (about 1.5 min for 20,000)
  umctl lab reset             # back to the seeded state in a few seconds
  umctl lab down`,
	}
	pf := cmd.PersistentFlags()
	pf.StringVar(&o.dir, "dir", "", "lab directory (UMCTL_LAB_DIR; default /tmp/umctl-lab)")
	pf.StringVar(&o.address, "address", "", "loopback address to listen on, 127.x.y.z (default: the address the lab was made with, else 127.0.0.1)")
	open := func() (*lab.Lab, error) { return lab.Open(o.dir, o.address, a.io.ErrOut) }

	up := &cobra.Command{
		Use:   "up",
		Short: "Provision (if needed) and start the lab; print its environment",
		Long: `Provision the lab if it does not exist or its schema, seed or address changed,
start Samba, wait until LDAPS answers, and print the export lines of 'umctl lab env'
on stdout, so that eval "$(umctl lab up)" points umctl at the lab.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := open()
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			env, err := l.Up(cmd.Context(), o.install)
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(a.io.Out, env.Exports())
			return err
		},
	}
	up.Flags().BoolVar(&o.install, "install", false, "install the missing Debian packages with apt-get (root)")

	down := &cobra.Command{
		Use: "down", Short: "Stop the lab's Samba (only the process it started)", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := open()
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			return l.Down()
		},
	}
	status := &cobra.Command{
		Use: "status", Short: "Show whether the lab runs; exit 0 when it answers, 1 otherwise", Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := open()
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			s := l.Status(cmd.Context())
			err = cli.Print(a.io, a.output, s, cli.Table{
				Headers: []string{"state", "pid", "processes", "pss", "server", "dir"},
				Rows:    [][]string{{s.State, fmt.Sprint(s.PID), fmt.Sprint(s.Processes), fmt.Sprintf("%d MiB", s.PSSMiB), s.Server, s.Dir}},
			})
			if err == nil && s.State != "running" {
				return &cli.SilentError{Code: cli.ExitFailure}
			}
			return err
		},
	}
	env := &cobra.Command{
		Use:   "env",
		Short: "Print shell export lines for UMCTL_SERVER, UMCTL_BIND_DN, UMCTL_BIND_PASSWORD, UMCTL_CA_FILE and KRB5_CONFIG",
		Long: `Print shell export lines for exactly the variables umctl reads, so that
eval "$(umctl lab env)" points umctl at the lab. For ldapsearch, add
LDAPTLS_CACERT="$UMCTL_CA_FILE" and use -H "$UMCTL_SERVER" -D "$UMCTL_BIND_DN" -w "$UMCTL_BIND_PASSWORD".
The password is the lab's own random administrator password (file DIR/admin-password, 0600).
KRB5_CONFIG names DIR/krb5.conf, which finds the lab's KDC (realm LAB.UMCTL.TEST) on
the lab's address: kinit, 'umctl lab keytab' and --auth kerberos work against it.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := open()
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			e, err := l.Env()
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(a.io.Out, e.Exports())
			return err
		},
	}
	var resetUsers int
	reset := &cobra.Command{
		Use: "reset [--users N]", Short: "Return the lab to its freshly seeded state (a few seconds) and start it", Args: cobra.NoArgs,
		Long: `Return the lab to its freshly seeded state (a few seconds) and start it.

With --users N, the seeded state plus N scale users (see 'umctl lab seed'): the
first time for a given N this resets, seeds and keeps a snapshot of the result
(minutes for tens of thousands of users); later it restores that snapshot in
seconds. The snapshot is dropped when the lab is re-provisioned.`,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := open()
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			var e lab.Env
			if cmd.Flags().Changed("users") {
				if resetUsers < 1 || resetUsers > lab.MaxScaleUsers {
					return cli.WithCode(cli.ExitUsage, fmt.Errorf("--users %d: expected 1 to %d", resetUsers, lab.MaxScaleUsers))
				}
				e, _, err = l.ResetScale(cmd.Context(), resetUsers)
			} else {
				e, err = l.Reset(cmd.Context())
			}
			if err != nil {
				return err
			}
			_, err = fmt.Fprint(a.io.Out, e.Exports())
			return err
		},
	}
	reset.Flags().IntVar(&resetUsers, "users", 0, fmt.Sprintf("also N scale users, 1 to %d, from a snapshot kept the first time", lab.MaxScaleUsers))
	cmd.AddCommand(up, down, status, env, reset, newLabSeedCmd(a, open), newLabKeytabCmd(open))
	return cmd
}

func newLabSeedCmd(a *app, open func() (*lab.Lab, error)) *cobra.Command {
	var users int
	cmd := &cobra.Command{
		Use:   "seed --users N",
		Short: "Add N scale users (UPN, SIP address, line URI, EUM addresses) to the running lab",
		Long: `Add users scale000001 … scaleN under OU=Scale Users of the running lab, each
with a UPN, a SIP address (msRTCSIP-PrimaryUserAddress), a line URI
(msRTCSIP-Line) and EUM proxy addresses, spread round-robin over the three
seeded dial plans: SipDP (EUM:<sip name> and a 4-digit extension from 2001),
E164DP (EUM:+4723nnnnnn) and TelExtnDP (5-digit extensions from 50001).

Only the missing users are added, so a re-run with the same N writes nothing,
and a larger N adds the difference. 'umctl lab reset' returns to the seed
without them. 20,000 users take about 1.5 minutes on 2 cores.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			l, err := open()
			if err != nil {
				return cli.WithCode(cli.ExitUsage, err)
			}
			if !cmd.Flags().Changed("users") {
				return cli.FlagErrorf("--users is required: the number of scale users, 1 to %d", lab.MaxScaleUsers)
			}
			if users < 1 || users > lab.MaxScaleUsers {
				return cli.WithCode(cli.ExitUsage, fmt.Errorf("--users %d: expected 1 to %d", users, lab.MaxScaleUsers))
			}
			res, err := l.Seed(cmd.Context(), users)
			if err != nil {
				return err
			}
			return cli.Print(a.io, a.output, res, cli.Table{
				Headers: []string{"added", "present", "seconds"},
				Rows:    [][]string{{fmt.Sprint(res.Added), fmt.Sprint(res.Present), fmt.Sprintf("%.1f", res.Seconds)}},
			})
		},
	}
	cmd.Flags().IntVar(&users, "users", 0, fmt.Sprintf("number of scale users the lab should hold, 1 to %d (required)", lab.MaxScaleUsers))
	return cmd
}
