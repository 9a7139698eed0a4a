package ad

import (
	"context"
	"fmt"
	"strconv"
	"strings"
)

// ContactChanges are the changes `contact set` can make; nil = keep.
type ContactChanges struct {
	SIPAddress, DisplayNumber, DialPlan, DisplayName, Description *string
	Enabled, EnterpriseVoice, AutoAttendant                       *bool
	Pool                                                          *string // move
}

// ContactSetSpec is one `contact set` or `contact move`: the contact and what changes.
type ContactSetSpec struct {
	Identity string
	ContactChanges
}

// PlanSet plans changes to one contact. Only attributes that change are
// written; a new SIP address also changes otherIpPhone and the sip: proxy address,
// a new number the line URI and telephone number. Moving (Pool) also rewrites
// otherIpPhone in umctl's form, recomputing the contact type as Move-CsExUmContact does.
func (cp *ContactPlanner) PlanSet(ctx context.Context, p *Plan, s ContactSetSpec) error {
	ch := s.ContactChanges
	if err := checkChangeTexts(ch); err != nil {
		return err
	}
	c, err := cp.Contact(ctx, s.Identity)
	if err != nil {
		return err
	}
	data, unknown := DecodeOtherIPPhone(c.OtherIPPhone)
	var want []Attr
	sip := c.SIPAddress
	rewriteOther := ch.Pool != nil
	if ch.SIPAddress != nil && !strings.EqualFold(*ch.SIPAddress, c.SIPAddress) {
		attrs, err := cp.sipChange(ctx, c, *ch.SIPAddress)
		if err != nil {
			return err
		}
		want = append(want, attrs...)
		sip = attrs[0].Vals[0]
		data.SIP = sip[4:]
		rewriteOther = true
	}
	if ch.DisplayNumber != nil && *ch.DisplayNumber != c.DisplayNumber {
		if err := ValidateNumber(FieldDisplayNumber, *ch.DisplayNumber); err != nil {
			return err
		}
		if err := cp.CheckNumberFree(ctx, *ch.DisplayNumber, c.Identity); err != nil {
			return err
		}
		want = append(want, Attr{"msRTCSIP-Line", []string{LineURI(*ch.DisplayNumber)}}, Attr{"telephoneNumber", []string{*ch.DisplayNumber}})
	}
	if ch.DialPlan != nil {
		dp, err := cp.cat.SIPDialPlan(ctx, *ch.DialPlan)
		if err != nil {
			return err
		}
		if !strings.EqualFold(dp.PhoneContext, data.PhoneContext) {
			data.PhoneContext = dp.PhoneContext
			rewriteOther = true
		}
	}
	if ch.AutoAttendant != nil {
		t := map[bool]ContactType{true: AutoAttendant, false: SubscriberAccess}[*ch.AutoAttendant]
		if t != data.Type {
			data.Type = t
			rewriteOther = true
		}
	}
	if rewriteOther {
		if data.SIP == "" {
			data.SIP = sip[4:]
		}
		if data.PhoneContext == "" {
			return fieldErr(FieldDialPlan, "", "%s: otherIpPhone names no dial plan; give one", c.Identity)
		}
		want = append(want, Attr{"otherIpPhone", append(EncodeOtherIPPhone(data), unknown...)})
	}
	if ch.Pool != nil {
		pool, err := cp.cat.Pool(ctx, *ch.Pool)
		if err != nil {
			return refield(err, FieldTargetPool)
		}
		want = append(want, Attr{"msRTCSIP-PrimaryHomeServer", []string{homeServerDN(pool)}})
	}
	want = append(want, plainChanges(c, ch)...)
	if err := cp.cat.checkLengths(ctx, want, contactField); err != nil {
		return err
	}
	p.Update(contactKind, c.entry, want)
	cp.claimChanged(p, c.Identity)
	return nil
}

// claimChanged records the SIP address and number a planned modify of the
// contact dn gives it, for ApplySettled to re-check after the write.
func (cp *ContactPlanner) claimChanged(p *Plan, dn string) {
	last := p.Changes[len(p.Changes)-1]
	if last.Action != ActionModify {
		return
	}
	for _, df := range last.Diffs {
		switch {
		case df.Name == "msRTCSIP-PrimaryUserAddress" && len(df.New) == 1:
			p.claim(claimSIP, fmt.Sprintf("%s %q", FieldSIPAddress, df.New[0]), df.New[0], nil, dn, last)
		case df.Name == "telephoneNumber" && len(df.New) == 1:
			p.claim(claimLine, fmt.Sprintf("%s %q", FieldDisplayNumber, df.New[0]), df.New[0], nil, dn, last)
		}
	}
}

// sipChange checks a new SIP address and returns the attributes it changes
// (msRTCSIP-PrimaryUserAddress first, then proxyAddresses).
func (cp *ContactPlanner) sipChange(ctx context.Context, c Contact, newSIP string) ([]Attr, error) {
	if err := ValidateSIP(FieldSIPAddress, newSIP); err != nil {
		return nil, err
	}
	sip := "sip:" + newSIP[4:]
	if err := cp.CheckSIPFree(ctx, sip, c.Identity); err != nil {
		return nil, err
	}
	var proxies []string
	for _, v := range c.entry.GetAttributeValues("proxyAddresses") {
		if !strings.EqualFold(v, c.SIPAddress) {
			proxies = append(proxies, v)
		}
	}
	return []Attr{{"msRTCSIP-PrimaryUserAddress", []string{sip}}, {"proxyAddresses", append(proxies, sip)}}, nil
}

// plainChanges are the changes that need no check: names, description, flags.
func plainChanges(c Contact, ch ContactChanges) []Attr {
	var want []Attr
	if ch.DisplayName != nil {
		want = append(want, Attr{"displayName", nonEmpty(*ch.DisplayName)})
	}
	if ch.Description != nil {
		want = append(want, Attr{"description", nonEmpty(*ch.Description)})
	}
	if ch.Enabled != nil {
		want = append(want, Attr{"msRTCSIP-UserEnabled", []string{boolValue(*ch.Enabled)}})
	}
	if ch.EnterpriseVoice != nil {
		old := intAttr(c.entry, "msRTCSIP-OptionFlags")
		if n := setBit(old, optionEnterpriseVoice, *ch.EnterpriseVoice); n != old {
			want = append(want, Attr{"msRTCSIP-OptionFlags", []string{strconv.Itoa(n)}})
		}
	}
	return want
}

// checkChangeTexts is CheckText on every value a `contact set` gives.
func checkChangeTexts(ch ContactChanges) error {
	fields := []Field{FieldSIPAddress, FieldDisplayNumber, FieldDialPlan, FieldDisplayName, FieldDescription, FieldTargetPool}
	for i, v := range []*string{ch.SIPAddress, ch.DisplayNumber, ch.DialPlan, ch.DisplayName, ch.Description, ch.Pool} {
		if v != nil {
			if err := CheckText(fields[i], *v); err != nil {
				return err
			}
		}
	}
	return nil
}
