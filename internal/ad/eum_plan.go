package ad

import (
	"context"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

var (
	digitsRE = regexp.MustCompile(`^[0-9]+$`)
	e164RE   = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)
)

// EUMSpec is one `eum add` (flags or a CSV row).
type EUMSpec struct {
	User      string
	DialPlan  string
	Extension string
	SIPName   string
	Primary   bool
}

// EUMRemoveSpec is one `eum remove`: the addresses of one dial plan, one
// address, or all of them.
type EUMRemoveSpec struct {
	User     string
	DialPlan string
	Address  string
	All      bool
}

// validateExtension checks an extension as Exchange does for the plan's URI type.
func validateExtension(dp DialPlan, ext string) error {
	if ext == "" {
		return fieldErr(FieldExtension, "", "is required")
	}
	if dp.URIType == URITypeName(URIE164) {
		if !e164RE.MatchString(ext) {
			return fieldErr(FieldExtension, ext, "dial plan %s is E.164: expected + and up to 15 digits, such as +4721000123", dp.Name)
		}
		return nil
	}
	if !digitsRE.MatchString(ext) || len(ext) != dp.NumberOfDigits {
		return fieldErr(FieldExtension, ext, "dial plan %s needs exactly %d digits", dp.Name, dp.NumberOfDigits)
	}
	return nil
}

// wantedAddresses are the EUM addresses a spec asks for on user u: the
// extension, and on a SIP URI plan also the SIP name (first).
func wantedAddresses(u *EUMUser, dp DialPlan, s EUMSpec) ([]EUMAddress, error) {
	if err := validateExtension(dp, s.Extension); err != nil {
		return nil, err
	}
	switch {
	case dp.IsSIP():
		sipName := s.SIPName
		if sipName == "" {
			sipName = strings.TrimPrefix(strings.TrimPrefix(u.SIP, "sip:"), "SIP:")
		}
		if sipName == "" {
			return nil, fieldErr(FieldSIPName, "", "is required: dial plan %s is a SIP URI plan and user %s has no SIP address", dp.Name, u.Account)
		}
		if !strings.Contains(sipName, "@") || strings.ContainsAny(sipName, " ;:") {
			return nil, fieldErr(FieldSIPName, sipName, "expected user@domain")
		}
		return []EUMAddress{{Address: sipName, PhoneContext: dp.PhoneContext}, {Address: s.Extension, PhoneContext: dp.PhoneContext}}, nil
	case s.SIPName != "":
		return nil, fieldErr(FieldSIPName, "", "dial plan %s is a %s plan; SIP names belong to SIP URI plans", dp.Name, dp.URIType)
	}
	return []EUMAddress{{Address: s.Extension, PhoneContext: dp.PhoneContext}}, nil
}

// PlanAdd adds EUM addresses to a user (or records it unchanged). Validation
// errors are FieldErrors; nothing is added to p then. The modify carries the
// old proxyAddresses values it replaces, so a concurrent change fails with ErrConflict.
func (ep *EUMPlanner) PlanAdd(ctx context.Context, p *Plan, s EUMSpec) error {
	if err := checkTexts(FieldUser, s.User, FieldDialPlan, s.DialPlan, FieldExtension, s.Extension, FieldSIPName, s.SIPName); err != nil {
		return err
	}
	u, err := ep.User(ctx, s.User)
	if err != nil {
		return err
	}
	dp, err := ep.cat.DialPlan(ctx, s.DialPlan)
	if err != nil {
		return err
	}
	want, err := wantedAddresses(u, dp, s)
	if err != nil {
		return err
	}
	for _, w := range want {
		field := map[bool]Field{true: FieldSIPName, false: FieldExtension}[w.IsSIP()]
		if err := ep.cat.checkLengths(ctx, []Attr{{"proxyAddresses", []string{w.String()}}}, func(string) Field { return field }); err != nil {
			return err
		}
	}
	if err := ep.loadWanted(ctx, dp, want); err != nil {
		return err
	}
	for _, w := range want {
		if err := ep.CheckFree(ctx, dp, w.Address, u.DN); err != nil {
			return err
		}
	}
	if c := ep.planProxies(p, u, mergeAddresses(u.Addresses, want, s.Primary)); c != nil {
		contexts, err := ep.cat.EquivalentContexts(ctx, dp)
		if err != nil {
			return err
		}
		for _, w := range want {
			field := FieldExtension
			if w.IsSIP() {
				field = FieldSIPName
			}
			p.claim(claimEUM, fmt.Sprintf("%s %q in dial plan %s", field, w.Address, dp.Name), w.Address, contexts, u.DN, c)
		}
	}
	return nil
}

// loadWanted looks the owners of every wanted address up at once (one search).
func (ep *EUMPlanner) loadWanted(ctx context.Context, dp DialPlan, want []EUMAddress) error {
	contexts, err := ep.cat.EquivalentContexts(ctx, dp)
	if err != nil {
		return err
	}
	var keys []EUMAddress
	for _, w := range want {
		keys = append(keys, inContexts(w.Address, contexts)...)
	}
	return ep.loadOwners(ctx, keys)
}

// CheckFree fails with an ErrInUse FieldError when address is taken in dp's
// phone context or an equivalent one by an object other than self (a DN), and
// with ErrInvalid when it is the plan's subscriber access or an auto attendant
// number. It is the uniqueness check of `eum add`; a planner remembers what it
// read, so to re-check after a write (did a concurrent writer take the same
// address?) call it on a new planner, which asks the directory afresh.
func (ep *EUMPlanner) CheckFree(ctx context.Context, dp DialPlan, address, self string) error {
	field := FieldExtension
	if strings.Contains(address, "@") {
		field = FieldSIPName
	}
	owners, err := ep.Owners(ctx, dp, address)
	if err != nil {
		return err
	}
	for _, o := range owners {
		if !sameDN(o.DN, self) {
			contexts, _ := ep.cat.EquivalentContexts(ctx, dp)
			return inUseErr(field, address, o.DN, "in dial plan %s is already used by %s (checked in %s)", dp.Name, o.DN, strings.Join(contexts, ", "))
		}
	}
	if field == FieldSIPName {
		return nil
	}
	if slices.Contains(dp.AccessNumbers, address) {
		return fieldErr(field, address, "is the subscriber access number of dial plan %s", dp.Name)
	}
	aa, err := ep.cat.AutoAttendantNumbers(ctx, dp)
	if err != nil {
		return err
	}
	if slices.Contains(aa, address) {
		return fieldErr(field, address, "is an auto attendant number of dial plan %s", dp.Name)
	}
	return nil
}

// mergeAddresses keeps what is there (in the wanted case) and adds what is missing; the first EUM
// address of a user is primary, and primary makes the first new one primary.
func mergeAddresses(have, want []EUMAddress, primary bool) []EUMAddress {
	addrs := append([]EUMAddress{}, have...)
	hasPrimary := false
	for _, a := range addrs {
		hasPrimary = hasPrimary || a.Primary
	}
	for i, w := range want {
		found := -1
		for j, a := range addrs {
			if a.key() == w.key() {
				found = j
			}
		}
		makePrimary := i == 0 && (primary || !hasPrimary)
		if makePrimary {
			for j := range addrs {
				addrs[j].Primary = false
			}
		}
		if found >= 0 {
			addrs[found].Primary = addrs[found].Primary || makePrimary
			addrs[found].Address = w.Address // a SIP name that differs only in case takes the wanted case
			continue
		}
		w.Primary = makePrimary
		addrs = append(addrs, w)
	}
	return addrs
}

// planProxies plans the user's proxyAddresses with its EUM values replaced by
// addrs (other proxy addresses kept as they are), and updates what the
// planner knows, so the next row of a batch sees it. It returns the change,
// or nil when the user is unchanged.
func (ep *EUMPlanner) planProxies(p *Plan, u *EUMUser, addrs []EUMAddress) *Change {
	var vals []string
	for _, v := range u.entry.GetAttributeValues("proxyAddresses") {
		if _, ok := ParseEUM(v); !ok {
			vals = append(vals, v)
		}
	}
	for _, a := range addrs {
		vals = append(vals, a.String())
	}
	c := updateCaseSensitive(p, eumKind, u.entry, "proxyAddresses", vals)
	if c == nil {
		return nil
	}
	u.planned = true
	for _, a := range u.Addresses {
		if list, ok := ep.owners[a.key()]; ok {
			ep.owners[a.key()] = removeUser(list, u)
		}
	}
	u.Addresses = addrs
	for _, a := range addrs {
		if list, ok := ep.owners[a.key()]; ok {
			ep.owners[a.key()] = append(list, u)
		}
	}
	u.entry = &ldap.Entry{DN: u.entry.DN, Attributes: []*ldap.EntryAttribute{
		ldap.NewEntryAttribute("proxyAddresses", vals), ldap.NewEntryAttribute("objectClass", u.entry.GetAttributeValues("objectClass"))}}
	return c
}

// updateCaseSensitive plans proxyAddresses with exact (case-sensitive) value
// comparison: EUM and eum differ only in case, and the case says which is primary.
// Only the values that change are deleted and added. It returns the planned
// change (its undo is the inverse modify), or nil when nothing changes.
func updateCaseSensitive(p *Plan, kind string, e *ldap.Entry, attr string, want []string) *Change {
	old := e.GetAttributeValues(attr)
	var del, add []string
	for _, v := range old {
		if !slices.Contains(want, v) {
			del = append(del, v)
		}
	}
	for _, v := range want {
		if !slices.Contains(old, v) {
			add = append(add, v)
		}
	}
	if len(del)+len(add) == 0 {
		p.Unchanged(kind, e.DN)
		return nil
	}
	c := &Change{Action: ActionModify, Kind: kind, DN: e.DN, Diffs: []AttrDiff{{Name: attr, Old: del, New: add}},
		req: swapValues(e.DN, attr, del, add), undo: swapValues(e.DN, attr, add, del)}
	p.Changes = append(p.Changes, c)
	return c
}

// swapValues is a modify that deletes del and adds add (values of attr).
func swapValues(dn, attr string, del, add []string) *ldap.ModifyRequest {
	req := ldap.NewModifyRequest(dn, nil)
	if len(del) > 0 {
		req.Delete(attr, del)
	}
	if len(add) > 0 {
		req.Add(attr, add)
	}
	return req
}

func removeUser(list []*EUMUser, u *EUMUser) []*EUMUser {
	out := make([]*EUMUser, 0, len(list))
	for _, x := range list {
		if x != u {
			out = append(out, x)
		}
	}
	return out
}

// PlanRemove removes a user's EUM addresses: those of one dial plan, one
// address, or all. When the primary goes and others stay, the first remaining
// one becomes primary (a user's EUM addresses need exactly one primary).
func (ep *EUMPlanner) PlanRemove(ctx context.Context, p *Plan, s EUMRemoveSpec) error {
	u, err := ep.User(ctx, s.User)
	if err != nil {
		return err
	}
	var pc string
	if s.DialPlan != "" {
		dp, err := ep.cat.DialPlan(ctx, s.DialPlan)
		if err != nil {
			return err
		}
		pc = dp.PhoneContext
	}
	if !s.All && s.Address == "" && pc == "" {
		return fieldErr(FieldDialPlan, "", "give a dial plan, an address or all")
	}
	removed, _ := ep.planDrop(p, u, func(a EUMAddress) bool {
		return s.All || ((pc == "" || strings.EqualFold(a.PhoneContext, pc)) && (s.Address == "" || strings.EqualFold(a.Address, s.Address)))
	})
	if removed == 0 {
		return absent(p, fmt.Errorf("%w: user %s has no matching EUM address", ErrNotFound, u.Account))
	}
	return nil
}
