package ad

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"github.com/google/uuid"
)

// ContactPlanner plans Exchange UM contacts for one command: one contact, or
// every row of a CSV file. It checks SIP addresses and numbers with indexed
// equality filters (batched for a file, see Prefetch), remembers what it read,
// and catches duplicates within the batch.
type ContactPlanner struct {
	d        *Dir
	cat      *Catalog
	ous      map[string]bool
	bySIP    map[string][]*ldap.Entry // looked-up SIP address (lower) → objects with it
	byNumber map[string][]*ldap.Entry // looked-up number → objects with that line URI
	sipTaken map[string]string        // lower sip → DN planned in this batch
	numTaken map[string]string        // number → DN planned in this batch
	removed  map[string]bool          // lower DN → planned for removal
}

// NewContactPlanner starts planning contacts on d.
func (d *Dir) NewContactPlanner() *ContactPlanner {
	return &ContactPlanner{d: d, cat: d.Catalog(), ous: map[string]bool{}, bySIP: map[string][]*ldap.Entry{},
		byNumber: map[string][]*ldap.Entry{}, sipTaken: map[string]string{}, numTaken: map[string]string{}, removed: map[string]bool{}}
}

// loadOwners looks up the SIP addresses and numbers not looked up yet, in one batched search.
func (cp *ContactPlanner) loadOwners(ctx context.Context, sips, numbers []string) error {
	var ms, mn []string
	seen := map[string]bool{}
	for _, s := range sips {
		k := strings.ToLower(s)
		if _, ok := cp.bySIP[k]; !ok && !seen[k] {
			seen[k] = true
			ms = append(ms, s)
		}
	}
	for _, n := range numbers {
		if _, ok := cp.byNumber[n]; !ok && !seen["tel:"+n] {
			seen["tel:"+n] = true
			mn = append(mn, n)
		}
	}
	if len(ms)+len(mn) == 0 {
		return nil
	}
	bySIP, byNumber, err := cp.d.findRTCOwners(ctx, ms, mn)
	if err != nil {
		return err
	}
	for k, v := range bySIP {
		cp.bySIP[k] = v
	}
	for k, v := range byNumber {
		cp.byNumber[k] = v
	}
	return nil
}

// Prefetch reads the owners of every SIP address and number of a batch of
// specs with batched OR filters (len(specs)/BatchSize·3 searches) and checks
// their OUs, so that PlanNew then plans each row without a search of its own.
func (cp *ContactPlanner) Prefetch(ctx context.Context, specs []ContactSpec) error {
	var sips, numbers []string
	for _, s := range specs {
		if ValidateSIP(FieldSIPAddress, s.SIPAddress) == nil {
			sips = append(sips, "sip:"+s.SIPAddress[4:])
		}
		if ValidateNumber(FieldDisplayNumber, s.DisplayNumber) == nil {
			numbers = append(numbers, s.DisplayNumber)
		}
	}
	return cp.loadOwners(ctx, sips, numbers)
}

func (cp *ContactPlanner) checkOU(ctx context.Context, ou string) error {
	if _, err := ldap.ParseDN(ou); err != nil || ou == "" {
		return fieldErr(FieldOU, ou, "expected a DN such as OU=ExUmContacts,DC=contoso,DC=com")
	}
	if cp.ous[strings.ToLower(ou)] {
		return nil
	}
	ok, err := cp.d.Exists(ctx, ou)
	if err != nil {
		return err
	}
	if !ok {
		return notFoundErr(FieldOU, ou, "does not exist")
	}
	cp.ous[strings.ToLower(ou)] = true
	return nil
}

// CheckSIPFree fails with an ErrInUse FieldError when an object other than
// self (a DN) has the SIP address, also one planned earlier in this batch. A
// planner remembers what it read: to re-check after a write, use a new one.
func (cp *ContactPlanner) CheckSIPFree(ctx context.Context, sip, self string) error {
	if dn, ok := cp.sipTaken[strings.ToLower(sip)]; ok && !sameDN(dn, self) {
		return inUseErr(FieldSIPAddress, sip, dn, "is already used by %s in this batch", dn)
	}
	if err := cp.loadOwners(ctx, []string{sip}, nil); err != nil {
		return err
	}
	for _, e := range cp.bySIP[strings.ToLower(sip)] {
		if !sameDN(e.DN, self) {
			return inUseErr(FieldSIPAddress, sip, e.DN, "is already used by %s (SIP addresses are unique across users and contacts)", e.DN)
		}
	}
	return nil
}

// CheckNumberFree fails with an ErrInUse FieldError when an object other than
// self has the line URI tel:<number>, also one planned earlier in this batch.
func (cp *ContactPlanner) CheckNumberFree(ctx context.Context, number, self string) error {
	if dn, ok := cp.numTaken[number]; ok && !sameDN(dn, self) {
		return inUseErr(FieldDisplayNumber, number, dn, "is already used by %s in this batch", dn)
	}
	if err := cp.loadOwners(ctx, nil, []string{number}); err != nil {
		return err
	}
	for _, e := range cp.byNumber[number] {
		if !sameDN(e.DN, self) {
			return inUseErr(FieldDisplayNumber, number, e.DN, "is already the line URI of %s (numbers are unique across users and contacts)", e.DN)
		}
	}
	return nil
}

// existingContact returns the one UM contact whose primary SIP address is sip, if any.
func (cp *ContactPlanner) existingContact(ctx context.Context, sip string) (*ldap.Entry, error) {
	if err := cp.loadOwners(ctx, []string{sip}, nil); err != nil {
		return nil, err
	}
	var found []*ldap.Entry
	for _, e := range cp.bySIP[strings.ToLower(sip)] {
		if slices.Contains(lowerAll(e.GetAttributeValues("objectClass")), "contact") && strings.EqualFold(e.GetAttributeValue("msRTCSIP-PrimaryUserAddress"), sip) {
			found = append(found, e)
		}
	}
	if len(found) == 1 {
		return found[0], nil
	}
	return nil, nil
}

// PlanNew adds to p the creation of the contact s, or records it unchanged when
// a contact with that SIP address already is exactly that. Warnings go to p.
// Nothing is added to p when an error is returned.
func (cp *ContactPlanner) PlanNew(ctx context.Context, p *Plan, s ContactSpec) error {
	if err := checkTexts(FieldSIPAddress, s.SIPAddress, FieldRegistrarPool, s.RegistrarPool, FieldOU, s.OU, FieldDisplayNumber, s.DisplayNumber,
		FieldDialPlan, s.DialPlan, FieldDisplayName, s.DisplayName, FieldDescription, s.Description); err != nil {
		return err
	}
	if err := ValidateSIP(FieldSIPAddress, s.SIPAddress); err != nil {
		return err
	}
	s.SIPAddress = "sip:" + s.SIPAddress[4:]
	if err := ValidateNumber(FieldDisplayNumber, s.DisplayNumber); err != nil {
		return err
	}
	pool, err := cp.cat.Pool(ctx, s.RegistrarPool)
	if err != nil {
		return err
	}
	dp, err := cp.cat.SIPDialPlan(ctx, s.DialPlan)
	if err != nil {
		return err
	}
	if err := cp.checkOU(ctx, s.OU); err != nil {
		return err
	}
	if s.DisplayName == "" {
		s.DisplayName = dp.Name + " Subscriber Access"
		if s.AutoAttendant {
			s.DisplayName = dp.Name + " Auto Attendant"
		}
	}
	existing, err := cp.existingContact(ctx, s.SIPAddress)
	if err != nil {
		return err
	}
	self := ""
	if existing != nil {
		self = existing.DN
		s = keepUnmanaged(s, existing)
	}
	if err := cp.CheckSIPFree(ctx, s.SIPAddress, self); err != nil {
		return err
	}
	if err := cp.CheckNumberFree(ctx, s.DisplayNumber, self); err != nil {
		return err
	}
	if err := cp.warnNumber(ctx, p, s, dp); err != nil {
		return err
	}
	flags, enabled := 0, true
	if existing != nil && s.Converge { // a manifest cannot state these: they stay, as contact set leaves them
		flags, enabled = intAttr(existing, "msRTCSIP-OptionFlags"), !strings.EqualFold(existing.GetAttributeValue("msRTCSIP-UserEnabled"), "FALSE")
	}
	want := contactState(s, pool, dp, flags, enabled)
	if err := cp.cat.checkLengths(ctx, append(want, Attr{"proxyAddresses", []string{s.SIPAddress}}), contactField); err != nil {
		return err
	}
	if existing != nil {
		return cp.planExisting(p, s, existing, want)
	}
	dn := RDN("CN", "{"+uuid.NewString()+"}") + "," + s.OU
	p.Add(contactKind, dn, append([]Attr{{"objectClass", []string{"contact"}}}, append(want, Attr{"proxyAddresses", []string{s.SIPAddress}})...))
	c := p.Changes[len(p.Changes)-1]
	p.claim(claimSIP, fmt.Sprintf("%s %q", FieldSIPAddress, s.SIPAddress), s.SIPAddress, nil, dn, c)
	p.claim(claimLine, fmt.Sprintf("%s %q", FieldDisplayNumber, s.DisplayNumber), s.DisplayNumber, nil, dn, c)
	cp.sipTaken[strings.ToLower(s.SIPAddress)], cp.numTaken[s.DisplayNumber] = dn, dn
	return nil
}

// keepUnmanaged gives s the existing contact's values of the attributes s
// does not manage.
func keepUnmanaged(s ContactSpec, e *ldap.Entry) ContactSpec {
	if s.Unmanaged.DisplayName {
		s.DisplayName = e.GetAttributeValue("displayName")
	}
	if s.Unmanaged.Description {
		s.Description = e.GetAttributeValue("description")
	}
	if s.Unmanaged.EnterpriseVoice {
		s.EnterpriseVoice = intAttr(e, "msRTCSIP-OptionFlags")&optionEnterpriseVoice != 0
	}
	if s.Unmanaged.AutoAttendant {
		d, _ := DecodeOtherIPPhone(e.GetAttributeValues("otherIpPhone"))
		s.AutoAttendant = d.Type == AutoAttendant
	}
	return s
}

// planExisting records a contact that already is as wanted unchanged; one
// that differs is changed to match (s.Converge) or refused.
func (cp *ContactPlanner) planExisting(p *Plan, s ContactSpec, e *ldap.Entry, want []Attr) error {
	if !sameDN(parentDN(e.DN), s.OU) {
		return fmt.Errorf("%w: %s already exists as %s (in another OU); use `umctl contact set` or remove it first", ErrConflict, s.SIPAddress, e.DN)
	}
	cp.sipTaken[strings.ToLower(s.SIPAddress)], cp.numTaken[s.DisplayNumber] = e.DN, e.DN
	if s.Converge { // a modify when it differs, else unchanged; the SIP address, and so proxyAddresses, is the same
		p.Update(contactKind, e, want)
		cp.claimChanged(p, e.DN)
		return nil
	}
	probe := &Plan{}
	probe.Update(contactKind, e, append(want, Attr{"proxyAddresses", e.GetAttributeValues("proxyAddresses")}))
	if probe.Pending() > 0 {
		var names []string
		for _, df := range probe.Changes[0].Diffs {
			names = append(names, df.Name)
		}
		return fmt.Errorf("%w: contact %s already exists as %s and differs (%s); use `umctl contact set` to change it", ErrConflict, s.SIPAddress, e.DN, strings.Join(names, ", "))
	}
	p.Unchanged(contactKind, e.DN)
	return nil
}

func (cp *ContactPlanner) warnNumber(ctx context.Context, p *Plan, s ContactSpec, dp DialPlan) error {
	if s.AutoAttendant {
		nums, err := cp.cat.AutoAttendantNumbers(ctx, dp)
		if err != nil {
			return err
		}
		if !slices.Contains(nums, s.DisplayNumber) {
			p.Warnf("%s: %s is not an auto attendant number of dial plan %s (%s)", s.SIPAddress, s.DisplayNumber, dp.Name, orNone(nums))
		}
		return nil
	}
	if !slices.Contains(dp.AccessNumbers, s.DisplayNumber) {
		p.Warnf("%s: %s is not a subscriber access number of dial plan %s (%s)", s.SIPAddress, s.DisplayNumber, dp.Name, orNone(dp.AccessNumbers))
	}
	return nil
}

// PlanRemove plans the removal of the contact identity names, or of every
// contact a pattern (*) matches; a contact already planned for removal is not
// planned twice.
func (cp *ContactPlanner) PlanRemove(ctx context.Context, p *Plan, identity string) error {
	cs, err := cp.contactsFor(ctx, identity)
	if err != nil {
		return absent(p, err)
	}
	for _, c := range cs {
		if k := strings.ToLower(c.Identity); !cp.removed[k] {
			cp.removed[k] = true
			p.DeleteShowing(contactKind, c.Identity, c.removalSummary())
		}
	}
	return nil
}
