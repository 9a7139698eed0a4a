package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"time"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/auth"
	"github.com/umctl/umctl/internal/cli"
)

// connFlags are the global connection flags.
type connFlags struct {
	cmd                          *cobra.Command
	server, bindDN, passwordFile string
	caFile, profile              string
	insecure                     bool
	timeout                      time.Duration
	auth                         authFlags
	chosen                       authChoice        // resolved by settings
	gc                           string            // --gc as given
	gcURL                        string            // resolved by settings: flag, UMCTL_GC or profile key gc
	domainServer                 []string          // --domain-server DOMAIN=URL, as given
	domainServers                map[string]string // resolved by settings: flag, UMCTL_DOMAIN_SERVERS or profile key domain-servers
}

func (c *connFlags) register(root *cobra.Command) {
	c.cmd = root
	pf := root.PersistentFlags()
	pf.StringVar(&c.server, "server", "", "domain controller URL: ldaps://host[:port] or ldap://host[:port] with StartTLS (UMCTL_SERVER)")
	pf.StringVar(&c.bindDN, "bind-dn", "", "bind identity: a DN, user@domain or DOMAIN\\user (UMCTL_BIND_DN)")
	pf.StringVar(&c.passwordFile, "bind-password-file", "", "read the bind password from this file (UMCTL_BIND_PASSWORD_FILE)")
	pf.StringVar(&c.caFile, "ca-file", "", "PEM file with the CA certificate(s) to trust (UMCTL_CA_FILE)")
	pf.BoolVar(&c.insecure, "insecure-skip-tls-verify", false, "do not verify the server certificate (insecure; UMCTL_INSECURE_SKIP_TLS_VERIFY)")
	pf.DurationVar(&c.timeout, "timeout", 0, "timeout for connecting and for each request (UMCTL_TIMEOUT; default 10s; the sip probes wait 5s)")
	pf.StringVar(&c.profile, "profile", "", "profile of the config file to use (UMCTL_PROFILE)")
	pf.StringVar(&c.gc, "gc", "", "global catalog for forest-wide uniqueness checks and lookups, e.g. ldaps://gc1.contoso.com:3269; each write then goes to a DC of its object's domain (UMCTL_GC)")
	pf.StringArrayVar(&c.domainServer, "domain-server", nil, "DOMAIN=URL: the domain controller that takes writes to objects of that domain, e.g. child.contoso.com=ldaps://dc1.child.contoso.com (repeatable; UMCTL_DOMAIN_SERVERS; others are found in DNS)")
	c.auth.register(root)
	_ = root.RegisterFlagCompletionFunc("profile", func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		cfg, err := cli.LoadConfig()
		if err != nil {
			return nil, cobra.ShellCompDirectiveError
		}
		return cfg.ProfileNames(), cobra.ShellCompDirectiveNoFileComp
	})
}

// pick returns the flag value if the flag was given, else the environment
// variable, else the profile value.
func (c *connFlags) pick(flag, flagVal, env, profVal string) string {
	if c.cmd.PersistentFlags().Changed(flag) {
		return flagVal
	}
	if v := os.Getenv(env); v != "" {
		return v
	}
	return profVal
}

// settings resolves the connection settings without the password.
func (a *app) settings() (ad.Settings, string, error) {
	c := &a.conn
	cfg, err := cli.LoadConfig()
	if err != nil {
		return ad.Settings{}, "", err
	}
	prof, err := cfg.Profile(c.pick("profile", c.profile, "UMCTL_PROFILE", ""))
	if err != nil {
		return ad.Settings{}, "", err
	}
	s := ad.Settings{
		URL:    c.pick("server", c.server, "UMCTL_SERVER", prof.Server),
		BindDN: c.pick("bind-dn", c.bindDN, "UMCTL_BIND_DN", prof.BindDN),
		CAFile: c.pick("ca-file", c.caFile, "UMCTL_CA_FILE", prof.CAFile),
	}
	s.InsecureSkipVerify = truthy(c.pick("insecure-skip-tls-verify", fmt.Sprint(c.insecure), "UMCTL_INSECURE_SKIP_TLS_VERIFY", fmt.Sprint(prof.InsecureSkipTLSVerify)))
	if t := c.pick("timeout", c.timeout.String(), "UMCTL_TIMEOUT", prof.Timeout); t != "" && t != "0s" {
		d, err := time.ParseDuration(t)
		if err != nil || d <= 0 {
			return ad.Settings{}, "", cli.FlagErrorf("invalid timeout %q: expected a duration such as 10s or 1m", t)
		}
		s.Timeout = d
	}
	if _, err := ad.ParseServerURL(s.URL); err != nil {
		if s.URL == "" {
			return ad.Settings{}, "", cli.FlagErrorf("--server is required: give --server ldaps://dc1.contoso.com, set UMCTL_SERVER, or select a profile (see 'umctl help environment')")
		}
		return ad.Settings{}, "", cli.WithCode(cli.ExitUsage, err)
	}
	if c.gcURL = c.pick("gc", c.gc, "UMCTL_GC", prof.GC); c.gcURL != "" {
		if _, err := ad.ParseServerURL(c.gcURL); err != nil {
			return ad.Settings{}, "", cli.FlagErrorf("--gc %q: expected ldaps://host:3269 (a global catalog), or ldap://host:3268 with StartTLS", c.gcURL)
		}
	}
	if c.domainServers, err = c.resolveDomainServers(prof); err != nil {
		return ad.Settings{}, "", err
	}
	file := c.pick("bind-password-file", c.passwordFile, "UMCTL_BIND_PASSWORD_FILE", prof.BindPasswordFile)
	if c.chosen, err = a.chooseAuth(prof, file); err != nil {
		return ad.Settings{}, "", err
	}
	if s.BindDN == "" && c.chosen.mode == auth.ModeSimple {
		return ad.Settings{}, "", cli.FlagErrorf("--bind-dn is required: give --bind-dn, set UMCTL_BIND_DN, or select a profile (or use --auth kerberos)")
	}
	return s, file, nil
}

// password finds the bind password: a file, UMCTL_BIND_PASSWORD, or a prompt.
func (a *app) password(file, bindDN string) (string, error) {
	if file != "" {
		pw, err := cli.ReadPasswordFile("--bind-password-file", file)
		return pw, cli.WithCode(cli.ExitAuth, err)
	}
	if pw := os.Getenv("UMCTL_BIND_PASSWORD"); pw != "" {
		return pw, nil
	}
	if a.io.CanPrompt() {
		pw, err := a.prompter.Password("Password for " + bindDN)
		if err != nil {
			return "", err
		}
		if pw == "" {
			return "", cli.WithCode(cli.ExitAuth, fmt.Errorf("empty password"))
		}
		return pw, nil
	}
	return "", cli.WithCode(cli.ExitAuth, fmt.Errorf("no bind password: use --bind-password-file, UMCTL_BIND_PASSWORD_FILE or UMCTL_BIND_PASSWORD (umctl prompts only on a terminal)"))
}

// connect binds to the directory with the resolved settings.
func (a *app) connect(ctx context.Context) (*ad.Dir, error) { return a.connectTo(ctx, "") }

// connectTo binds with the resolved settings, to url instead of the server if set.
func (a *app) connectTo(ctx context.Context, url string) (*ad.Dir, error) {
	s, file, err := a.settings()
	if url != "" {
		s.URL = url
		if _, perr := ad.ParseServerURL(url); perr != nil {
			return nil, cli.WithCode(cli.ExitUsage, perr)
		}
	}
	if err != nil {
		return nil, err
	}
	if err := a.applyAuth(&s, a.conn.chosen, file); err != nil {
		return nil, err
	}
	if a.timeoutCap > 0 && (s.Timeout <= 0 || s.Timeout > a.timeoutCap) {
		s.Timeout = a.timeoutCap
	}
	if s.InsecureSkipVerify {
		fmt.Fprintln(a.io.ErrOut, "umctl: warning: TLS certificate verification is off (--insecure-skip-tls-verify); the connection and the password can be intercepted")
	}
	d, err := ad.Dial(ctx, s)
	if err == nil && url == "" && a.conn.gcURL != "" {
		gs := s
		gs.URL, gs.SPN = a.conn.gcURL, ""
		d.UseGlobalCatalog(gs)
	}
	if err == nil && url == "" && (a.conn.gcURL != "" || len(a.conn.domainServers) > 0 || d.IsGlobalCatalog()) {
		d.RouteWrites(a.conn.domainServers) // a forest of several domains: each write to its domain's DC
	}
	return d, err
}

// connected, when set, sees every connection withDir makes (tests count its round trips).
var connected func(*ad.Dir)

// withDir connects, runs fn with the command's context, and disconnects.
// The command runs on one processor (unless GOMAXPROCS is set): it is one
// LDAP conversation, whose every request and response go-ldap hands between
// goroutines (caller, sender, reader); on one processor these handoffs wake no
// other thread, which took a fifth of the client's CPU time off 5,000 adds
// from CSV, leaving it to the DC when both share a machine.
func (a *app) withDir(cmd *cobra.Command, fn func(ctx context.Context, d *ad.Dir) error) error {
	if os.Getenv("GOMAXPROCS") == "" {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(1))
	}
	d, err := a.connect(cmd.Context())
	if err != nil {
		return err
	}
	defer d.Close()
	if connected != nil {
		connected(d)
	}
	return fn(cmd.Context(), d)
}

// completeFrom turns a lister of "value\tdescription" strings into a completion
// function (see completeWith).
func (a *app) completeFrom(list func(ctx context.Context, d *ad.Dir) ([]string, error)) cobra.CompletionFunc {
	return a.completeWith(func(ctx context.Context, d *ad.Dir, _ string) ([]string, error) { return list(ctx, d) })
}
