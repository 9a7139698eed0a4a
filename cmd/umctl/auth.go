package main

import (
	"crypto/x509"
	"errors"
	"os"
	"runtime"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/auth"
	"github.com/umctl/umctl/internal/cli"
)

// authFlags are the global flags that choose how umctl authenticates.
type authFlags struct {
	mode, keytab, principal string
}

func (f *authFlags) register(root *cobra.Command) {
	pf := root.PersistentFlags()
	pf.StringVar(&f.mode, "auth", "", "authentication: simple, kerberos, negotiate (Windows logon) or auto (UMCTL_AUTH; default auto)")
	pf.StringVar(&f.keytab, "keytab", "", "Kerberos keytab file, with --principal (UMCTL_KEYTAB)")
	pf.StringVar(&f.principal, "principal", "", "Kerberos principal user@REALM for --keytab or a password (UMCTL_PRINCIPAL)")
	_ = root.RegisterFlagCompletionFunc("auth", cobra.FixedCompletions(auth.Modes, cobra.ShellCompDirectiveNoFileComp))
}

// authChoice is the resolved authentication of one run.
type authChoice struct {
	mode              auth.Mode
	keytab, principal string
}

// chooseAuth resolves --auth (auto by the rules of auth.Resolve) with the
// keytab and principal from flags, environment or profile.
func (a *app) chooseAuth(prof cli.Profile, passwordFile string) (authChoice, error) {
	c, f := &a.conn, &a.conn.auth
	m, err := auth.ParseMode(c.pick("auth", f.mode, "UMCTL_AUTH", prof.Auth))
	if err != nil {
		return authChoice{}, cli.FlagErrorf("%v", err)
	}
	ch := authChoice{
		keytab:    c.pick("keytab", f.keytab, "UMCTL_KEYTAB", prof.Keytab),
		principal: c.pick("principal", f.principal, "UMCTL_PRINCIPAL", prof.Principal),
	}
	ch.mode = auth.Resolve(m, auth.Hints{GOOS: runtime.GOOS, Keytab: ch.keytab, CCacheEnv: os.Getenv("KRB5CCNAME"),
		PasswordGiven: passwordFile != "" || os.Getenv("UMCTL_BIND_PASSWORD") != ""})
	if ch.mode == auth.ModeNegotiate && !auth.NegotiateSupported {
		_, err := auth.Negotiate(nil)
		return authChoice{}, cli.WithCode(cli.ExitUsage, err)
	}
	return ch, nil
}

// applyAuth fills the settings' credentials for the chosen mode.
func (a *app) applyAuth(s *ad.Settings, ch authChoice, passwordFile string) error {
	switch ch.mode {
	case auth.ModeNegotiate:
		s.GSSAPI = auth.Negotiate
		return nil
	case auth.ModeKerberos:
		k, err := a.kerberosSource(s.BindDN, ch, passwordFile)
		if err != nil {
			return err
		}
		s.GSSAPI = func(*x509.Certificate) (ldap.GSSAPIClient, error) { return k.Client() }
		return nil
	}
	if a.bindPassword == "" {
		pw, err := a.password(passwordFile, s.BindDN)
		if err != nil {
			return err
		}
		a.bindPassword = pw
	}
	s.Password = a.bindPassword
	return nil
}

// kerberosSource picks the Kerberos credential: a keytab; else the cache named
// by KRB5CCNAME; else a password from the usual sources; else the default
// cache; else a prompt for the principal's password on a terminal.
func (a *app) kerberosSource(bindDN string, ch authChoice, passwordFile string) (auth.Kerberos, error) {
	k := auth.Kerberos{Config: auth.Krb5ConfPath(os.Getenv("KRB5_CONFIG")), Keytab: ch.keytab, Principal: ch.principal}
	if k.Principal == "" && strings.Contains(bindDN, "@") && !strings.Contains(bindDN, "=") {
		k.Principal = bindDN // a user@domain bind identity is a principal too
	}
	if k.Keytab != "" {
		return k, nil
	}
	if env := os.Getenv("KRB5CCNAME"); env != "" {
		path, err := auth.CCachePath(env, os.Getuid())
		k.CCache = path
		return k, cli.WithCode(cli.ExitAuth, err)
	}
	byPassword := passwordFile != "" || os.Getenv("UMCTL_BIND_PASSWORD") != ""
	def, _ := auth.CCachePath("", os.Getuid())
	if _, err := os.Stat(def); err == nil && !byPassword {
		k.CCache = def
		return k, nil
	}
	if k.Principal == "" {
		return k, cli.WithCode(cli.ExitAuth, errors.New("--auth kerberos: no Kerberos credentials: set KRB5CCNAME to a file cache made by kinit, or give --keytab with --principal, or --principal with a password (--bind-password-file, UMCTL_BIND_PASSWORD or the prompt)"))
	}
	if a.bindPassword == "" {
		pw, err := a.password(passwordFile, k.Principal)
		if err != nil {
			return k, err
		}
		a.bindPassword = pw
	}
	k.Password = a.bindPassword
	return k, nil
}
