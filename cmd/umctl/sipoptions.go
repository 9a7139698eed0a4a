package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/sipprobe"
)

func newSIPOptionsCmd(a *app) *cobra.Command {
	var pf probeFlags
	cmd := &cobra.Command{
		Use:   "options URI",
		Short: "Send OPTIONS and show the answer, the round trip and (TLS) the certificate chain",
		Long: `Send a SIP OPTIONS to URI over UDP, TCP, TLS or mutual TLS (--cert) and print the
status, the round trip, the server's User-Agent/Server, Allow and Supported headers
and, over TLS, the certificate chain with names and expiry.

Exit status: 0 on a 2xx answer, 1 on any other answer or none (timeout,
refused), 4 when TLS trust fails (name mismatch, unknown CA, expired, or the
server refused the client certificate), 2 on bad input.`,
		Example: `  umctl sip options sip:gw01.contoso.com
  umctl sip options sip:pool01.contoso.com:5061;transport=tls --tls-ca ca.pem --cert um.pem --key um-key.pem`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			t, err := pf.probeTarget(args[0])
			if err != nil {
				return err
			}
			res, err := sipprobe.Options(cmd.Context(), t, pf.conf)
			if res == nil {
				return probeError(err)
			}
			if perr := printResult(a, res, func(w io.Writer) { printOptions(w, res) }); perr != nil {
				return perr
			}
			return finish(&res.Answer, err)
		},
	}
	pf.register(cmd, a)
	return cmd
}

func printOptions(w io.Writer, r *sipprobe.OptionsResult) {
	printAnswer(w, &r.Answer)
	if r.Status == 0 {
		return
	}
	optional(w, "user-agent", r.UserAgent)
	optional(w, "server", r.Server)
	optional(w, "allow", r.Allow)
	optional(w, "supported", r.Supported)
}
