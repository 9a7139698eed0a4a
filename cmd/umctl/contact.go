package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

func newContactCmd(a *app) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "contact",
		Aliases: []string{"contacts", "exumcontact"},
		Short:   "Manage Exchange UM contacts (New/Get/Set/Remove/Move-CsExUmContact, OcsUmUtil)",
		Long: `An Exchange UM contact gives a subscriber access (Outlook Voice Access) or auto
attendant number a SIP identity in Lync: a contact object with a SIP address, a
home pool, a line URI, and the dial plan and contact type in otherIpPhone. Lync
finds the contact whose line URI matches the dialled number, reads the UM dial
plan from otherIpPhone, and sends the call to that plan's UM servers.

otherIpPhone holds two values written by umctl:
  EUM:<sip user@domain>;phone-context=<the dial plan's phone context>
  UMContactType:SubscriberAccess   (or UMContactType:AutoAttendant)
The value Microsoft's tools write is not public; contacts written by other tools
are read tolerantly, and 'contact get -o json' shows the raw values.`,
	}
	cmd.AddCommand(newContactNewCmd(a), newContactGetCmd(a), newContactSetCmd(a), newContactRemoveCmd(a), newContactMoveCmd(a), newContactCheckCmd(a))
	return cmd
}

type contactNewOptions struct {
	mutateFlags
	spec    ad.ContactSpec
	fromCSV string
}

func newContactNewCmd(a *app) *cobra.Command {
	o := &contactNewOptions{}
	cmd := &cobra.Command{
		Use:     "new",
		Aliases: []string{"create"},
		Short:   "Create Exchange UM contacts (one from flags, or many with --from-csv)",
		Long: `Create an Exchange UM contact. On a terminal, the values the flags did not give
are asked for in one form (dial plans and pools as choices from the directory,
the number defaulting to a subscriber access or auto attendant number of the
plan that no one uses yet); each answer is checked against the directory when
you leave its field, and the last page shows the plan and asks to create it
(Ctrl-C ends the form, exit 130; "no" exits 0). Otherwise every value must be
given as a flag.

The contact is created as Lync creates it, with CN={<new GUID>}, plus a readable
displayName (default "<dial plan> Subscriber Access" / "<dial plan> Auto
Attendant"). Running the same command again reports the contact unchanged; a
contact with that SIP address that differs is reported (exit 5), not duplicated.

--from-csv FILE (- for stdin) creates one contact per row. The header names the
columns: sip_address, registrar_pool, ou, display_number, dial_plan, and
optionally auto_attendant, display_name, description, enterprise_voice. Flags
give defaults for empty cells. Invalid rows are reported with their row number
and skipped; the others are written; the exit code is then 3 (2 when every row
was refused). A file that is not UTF-8, or names a column twice, is refused whole. 'umctl contact get
-o csv' writes exactly these columns: export, edit, feed back.`,
		Example: `  umctl contact new --sip-address sip:ova@contoso.com --registrar-pool pool01.contoso.com \
    --ou "OU=ExUmContacts,DC=contoso,DC=com" --display-number +14255550100 --dial-plan SipDP
  umctl contact new --from-csv contacts.csv --ou "OU=ExUmContacts,DC=contoso,DC=com" --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if o.fromCSV != "" {
				return a.contactNewCSV(cmd, o)
			}
			if !a.io.CanPrompt() {
				if err := requireFlags(cmd, "sip-address", "registrar-pool", "ou", "display-number", "dial-plan"); err != nil {
					return err
				}
			}
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				if a.io.CanPrompt() {
					ok, err := a.promptContact(ctx, d, cmd.Flags(), &o.spec, !o.yes && !o.dryRun)
					if err != nil {
						return err
					}
					if !ok { // "no" at the review: an answer, not an interruption
						fmt.Fprintln(a.io.ErrOut, "Nothing done.")
						return nil
					}
				}
				p := &ad.Plan{}
				if err := d.NewContactPlanner().PlanNew(ctx, p, o.spec); err != nil {
					if errors.Is(err, ad.ErrConflict) {
						return cli.WithCode(cli.ExitConflict, err)
					}
					if a.io.CanPrompt() {
						return asFlags(err, answeredNames(cmd.Flags()))
					}
					return err
				}
				return a.runPlan(ctx, d, p, planRun{mutateFlags: o.mutateFlags, showUnchanged: true}) // confirmed in the form
			})
		},
	}
	f := cmd.Flags()
	addContactSpecFlags(f, &o.spec)
	f.StringVar(&o.fromCSV, "from-csv", "", "create one contact per CSV row (- for stdin)")
	o.register(cmd, true)
	a.registerContactCompletions(cmd)
	return cmd
}

func addContactSpecFlags(f *pflag.FlagSet, s *ad.ContactSpec) {
	f.StringVar(&s.SIPAddress, "sip-address", "", "SIP address, sip:user@domain, unique in the forest")
	f.StringVar(&s.RegistrarPool, "registrar-pool", "", "FQDN of the Lync pool that homes the contact")
	f.StringVar(&s.OU, "ou", "", "DN of the OU (or container) for the contact")
	f.StringVar(&s.DisplayNumber, "display-number", "", "the number: E.164 (+14255550100) or digits, unique across line URIs")
	f.StringVar(&s.DialPlan, "dial-plan", "", "the SIP URI UM dial plan")
	f.BoolVar(&s.AutoAttendant, "auto-attendant", false, "an auto attendant number (default: subscriber access)")
	f.StringVar(&s.DisplayName, "display-name", "", `display name (default "<dial plan> Subscriber Access" or "… Auto Attendant")`)
	f.StringVar(&s.Description, "description", "", "description")
	f.BoolVar(&s.EnterpriseVoice, "enterprise-voice", false, "enable Enterprise Voice (msRTCSIP-OptionFlags bit 128)")
}

func (a *app) registerContactCompletions(cmd *cobra.Command) {
	_ = cmd.RegisterFlagCompletionFunc("dial-plan", a.completeDialPlans)
	_ = cmd.RegisterFlagCompletionFunc("registrar-pool", a.completePools)
	_ = cmd.RegisterFlagCompletionFunc("target", a.completePools)
	_ = cmd.RegisterFlagCompletionFunc("pool", a.completePools)
}

func requireFlags(cmd *cobra.Command, names ...string) error {
	var missing []string
	for _, n := range names {
		if !cmd.Flags().Changed(n) {
			missing = append(missing, "--"+n)
		}
	}
	switch len(missing) {
	case 0:
		return nil
	case 1:
		return cli.FlagErrorf("%s is required when not running interactively", missing[0])
	}
	return cli.FlagErrorf("%s are required when not running interactively", strings.Join(missing, ", "))
}

var csvColumns = map[string]string{"sip_address": "sip-address", "registrar_pool": "registrar-pool", "ou": "ou", "display_number": "display-number",
	"dial_plan": "dial-plan", "auto_attendant": "auto-attendant", "display_name": "display-name", "description": "description", "enterprise_voice": "enterprise-voice"}

// contactNewCSV plans every row (reporting invalid ones), then applies the plan.
func (a *app) contactNewCSV(cmd *cobra.Command, o *contactNewOptions) error {
	rows, err := readCSV(a.io.In, o.fromCSV)
	if err != nil {
		return err
	}
	specs := make([]ad.ContactSpec, len(rows))
	rowErrs := make([]error, len(rows))
	for i, row := range rows {
		specs[i], rowErrs[i] = specFromRow(o.spec, row)
	}
	return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
		cp := d.NewContactPlanner()
		if err := cp.Prefetch(ctx, specs); err != nil {
			return err
		}
		p := &ad.Plan{Independent: true} // one new contact per row, in existing OUs
		bad := 0
		for i, s := range specs {
			err := rowErrs[i]
			if err == nil {
				err = cp.PlanNew(ctx, p, s)
			}
			if err != nil {
				if !errors.Is(err, ad.ErrInvalid) && !errors.Is(err, ad.ErrNotFound) && !errors.Is(err, ad.ErrConflict) {
					return err // the directory failed, not the row
				}
				bad++
				fmt.Fprintf(a.io.ErrOut, "row %d: %s\n", i+2, asColumns(err))
			}
			if len(rows) > 50 && (i+1)%(len(rows)/10) == 0 {
				fmt.Fprintf(a.io.ErrOut, "checked %d/%d rows\n", i+1, len(rows))
			}
		}
		return a.finishBatch(ctx, d, p, o.mutateFlags, len(rows), bad)
	})
}

func readCSV(stdin io.Reader, path string) ([]map[string]string, error) {
	cols := make([]string, 0, len(csvColumns))
	for c := range csvColumns {
		cols = append(cols, c)
	}
	sort.Strings(cols)
	return readCSVColumns(stdin, path, cols, nil)
}

func specFromRow(def ad.ContactSpec, row map[string]string) (ad.ContactSpec, error) {
	s := def
	set := func(col string, dst *string) {
		if v := row[col]; v != "" {
			*dst = v
		}
	}
	set("sip_address", &s.SIPAddress)
	set("registrar_pool", &s.RegistrarPool)
	set("ou", &s.OU)
	set("display_number", &s.DisplayNumber)
	set("dial_plan", &s.DialPlan)
	set("display_name", &s.DisplayName)
	set("description", &s.Description)
	for col, dst := range map[string]*bool{"auto_attendant": &s.AutoAttendant, "enterprise_voice": &s.EnterpriseVoice} {
		if v := row[col]; v != "" {
			b, ok := parseBool(v)
			if !ok {
				return s, &ad.FieldError{Field: ad.Field(strings.ReplaceAll(col, "_", " ")), Value: v, Reason: boolExpected}
			}
			*dst = b
		}
	}
	for _, c := range []struct {
		col string
		v   string
	}{{"sip_address", s.SIPAddress}, {"registrar_pool", s.RegistrarPool}, {"ou", s.OU}, {"display_number", s.DisplayNumber}, {"dial_plan", s.DialPlan}} {
		if c.v == "" {
			return s, &ad.FieldError{Field: ad.Field(strings.ReplaceAll(c.col, "_", " ")), Reason: fmt.Sprintf("is empty (and no --%s default was given)", csvColumns[c.col])}
		}
	}
	return s, nil
}

func newContactGetCmd(a *app) *cobra.Command {
	var f ad.ContactFilter
	cmd := &cobra.Command{
		Use:     "get [IDENTITY]",
		Aliases: []string{"list"},
		Short:   "List Exchange UM contacts, or those matching IDENTITY (SIP address, DN, {GUID} or display name; * is a wildcard)",
		Long: `List Exchange UM contacts. IDENTITY is a SIP address (sip: may be left out), a
DN, a {GUID} or a display name; * is a wildcard, the only one, in it and in
--sip-address and --number ('sip:ov*', --number '+4790*'), as PowerShell's
Get-CsExUmContact -Filter {SipAddress -like "sip:ov*"} does. Everything else is
matched literally (escaped in the LDAP filter).`,
		Example: `  umctl contact get 'sip:ov*'
  umctl contact get --number '+4790*' -o csv > contacts.csv`,
		Args:              cobra.MaximumNArgs(1),
		ValidArgsFunction: onlyArgs(1, a.completeContacts),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				f.Identity = args[0]
			}
			if cmd.Flags().Changed("ou") && !ad.IsDN(f.OU) {
				return cli.FlagErrorf("--ou %q: expected a DN such as OU=ExUmContacts,DC=contoso,DC=com", f.OU)
			}
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				cs, err := d.Contacts(ctx, f)
				if err != nil {
					return asFlags(err, fieldNames{ad.FieldRegistrarPool: "--pool"})
				}
				if f.Identity != "" && len(cs) == 0 && ad.HasWildcard(f.Identity) {
					return fmt.Errorf("%w: no Exchange UM contact matches %q", ad.ErrNotFound, f.Identity)
				}
				if f.Identity != "" && len(cs) == 0 {
					return fmt.Errorf("%w: no Exchange UM contact %q", ad.ErrNotFound, f.Identity)
				}
				t := cli.Table{Headers: []string{"sip address", "number", "pool", "dial plan", "type", "enabled", "ev", "display name", "identity"}}
				for _, c := range cs {
					typ := "SubscriberAccess"
					if c.AutoAttendant {
						typ = "AutoAttendant"
					}
					t.Rows = append(t.Rows, []string{c.SIPAddress, c.DisplayNumber, c.RegistrarPool, c.DialPlan, typ, yesNo(c.Enabled), yesNo(c.EnterpriseVoice), c.DisplayName, c.Identity})
				}
				t.Records = contactRecords(cs)
				t.Keep, t.WideOnly = []int{1}, []int{6, 8} // the number whole; EV and the DN with -o wide
				return cli.Print(a.io, a.output, cs, t)
			})
		},
	}
	cmd.Flags().StringVar(&f.OU, "ou", "", "only contacts below this OU")
	cmd.Flags().StringVar(&f.Pool, "pool", "", "only contacts homed on this pool (FQDN)")
	cmd.Flags().StringVar(&f.Number, "number", "", "only contacts with this number (* is a wildcard: '+4790*')")
	cmd.Flags().StringVar(&f.SIPAddress, "sip-address", "", "only contacts with this SIP address (* is a wildcard: 'sip:ov*')")
	cmd.Flags().StringVar(&f.DialPlan, "dial-plan", "", "only contacts of this dial plan")
	cmd.Flags().StringVar(&f.LDAPFilter, "ldap-filter", "", "an LDAP filter ANDed with the others, e.g. (description=*lab*)")
	a.registerContactCompletions(cmd)
	return cmd
}

func newContactSetCmd(a *app) *cobra.Command {
	var (
		m                           mutateFlags
		sip, number, dp, name, desc string
		enabled, ev, aa             string
	)
	cmd := &cobra.Command{
		Use:   "set IDENTITY",
		Short: "Change an Exchange UM contact; only changed attributes are written",
		Long: `Change an Exchange UM contact. A new SIP address is also written to otherIpPhone
and proxyAddresses; a new number changes the line URI and the telephone number.
Each changed attribute is written as "delete the old value, add the new", so a
concurrent change fails with exit 5 instead of being overwritten.`,
		Args: cobra.ExactArgs(1), ValidArgsFunction: onlyArgs(1, a.completeContacts),
		RunE: func(cmd *cobra.Command, args []string) error {
			var ch ad.ContactChanges
			fl := cmd.Flags()
			for flag, dst := range map[string]**string{"sip-address": &ch.SIPAddress, "display-number": &ch.DisplayNumber, "dial-plan": &ch.DialPlan, "display-name": &ch.DisplayName, "description": &ch.Description} {
				if fl.Changed(flag) {
					v, _ := fl.GetString(flag)
					*dst = &v
				}
			}
			var err error
			if ch.Enabled, err = boolFlag(fl.Changed("enabled"), "enabled", enabled); err != nil {
				return err
			}
			if ch.EnterpriseVoice, err = boolFlag(fl.Changed("enterprise-voice"), "enterprise-voice", ev); err != nil {
				return err
			}
			if ch.AutoAttendant, err = boolFlag(fl.Changed("auto-attendant"), "auto-attendant", aa); err != nil {
				return err
			}
			if ch == (ad.ContactChanges{}) {
				return cli.FlagErrorf("nothing to change: give at least one of --sip-address, --display-number, --dial-plan, --enabled, --enterprise-voice, --auto-attendant, --display-name, --description")
			}
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				p := &ad.Plan{}
				if err := d.NewContactPlanner().PlanSet(ctx, p, ad.ContactSetSpec{Identity: args[0], ContactChanges: ch}); err != nil {
					return err
				}
				return a.runPlan(ctx, d, p, planRun{mutateFlags: m, showUnchanged: true})
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&sip, "sip-address", "", "new SIP address (sip:user@domain)")
	f.StringVar(&number, "display-number", "", "new number")
	f.StringVar(&dp, "dial-plan", "", "new SIP URI dial plan")
	f.StringVar(&name, "display-name", "", "new display name")
	f.StringVar(&desc, "description", "", "new description (empty clears it)")
	f.StringVar(&enabled, "enabled", "", "true or false (msRTCSIP-UserEnabled)")
	f.StringVar(&ev, "enterprise-voice", "", "true or false")
	f.StringVar(&aa, "auto-attendant", "", "true (auto attendant) or false (subscriber access)")
	m.register(cmd, false)
	a.registerContactCompletions(cmd)
	return cmd
}

func newContactRemoveCmd(a *app) *cobra.Command {
	var m mutateFlags
	cmd := &cobra.Command{
		Use: "remove IDENTITY...", Aliases: []string{"delete", "rm"}, Short: "Remove Exchange UM contacts (a pattern such as 'sip:test-*' removes every match)",
		Long: `Remove Exchange UM contacts. An IDENTITY is a SIP address, DN, {GUID} or display
name; one with * (the only wildcard) names every contact it matches, e.g.
'sip:test-*'. The plan lists each contact with its SIP address and number; on a
terminal umctl asks before removing, otherwise --yes is required.`,
		Args: cobra.MinimumNArgs(1), ValidArgsFunction: onlyArgs(0, a.completeContacts),
		RunE: func(cmd *cobra.Command, args []string) error {
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				p, cp := &ad.Plan{}, d.NewContactPlanner()
				for _, id := range args {
					if err := cp.PlanRemove(ctx, p, id); err != nil {
						return err
					}
				}
				return a.runPlan(ctx, d, p, planRun{mutateFlags: m, confirm: fmt.Sprintf("Remove %d contact(s)?", p.Pending())})
			})
		},
	}
	m.register(cmd, true)
	return cmd
}

func newContactMoveCmd(a *app) *cobra.Command {
	var (
		m      mutateFlags
		target string
	)
	cmd := &cobra.Command{
		Use:   "move IDENTITY --target POOL",
		Short: "Rehome an Exchange UM contact to another pool (Move-CsExUmContact)",
		Long: `Rehome a contact: msRTCSIP-PrimaryHomeServer is set to the target pool's service
object, and otherIpPhone is rewritten in umctl's form with the contact type
recomputed from what it held (as Move-CsExUmContact sets AutoAttendant and
IsSubscriberAccess from OtherIpPhone), which also migrates contacts written by
older tools.`,
		Args: cobra.ExactArgs(1), ValidArgsFunction: onlyArgs(1, a.completeContacts),
		RunE: func(cmd *cobra.Command, args []string) error {
			if target == "" {
				return cli.FlagErrorf("--target is required")
			}
			return a.withDir(cmd, func(ctx context.Context, d *ad.Dir) error {
				p := &ad.Plan{}
				if err := d.NewContactPlanner().PlanSet(ctx, p, ad.ContactSetSpec{Identity: args[0], ContactChanges: ad.ContactChanges{Pool: &target}}); err != nil {
					return err
				}
				return a.runPlan(ctx, d, p, planRun{mutateFlags: m, showUnchanged: true})
			})
		},
	}
	cmd.Flags().StringVar(&target, "target", "", "FQDN of the pool to move to")
	m.register(cmd, false)
	a.registerContactCompletions(cmd)
	return cmd
}
