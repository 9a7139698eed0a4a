package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/build"
	"github.com/umctl/umctl/internal/cli"
)

// app holds what every command shares: streams, global flags, the prompter.
type app struct {
	io       *cli.IOStreams
	prompter cli.Prompter
	conn     connFlags
	output   string
	wide     bool // --wide: -o wide
	noInput  bool
	verbose  bool // -v: every warning of a plan
	started  bool // a command's own code ran (errors before that are usage errors)
	// bindPassword is resolved once per run (a second connection, --gc, reuses it).
	bindPassword string
	// timeoutCap, when set, bounds the connection timeout (shell completion).
	timeoutCap time.Duration
}

func newApp(io *cli.IOStreams) *app {
	return &app{io: io, prompter: cli.HuhPrompter{IO: io}}
}

func newRootCmd(a *app) *cobra.Command {
	root := &cobra.Command{
		Use:   "umctl",
		Short: "Exchange Unified Messaging and Lync/Skype for Business in Active Directory, from one binary",
		Long: `umctl provisions what Exchange Unified Messaging and Lync/OCS/Skype for Business
share in Active Directory: UM IP gateways, hunt groups and read permissions
(ExchUCUtil.ps1), Exchange UM contacts (the *-CsExUmContact cmdlets, OcsUmUtil)
and EUM proxy addresses. Every change is shown as a plan before it is written.

Connection settings come from flags, then UMCTL_* environment variables, then the
profile in the config file (see 'umctl help environment'). 'umctl lab up' starts a
throwaway Samba AD domain controller with the Exchange and Lync schema to try it on.`,
		Version:       build.Get().String(),
		SilenceErrors: true,
		SilenceUsage:  true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			if err := cmd.ValidateRequiredFlags(); err != nil { // cobra checks them after this hook, as a plain error (exit 1)
				return &cli.FlagError{Err: err}
			}
			a.started = true
			if err := checkInputs(cmd, args); err != nil {
				return err
			}
			if a.noInput || truthy(os.Getenv("UMCTL_NO_INPUT")) {
				a.io.NoInput = true
			}
			if a.wide {
				if a.output != "" && a.output != "wide" {
					return cli.FlagErrorf("--wide is -o wide: give one of --wide and -o %s", a.output)
				}
				a.output = "wide"
			}
			return cli.ValidateOutput(a.output)
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.SetOut(a.io.Out)
	root.SetErr(a.io.ErrOut)
	root.SetIn(a.io.In)
	root.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &cli.FlagError{Err: err} })
	pf := root.PersistentFlags()
	a.conn.register(root)
	pf.StringVarP(&a.output, "output", "o", "", "output format: table, wide, tsv, csv, json or yaml (default: table on a terminal, tsv when piped)")
	pf.BoolVar(&a.io.NoHeaders, "no-headers", false, "no header row in tsv and csv output (scripts that read rows)")
	pf.BoolVar(&a.wide, "wide", false, "the table with every column at full length (same as -o wide)")
	pf.BoolVar(&a.noInput, "no-input", false, "never prompt; fail when a required value is missing (also UMCTL_NO_INPUT=1)")
	pf.BoolVarP(&a.verbose, "verbose", "v", false, "print every warning of a plan (alike ones, one per object, are otherwise summarised in one line)")
	_ = root.RegisterFlagCompletionFunc("output", cobra.FixedCompletions(cli.OutputFormats, cobra.ShellCompDirectiveNoFileComp))

	root.AddCommand(newVersionCmd(a), newLabCmd(a), newDialPlanCmd(a), newPoolCmd(a), newUCUtilCmd(a), newGatewayCmd(a), newHuntGroupCmd(a), newPermissionCmd(a), newContactCmd(a), newEUMCmd(a), newDoctorCmd(a), newRelayCmd(a), newSIPCmd(a))
	root.AddCommand(newSchemaCmd(a), newExportCmd(a), newPlanCmd(a), newApplyCmd(a))
	root.AddCommand(helpTopic("exit-codes", "Exit codes of umctl", cli.ExitCodesHelp))
	root.AddCommand(helpTopic("environment", "Environment variables and the config file", environmentHelp))
	root.AddCommand(newManCmd(a))
	strictCommands(root)
	return root
}

// run executes umctl with args and returns the exit code.
func run(args []string, io *cli.IOStreams) int { return runWith(args, io, nil) }

// runWith is run with another prompter (tests answer prompts with it).
func runWith(args []string, io *cli.IOStreams, p cli.Prompter) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	a := newApp(io)
	a.prompter = cli.HuhPrompter{IO: io, Ctx: ctx} // Ctrl-C ends a prompt at once, also in accessible mode
	if p != nil {
		a.prompter = p
	}
	root := newRootCmd(a)
	root.SetArgs(args)
	cmd, err := root.ExecuteContextC(ctx)
	if err == nil {
		return cli.ExitOK
	}
	code := exitCode(err, a.started)
	if code == cli.ExitInterrupted && ctx.Err() != nil {
		fmt.Fprintln(io.ErrOut, "umctl: interrupted")
		return code
	}
	var silent *cli.SilentError
	if errors.As(err, &silent) {
		return silent.Code
	}
	fmt.Fprintf(io.ErrOut, "umctl: %s\n", asFlags(err, nil))
	var fe *cli.FlagError
	if code == cli.ExitUsage && cmd != nil && (errors.As(err, &fe) || !a.started) {
		fmt.Fprintf(io.ErrOut, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return code
}

func exitCode(err error, started bool) int {
	var ee *cli.ExitError
	var fe *cli.FlagError
	var se *cli.SilentError
	switch {
	case errors.As(err, &se):
		return se.Code
	case errors.As(err, &ee):
		return ee.Code
	case errors.As(err, &fe), errors.Is(err, ad.ErrInvalid):
		return cli.ExitUsage
	case errors.Is(err, ad.ErrAuth):
		return cli.ExitAuth
	case errors.Is(err, ad.ErrConflict): // wherever it comes from: exists and differs, changed since read, a race lost
		return cli.ExitConflict
	case errors.Is(err, cli.ErrCancelled), errors.Is(err, context.Canceled):
		return cli.ExitInterrupted
	case !started: // cobra's own errors: unknown command, wrong number of arguments
		return cli.ExitUsage
	}
	return cli.ExitFailure
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "0", "false", "no", "off":
		return false
	}
	return true
}

func helpTopic(name, short, long string) *cobra.Command {
	return &cobra.Command{Use: name, Short: short, Long: long}
}

const environmentHelp = `Connection settings are taken from, in this order: a flag, an environment
variable, the selected profile of the config file, a default.

  UMCTL_SERVER                    --server        ldaps://dc1.contoso.com, or ldap://… (StartTLS is then required)
  UMCTL_BIND_DN                   --bind-dn       a DN, user@domain or DOMAIN\user
  UMCTL_BIND_PASSWORD_FILE        --bind-password-file   a file whose first line is the password
  UMCTL_BIND_PASSWORD             (no flag)       the password itself, for CI secret stores
  UMCTL_CA_FILE                   --ca-file       PEM file of the CA that issued the DC's certificate
  UMCTL_INSECURE_SKIP_TLS_VERIFY  --insecure-skip-tls-verify   turn certificate checks off (warns)
  UMCTL_TIMEOUT                   --timeout       per-request timeout (default 10s; the sip probes' wait, default 5s)
  UMCTL_PROFILE                   --profile       the profile of the config file to use
  UMCTL_GC                        --gc            global catalog (ldaps://gc1.contoso.com:3269) for forest-wide
                                                  uniqueness checks and ucutil's pools and groups; each write then
                                                  goes to a DC of its object's domain
  UMCTL_DOMAIN_SERVERS            --domain-server DOMAIN=URL entries (commas or spaces between): the DC that takes
                                                  writes to that domain's objects; others are found in DNS
  UMCTL_AUTH                      --auth          simple, kerberos, negotiate (Windows logon) or auto (default)
  UMCTL_KEYTAB                    --keytab        Kerberos keytab file (the path; its keys are never printed)
  UMCTL_PRINCIPAL                 --principal     Kerberos principal user@REALM for a keytab or a password
  KRB5CCNAME                                      Kerberos file credential cache (FILE:path or a path), from kinit
  KRB5_CONFIG                                     krb5.conf naming the realm's KDCs (default /etc/krb5.conf)
  UMCTL_NO_INPUT                  --no-input      never prompt
  UMCTL_CONFIG_DIR                                where config.yaml lives (default $XDG_CONFIG_HOME/umctl,
                                                  else ~/.config/umctl)
  UMCTL_LAB_DIR                   --dir           the lab directory of 'umctl lab' (default /tmp/umctl-lab)
  UMCTL_ACCESSIBLE, ACCESSIBLE                    plain line prompts instead of the full-screen form
  COLUMNS                                         the width tables are fitted to (default: the terminal's)
  UMCTL_APPLY_PIPELINE                            bulk writes: requests in flight per connection (default 4)
  UMCTL_APPLY_CONNECTIONS                         bulk writes: connections to the DC (default 1; more made Samba slower)
  UMCTL_SEARCH_PIPELINE                           bulk lookups: batched searches in flight (default 4)

--auth auto is kerberos when a keytab is configured, simple when a bind password
(file or UMCTL_BIND_PASSWORD) is given, negotiate on Windows, kerberos when KRB5CCNAME
is set, else simple. Kerberos and negotiate bind with SASL GSSAPI over LDAPS or
StartTLS and need no --bind-dn; the service principal is ldap/<DC host name>.

The password is never taken from the command line. Without a password file or
UMCTL_BIND_PASSWORD, umctl asks for it on a terminal, and otherwise fails with exit code 4.

config.yaml:

  current-profile: contoso
  profiles:
    contoso:
      server: ldaps://dc1.contoso.com
      bind-dn: svc-umctl@contoso.com
      bind-password-file: /etc/umctl/bind-password   # a path; the file is 0600
      ca-file: /etc/ssl/certs/contoso-root.pem
      timeout: 15s
      # auth: kerberos                              # or simple, negotiate, auto
      # keytab: /etc/umctl/svc-umctl.keytab         # a path; the file is 0600
      # principal: svc-umctl@CONTOSO.COM

A password in the config file is refused.
`
