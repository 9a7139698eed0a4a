package main

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"github.com/spf13/pflag"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

// promptContact asks, in one form, for the values the flags did not give, and
// (review) shows the plan and asks to create the contact, all in one terminal
// program so that no keystroke is lost. Every answer is checked against the
// directory as the user leaves its field (a SIP address or number already in
// use is refused there), and defaults never propose a value that is taken.
// Values given as flags are checked before anything is asked. It returns
// whether to go on.
func (a *app) promptContact(ctx context.Context, d *ad.Dir, f *pflag.FlagSet, s *ad.ContactSpec, review bool) (bool, error) {
	fields, err := a.contactFields(ctx, d, f, s)
	if err != nil {
		return false, err
	}
	yes := true
	if review {
		yes = false
		var planErr error
		fields = append(fields,
			cli.Field{Kind: cli.FieldNote, Title: "Plan", Page: true, Note: func() string {
				text, err := a.contactPlanText(ctx, d, withDefaults(*s, s, fields), answeredNames(f))
				planErr = err
				return text
			}},
			cli.Field{Kind: cli.FieldConfirm, Title: "Create this contact?", Bool: &yes, ValidateBool: func(ok bool) error {
				if ok && planErr != nil {
					return fmt.Errorf("cannot create it: %v (Shift+Tab goes back)", planErr)
				}
				return nil
			}})
	}
	if len(fields) == 0 {
		return true, nil
	}
	if err := a.prompter.Form(fields...); err != nil {
		return false, err
	}
	return yes, nil
}

// withDefaults is r with the defaults of the fields left empty so far (the
// form fills them in only when it ends), the fields pointing into s.
func withDefaults(r ad.ContactSpec, s *ad.ContactSpec, fields []cli.Field) ad.ContactSpec {
	for _, f := range fields {
		switch {
		case f.Kind != cli.FieldInput:
		case f.Text == &s.OU:
			r.OU = f.Answer()
		case f.Text == &s.DisplayNumber:
			r.DisplayNumber = f.Answer()
		case f.Text == &s.SIPAddress:
			r.SIPAddress = f.Answer()
		}
	}
	return r
}

// answeredNames names the fields the form asked by their questions, so that an
// error speaks of what the user answered, not of a flag never typed.
func answeredNames(f *pflag.FlagSet) fieldNames {
	names := fieldNames{}
	for flag, field := range map[string]struct {
		f    ad.Field
		name string
	}{"sip-address": {ad.FieldSIPAddress, "SIP address"}, "dial-plan": {ad.FieldDialPlan, "UM dial plan"},
		"registrar-pool": {ad.FieldRegistrarPool, "registrar pool"}, "ou": {ad.FieldOU, "OU"}, "display-number": {ad.FieldDisplayNumber, "number"}} {
		if !f.Changed(flag) {
			names[field.f] = field.name
		}
	}
	return names
}

// contactPlanText is the plan for s, as the review shows it.
func (a *app) contactPlanText(ctx context.Context, d *ad.Dir, s ad.ContactSpec, names fieldNames) (string, error) {
	p := &ad.Plan{}
	if err := d.NewContactPlanner().PlanNew(ctx, p, s); err != nil { // a fresh planner: one remembers what it planned
		err = asFlags(err, names)
		return "cannot create it: " + err.Error(), err
	}
	var buf strings.Builder
	_ = cli.PrintPlan(&cli.IOStreams{Out: &buf, ErrOut: &buf}, p, cli.PlanOptions{ShowUnchanged: true})
	return strings.TrimRight(buf.String(), "\n"), nil
}

// contactFields are the questions for what the flags did not give.
func (a *app) contactFields(ctx context.Context, d *ad.Dir, f *pflag.FlagSet, s *ad.ContactSpec) ([]cli.Field, error) {
	plans, pools, err := contactChoices(ctx, d)
	if err != nil {
		return nil, err
	}
	if f.Changed("dial-plan") && planNamed(plans, s.DialPlan) == nil {
		return nil, cli.FlagErrorf("invalid value %q for --dial-plan: no SIP URI dial plan of that name (have: %s)", s.DialPlan, strings.Join(planNames(plans), ", "))
	}
	if f.Changed("registrar-pool") && !containsFold(pools, s.RegistrarPool) {
		return nil, cli.FlagErrorf("invalid value %q for --registrar-pool: no such pool (have: %s)", s.RegistrarPool, strings.Join(pools, ", "))
	}
	c := &contactChecks{ctx: ctx, d: d, taken: map[string]string{}}
	var fields []cli.Field
	if !f.Changed("sip-address") {
		fields = append(fields, cli.Field{Kind: cli.FieldInput, Title: "SIP address (sip:user@domain)", Text: &s.SIPAddress, Validate: c.sipAddress})
	}
	if !f.Changed("dial-plan") {
		s.DialPlan = plans[0].Name
		fields = append(fields, cli.Field{Kind: cli.FieldSelect, Title: "UM dial plan", Text: &s.DialPlan, Options: planNames(plans)})
	}
	if !f.Changed("auto-attendant") {
		fields = append(fields, cli.Field{Kind: cli.FieldConfirm, Title: "Is this an auto attendant number (no: subscriber access)?", Bool: &s.AutoAttendant})
	}
	if !f.Changed("registrar-pool") {
		s.RegistrarPool = pools[0]
		fields = append(fields, cli.Field{Kind: cli.FieldSelect, Title: "Registrar pool", Text: &s.RegistrarPool, Options: pools})
	}
	if !f.Changed("ou") {
		def := "OU=ExUmContacts," + d.RootDSE.DefaultNC
		if ok, _ := d.Exists(ctx, def); !ok {
			def = ""
		}
		fields = append(fields, cli.Field{Kind: cli.FieldInput, Title: "OU for the contact (DN)", Text: &s.OU, Default: func() string { return def }, Validate: c.ou})
	}
	if !f.Changed("display-number") {
		fields = append(fields, cli.Field{Kind: cli.FieldInput, Title: "Number (E.164, e.g. +14255550100)", Text: &s.DisplayNumber,
			Default: func() string { return c.freeNumber(planNamed(plans, s.DialPlan), s.AutoAttendant) }, Validate: c.number})
	}
	return fields, nil
}

// contactChoices are the SIP URI dial plans and the pools to choose from.
func contactChoices(ctx context.Context, d *ad.Dir) ([]ad.DialPlan, []string, error) {
	cat := d.Catalog()
	all, err := cat.DialPlans(ctx)
	if err != nil {
		return nil, nil, err
	}
	var plans []ad.DialPlan
	for _, p := range all {
		if p.IsSIP() {
			plans = append(plans, p)
		}
	}
	if len(plans) == 0 {
		return nil, nil, errors.New("the organization has no SIP URI dial plan; create one in Exchange first")
	}
	ps, err := cat.Pools(ctx)
	if err != nil {
		return nil, nil, err
	}
	var pools []string
	for _, p := range ps {
		pools = append(pools, p.FQDN)
	}
	if len(pools) == 0 {
		return nil, nil, errors.New("the forest has no Lync pool")
	}
	return plans, pools, nil
}

func planNames(plans []ad.DialPlan) []string {
	out := make([]string, len(plans))
	for i, p := range plans {
		out[i] = p.Name
	}
	return out
}

func planNamed(plans []ad.DialPlan, name string) *ad.DialPlan {
	for i := range plans {
		if strings.EqualFold(plans[i].Name, name) {
			return &plans[i]
		}
	}
	return nil
}

func containsFold(list []string, s string) bool {
	for _, v := range list {
		if strings.EqualFold(v, s) {
			return true
		}
	}
	return false
}

// asAnswered words a field error with the name of the field the user answered
// ("number"), not a flag.
func asAnswered(err error, name string) error {
	var fe *ad.FieldError
	if errors.As(err, &fe) {
		return errors.New(strings.TrimPrefix(fe.Render(name), ad.ErrInvalid.Error()+": "))
	}
	return err
}

// contactChecks are the directory checks of the prompts; they name the field
// the user answered.
type contactChecks struct {
	ctx   context.Context
	d     *ad.Dir
	taken map[string]string // number → owner DN ("" = free), asked once
}

func (c *contactChecks) sipAddress(v string) error {
	if err := ad.ValidateSIP(ad.FieldSIPAddress, v); err != nil {
		return asAnswered(err, "SIP address")
	}
	owner, err := c.d.SIPAddressOwner(c.ctx, v)
	if err != nil {
		return fmt.Errorf("SIP address: cannot check it: %v", err)
	}
	if owner != "" {
		return fmt.Errorf("SIP address %s is already used by %s", v, owner)
	}
	return nil
}

func (c *contactChecks) ou(v string) error {
	if _, err := ldap.ParseDN(v); err != nil || v == "" {
		return fmt.Errorf("OU %q: expected a DN such as OU=ExUmContacts,DC=contoso,DC=com", v)
	}
	ok, err := c.d.Exists(c.ctx, v)
	if err != nil {
		return fmt.Errorf("OU: cannot check it: %v", err)
	}
	if !ok {
		return fmt.Errorf("OU %q does not exist", v)
	}
	return nil
}

func (c *contactChecks) number(v string) error {
	if err := ad.ValidateNumber(ad.FieldDisplayNumber, v); err != nil {
		return asAnswered(err, "number")
	}
	owner, err := c.owner(v)
	if err != nil {
		return fmt.Errorf("number: cannot check it: %v", err)
	}
	if owner != "" {
		return fmt.Errorf("number %s is already the line URI of %s", v, owner)
	}
	return nil
}

func (c *contactChecks) owner(number string) (string, error) {
	if o, ok := c.taken[number]; ok {
		return o, nil
	}
	o, err := c.d.NumberOwner(c.ctx, number)
	if err == nil {
		c.taken[number] = o
	}
	return o, err
}

// freeNumber proposes the dial plan's subscriber access number (auto
// attendant: its auto attendants' numbers) that no one uses yet, or "".
func (c *contactChecks) freeNumber(dp *ad.DialPlan, autoAttendant bool) string {
	if dp == nil {
		return ""
	}
	candidates := dp.AccessNumbers
	if autoAttendant {
		var err error
		if candidates, err = c.d.Catalog().AutoAttendantNumbers(c.ctx, *dp); err != nil {
			return ""
		}
	}
	for _, n := range candidates {
		if o, err := c.owner(n); err == nil && o == "" {
			return n
		}
	}
	return ""
}
