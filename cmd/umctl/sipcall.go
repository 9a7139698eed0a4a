package main

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/sipprobe"
)

func newSIPCallCmd(a *app) *cobra.Command {
	var pf probeFlags
	var hangup time.Duration
	cmd := &cobra.Command{
		Use:   "call URI",
		Short: "Place a test call (INVITE with SDP, follows redirects, ACK, BYE; no media)",
		Long: `Place a test call to URI, as Test-CsExUmConnectivity does: an INVITE with an SDP
audio offer, following 3xx redirects (the Exchange 2013+ UM call router answers
302 toward the mailbox server). Each hop and its final answer are reported; an
answered call is acknowledged, held for --hangup-after and ended with BYE. No
media is sent.

Each hop waits --timeout for its final answer; a hop that rang is cancelled then.
Exit status: 0 when the call was answered and ended, 1 when it was refused, not
answered or the BYE failed, 4 on a TLS trust failure, 2 on bad input.`,
		Example: `  umctl sip call 'sip:+4721000000@um01.contoso.com;transport=tls' --tls-ca ca.pem --cert lync.pem --key lync-key.pem
  umctl sip call sip:subscriber-access@um01.contoso.com --from sip:alice@contoso.com --hangup-after 5s`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := pf.probeTarget(args[0])
			if err != nil {
				return err
			}
			if pf.conf.From != "" {
				if _, err := parseTarget("--from", pf.conf.From); err != nil {
					return err
				}
			}
			if hangup < 0 {
				return cli.FlagErrorf("--hangup-after %s: want 0 or a positive duration, e.g. 2s", hangup)
			}
			res, err := sipprobe.Call(cmd.Context(), t, pf.conf, hangup)
			if perr := printResult(a, res, func(w io.Writer) { printCall(w, res) }); perr != nil {
				return perr
			}
			if err != nil {
				return probeError(err)
			}
			if !res.Answered || res.ByeStatus/100 != 2 {
				return &cli.SilentError{Code: cli.ExitFailure}
			}
			return nil
		},
	}
	cmd.Flags().StringVar(&pf.conf.From, "from", "", "From URI (default: sip:umctl@<local address>)")
	cmd.Flags().DurationVar(&hangup, "hangup-after", 2*time.Second, "how long to hold an answered call before BYE")
	pf.register(cmd, a)
	return cmd
}

func printCall(w io.Writer, r *sipprobe.CallResult) {
	for i, h := range r.Hops {
		fmt.Fprintf(w, "hop %d\n", i+1)
		printAnswer(indent{w}, &h.Answer)
		if len(h.Provisional) > 0 {
			p := make([]string, len(h.Provisional))
			for j, s := range h.Provisional {
				p[j] = fmt.Sprint(s)
			}
			optional(indent{w}, "provisional", strings.Join(p, ", "))
		}
		optional(indent{w}, "redirect", h.Contact)
	}
	if r.Answered {
		fmt.Fprintf(w, "answered: held %s, BYE answered %d\n", r.Held.Round(time.Millisecond), r.ByeStatus)
	}
}

// indent writes each line two spaces in.
type indent struct{ w io.Writer }

func (i indent) Write(p []byte) (int, error) {
	lines := strings.SplitAfter(string(p), "\n")
	var b strings.Builder
	for _, l := range lines {
		if l != "" {
			b.WriteString("  " + l)
		}
	}
	if _, err := io.WriteString(i.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}
