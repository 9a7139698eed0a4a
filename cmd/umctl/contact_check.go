package main

import (
	"context"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

func newContactCheckCmd(a *app) *cobra.Command {
	return &cobra.Command{
		Use:   "check",
		Short: "Audit SIP addresses and line URIs for duplicates across users and contacts; exit 3 when any",
		Long: `Audit, read-only, that every SIP address and every number is on one object only,
as Lync needs (an Exchange UM contact whose number or SIP address another object
also has routes calls unpredictably):

  duplicate-sip-address  a SIP address (msRTCSIP-PrimaryUserAddress or a sip: proxy
                         address) on several users or contacts
  duplicate-line-uri     a number (msRTCSIP-Line tel:<number>, any ;ext=) on several

umctl itself never leaves such duplicates (concurrent runs re-check after writing
and the later writer backs off); this finds those made by other tools. It is an
audit: it reads every object with a SIP address or a line URI (one paged search;
on the global catalog, over the whole forest, with --gc).
Exit 0 when clean, 3 when there are findings. EUM addresses: 'umctl eum check'.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				fs, err := d.CheckRTCDuplicates(ctx)
				if err != nil {
					return err
				}
				return a.printFindings(fs, "object", "value")
			})
		},
	}
}

// printFindings prints an audit's findings (object and value name the second
// and third columns) and their count; exit 3 when there are any.
func (a *app) printFindings(fs []ad.Finding, object, value string) error {
	t := cli.Table{Headers: []string{"problem", object, value, "detail"}}
	for _, f := range fs {
		t.Rows = append(t.Rows, []string{f.Problem, f.User, f.Proxy, f.Detail})
	}
	if err := cli.Print(a.io, a.output, fs, t); err != nil {
		return err
	}
	fmt.Fprintf(a.io.ErrOut, "%d finding(s)\n", len(fs))
	if len(fs) > 0 {
		return &cli.SilentError{Code: cli.ExitPartial}
	}
	return nil
}
