package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/sipprobe"
)

func newSIPCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "sip",
		Short: "SIP probes: OPTIONS, MWI NOTIFY and a test call toward gateways, Lync pools and UM servers",
		Long: `Probes that find what breaks voicemail before users do. Each sends real SIP
(UDP, TCP, TLS or mutual TLS) and reports what came back.

A target is a SIP URI: sip:host[:port][;transport=udp|tcp|tls] or sips:host[:port]
(transport UDP by default, TLS for sips:; port 5060, 5061 for TLS).

Each probe waits for an answer as long as the global --timeout says, else
UMCTL_TIMEOUT, else 5s (not the directory's 10s; a profile's timeout is for
the directory only).`,
		Args: cobra.NoArgs,
	}
	cmd.AddCommand(newSIPOptionsCmd(a), newSIPMWICmd(a), newSIPCallCmd(a))
	return cmd
}

// defaultProbeTimeout is a probe's wait when neither --timeout nor
// UMCTL_TIMEOUT is set.
const defaultProbeTimeout = 5 * time.Second

// probeFlags are the flags every probe shares; the timeout is the global one.
type probeFlags struct {
	conf sipprobe.Config
	conn *connFlags
}

func (p *probeFlags) register(cmd *cobra.Command, a *app) {
	p.conn = &a.conn
	registerTLSFlags(cmd, &p.conf)
}

// check validates the shared flags (exit 2 naming the flag).
func (p *probeFlags) check() error {
	t, err := p.conn.probeTimeout()
	if err != nil {
		return err
	}
	p.conf.Timeout = t
	return checkTLSFlags(p.conf)
}

// probeTimeout is the global --timeout if given, else UMCTL_TIMEOUT, else
// defaultProbeTimeout (exit 2 naming the flag or variable when not positive).
func (c *connFlags) probeTimeout() (time.Duration, error) {
	if c.cmd.PersistentFlags().Changed("timeout") {
		if c.timeout <= 0 {
			return 0, cli.FlagErrorf("--timeout %s: want a positive duration, e.g. 5s", c.timeout)
		}
		return c.timeout, nil
	}
	if v := os.Getenv("UMCTL_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil || d <= 0 {
			return 0, cli.FlagErrorf("UMCTL_TIMEOUT %q: want a positive duration, e.g. 5s", v)
		}
		return d, nil
	}
	return defaultProbeTimeout, nil
}

// parseTarget parses a URI argument or flag value; name is the flag ("" for the argument).
func parseTarget(name, s string) (sipprobe.Target, error) {
	t, err := sipprobe.ParseTarget(s)
	if err != nil {
		if name == "" {
			name = "URI"
		}
		return t, cli.FlagErrorf("%s: %s", name, invalidText(err))
	}
	return t, nil
}

// invalidText is a sipprobe.ErrInvalid error without its prefix.
func invalidText(err error) string {
	return strings.TrimPrefix(err.Error(), sipprobe.ErrInvalid.Error()+": ")
}

// probeError maps a probe error to its exit code: 4 for a TLS trust failure,
// 2 for bad input, 1 otherwise.
func probeError(err error) error {
	var te *sipprobe.TrustError
	switch {
	case errors.As(err, &te):
		return cli.WithCode(cli.ExitAuth, err)
	case errors.Is(err, sipprobe.ErrInvalid):
		return cli.WithCode(cli.ExitUsage, err)
	}
	return cli.WithCode(cli.ExitFailure, err)
}

// probeTarget parses the URI argument, then checks the shared flags.
func (p *probeFlags) probeTarget(arg string) (sipprobe.Target, error) {
	t, err := parseTarget("", arg)
	if err != nil {
		return t, err
	}
	return t, p.check()
}

// printResult prints v as JSON or YAML (-o json|yaml), else as text.
func printResult(a *app, v any, text func(io.Writer)) error {
	switch a.output {
	case "yaml":
		return cli.WriteYAML(a.io.Out, v)
	case "json":
		return cli.WriteJSON(a.io.Out, v)
	}
	text(a.io.Out)
	return nil
}

// printAnswer prints where a request went, the TLS chain and the answer.
func printAnswer(w io.Writer, r *sipprobe.Answer) {
	fmt.Fprintf(w, "target:     %s (%s %s)\n", cli.EscapeTerminal(r.Target), r.Transport, r.Address)
	if len(r.Chain) > 0 {
		fmt.Fprintln(w, "tls chain:")
		printChain(w, r.Chain)
	}
	if r.Status == 0 {
		return
	}
	fmt.Fprintf(w, "status:     %d %s\n", r.Status, cli.EscapeTerminal(r.Reason))
	fmt.Fprintf(w, "round trip: %s\n", r.RTT.Round(10*time.Microsecond))
}

func optional(w io.Writer, name, v string) {
	if v != "" {
		fmt.Fprintf(w, "%-11s %s\n", name+":", cli.EscapeTerminal(v))
	}
}

// finish turns a probe's outcome into the exit status: the error's code, or
// 1 (silently: the answer is printed) when the answer is not 2xx.
func finish(ans *sipprobe.Answer, err error) error {
	if err != nil {
		return probeError(err)
	}
	if !ans.OK() {
		return &cli.SilentError{Code: cli.ExitFailure}
	}
	return nil
}

func printChain(w io.Writer, chain []sipprobe.CertInfo) {
	for i, c := range chain {
		fmt.Fprintf(w, "  cert %d:   %s\n", i, cli.EscapeTerminal(c.Subject))
		if len(c.Names) > 0 {
			fmt.Fprintf(w, "    names:  %s\n", cli.EscapeTerminal(strings.Join(c.Names, ", ")))
		}
		fmt.Fprintf(w, "    issuer: %s\n", cli.EscapeTerminal(c.Issuer))
		fmt.Fprintf(w, "    expires: %s (%s)\n", c.NotAfter.UTC().Format(time.RFC3339), expiresIn(c.NotAfter))
	}
}

func expiresIn(t time.Time) string {
	d := time.Until(t)
	if d < 0 {
		return "EXPIRED"
	}
	if d < 48*time.Hour {
		return "in " + d.Round(time.Minute).String()
	}
	return fmt.Sprintf("in %d days", int(d.Hours()/24))
}
