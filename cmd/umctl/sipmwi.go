package main

import (
	"io"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/sipprobe"
)

func newSIPMWICmd(a *app) *cobra.Command {
	var pf probeFlags
	var to, messages, account, proxy string
	cmd := &cobra.Command{
		Use:   "mwi --to URI --messages NEW/OLD",
		Short: "Send the unsolicited MWI NOTIFY that Exchange UM sends (message-summary)",
		Long: `Send the unsolicited NOTIFY that Exchange UM sends to light a phone's message
waiting lamp (RFC 3842): Event: message-summary, Content-Type:
application/simple-message-summary, and the body lines Messages-Waiting,
Message-Account and Voice-Message: NEW/OLD. It tests the MWI path toward Lync or
a PBX trunk that must accept unsolicited notifications.

The NOTIFY goes to the host of --to, or to --proxy (a Lync pool, PBX trunk or
SBC) with --to as its request URI. Exit status as for 'umctl sip options'.`,
		Example: `  umctl sip mwi --to 'sip:alice@contoso.com' --proxy 'sip:pool01.contoso.com;transport=tls' --messages 2/5
  umctl sip mwi --to 'sip:4711@pbx01.contoso.com;transport=tcp' --messages 0/3 --account sip:alice@contoso.com`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			t, m, err := mwiInput(to, proxy, messages, account)
			if err != nil {
				return err
			}
			if err := pf.check(); err != nil {
				return err
			}
			ans, err := sipprobe.SendMWI(cmd.Context(), t, m, pf.conf)
			if ans == nil {
				return probeError(err)
			}
			if perr := printResult(a, ans, func(w io.Writer) { printAnswer(w, ans) }); perr != nil {
				return perr
			}
			return finish(ans, err)
		},
	}
	f := cmd.Flags()
	f.StringVar(&to, "to", "", "the mailbox's SIP URI (request URI and To), e.g. sip:alice@contoso.com")
	f.StringVar(&messages, "messages", "", "new and old voice messages as NEW/OLD, e.g. 2/5")
	f.StringVar(&account, "account", "", "Message-Account URI (default: --to)")
	f.StringVar(&proxy, "proxy", "", "send to this SIP URI instead of the host of --to (Lync pool, PBX trunk)")
	pf.register(cmd, a)
	return cmd
}

// mwiInput checks the MWI flags (exit 2 naming the flag).
func mwiInput(to, proxy, messages, account string) (sipprobe.Target, sipprobe.MWI, error) {
	var m sipprobe.MWI
	if to == "" || messages == "" {
		return sipprobe.Target{}, m, cli.FlagErrorf("--to and --messages are required")
	}
	t, err := parseTarget("--to", to)
	if err != nil {
		return t, m, err
	}
	if proxy != "" {
		hop, err := parseTarget("--proxy", proxy)
		if err != nil {
			return t, m, err
		}
		t = t.Through(hop)
	}
	if m.New, m.Old, err = sipprobe.ParseMessages(messages); err != nil {
		return t, m, cli.FlagErrorf("--messages %s", invalidText(err))
	}
	if account != "" {
		if _, err := parseTarget("--account", account); err != nil {
			return t, m, err
		}
		m.Account = account
	}
	return t, m, nil
}
