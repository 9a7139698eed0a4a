package ad

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// EUM proxy addresses (proxyAddresses on users): how Exchange UM finds the
// mailbox for a call. <prefix>:<extension|E.164|sip name>;phone-context=<context>;
// prefix EUM (primary) or eum (secondary). The address is what stands before
// the last ";phone-context=".

const eumKind = "user"

// EUMAddress is one parsed EUM proxy address.
type EUMAddress struct {
	Primary      bool   `json:"primary"`
	Address      string `json:"address"` // extension, E.164 number or SIP name
	PhoneContext string `json:"phoneContext"`
}

// ParseEUM parses a proxyAddresses value; ok is false when it is not an EUM address.
func ParseEUM(v string) (EUMAddress, bool) {
	if len(v) < 4 || !strings.EqualFold(v[:4], "eum:") {
		return EUMAddress{}, false
	}
	rest := v[4:]
	i := strings.LastIndex(strings.ToLower(rest), ";phone-context=")
	if i < 0 {
		return EUMAddress{Primary: v[:3] == "EUM", Address: rest}, true
	}
	return EUMAddress{Primary: v[:3] == "EUM", Address: rest[:i], PhoneContext: rest[i+len(";phone-context="):]}, true
}

// String renders the proxyAddresses value.
func (e EUMAddress) String() string {
	prefix := "eum:"
	if e.Primary {
		prefix = "EUM:"
	}
	return prefix + e.Address + ";phone-context=" + e.PhoneContext
}

// IsSIP reports a SIP name (contains @).
func (e EUMAddress) IsSIP() bool { return strings.Contains(e.Address, "@") }

// key identifies an address within a phone context, case-insensitively.
func (e EUMAddress) key() string {
	return strings.ToLower(e.Address) + ";" + strings.ToLower(e.PhoneContext)
}

// EUMUser is a user with the EUM addresses it has.
type EUMUser struct {
	DN        string       `json:"dn"`
	Account   string       `json:"sAMAccountName"`
	UPN       string       `json:"userPrincipalName"`
	SIP       string       `json:"sipAddress"`
	Addresses []EUMAddress `json:"eumAddresses"`
	entry     *ldap.Entry
}

var userAttrs = []string{"sAMAccountName", "userPrincipalName", "msRTCSIP-PrimaryUserAddress", "proxyAddresses"}

func eumUserFromEntry(e *ldap.Entry) *EUMUser {
	u := &EUMUser{DN: e.DN, Account: e.GetAttributeValue("sAMAccountName"), UPN: e.GetAttributeValue("userPrincipalName"),
		SIP: e.GetAttributeValue("msRTCSIP-PrimaryUserAddress"), entry: e}
	for _, v := range e.GetAttributeValues("proxyAddresses") {
		if a, ok := ParseEUM(v); ok {
			u.Addresses = append(u.Addresses, a)
		}
		if u.SIP == "" && strings.HasPrefix(strings.ToLower(v), "sip:") {
			u.SIP = v
		}
	}
	return u
}

// EUMDirectory is one paged read of the users and dial plans that EUM work
// needs: every user's names and proxy addresses, indexed for lookups, and the
// dial plans with their auto attendant numbers. Single commands and CSV files use it alike.
type EUMDirectory struct {
	d      *Dir
	users  []*EUMUser
	byName map[string][]*EUMUser // lower sAMAccountName, UPN, sip:…, DN → users
	owners map[string][]*EUMUser // EUMAddress.key() → users having it
	plans  []DialPlan
	aaNums map[string][]string
}

// LoadEUMDirectory reads every user (paged) and the dial plans.
func (d *Dir) LoadEUMDirectory(ctx context.Context) (*EUMDirectory, error) {
	plans, err := d.DialPlans(ctx)
	if err != nil {
		return nil, err
	}
	aaNums, err := d.autoAttendantNumbers(ctx)
	if err != nil {
		return nil, err
	}
	es, err := d.Search(ctx, d.RootDSE.DefaultNC, ldap.ScopeWholeSubtree, "(&(objectCategory=person)(objectClass=user))", userAttrs)
	if err != nil {
		return nil, err
	}
	ed := &EUMDirectory{d: d, plans: plans, aaNums: aaNums, byName: map[string][]*EUMUser{}, owners: map[string][]*EUMUser{}}
	for _, e := range es {
		u := eumUserFromEntry(e)
		ed.users = append(ed.users, u)
		for _, n := range []string{u.Account, u.UPN, u.SIP, u.DN} {
			if n != "" {
				ed.byName[strings.ToLower(n)] = append(ed.byName[strings.ToLower(n)], u)
			}
		}
		for _, a := range u.Addresses {
			ed.owners[a.key()] = append(ed.owners[a.key()], u)
		}
	}
	return ed, nil
}

// User finds a user by sAMAccountName, UPN, SIP address (with or without sip:) or DN.
func (ed *EUMDirectory) User(name string) (*EUMUser, error) {
	n := strings.ToLower(strings.TrimSpace(name))
	found := ed.byName[n]
	if len(found) == 0 && !strings.HasPrefix(n, "sip:") {
		found = ed.byName["sip:"+n]
	}
	if len(found) == 0 {
		if dn, err := ldap.ParseDN(name); err == nil {
			for _, u := range ed.users {
				if udn, _ := ldap.ParseDN(u.DN); udn != nil && udn.EqualFold(dn) {
					found = append(found, u)
				}
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, fmt.Errorf("%w: user %q: no user with that sAMAccountName, UPN, SIP address or DN", ErrInvalid, name)
	case 1:
		return found[0], nil
	}
	return nil, fmt.Errorf("%w: user %q matches %d users; give the DN", ErrInvalid, name, len(found))
}

// DialPlan finds a dial plan by name.
func (ed *EUMDirectory) DialPlan(name string) (DialPlan, error) {
	for _, p := range ed.plans {
		if strings.EqualFold(p.Name, name) {
			return p, nil
		}
	}
	names := make([]string, len(ed.plans))
	for i, p := range ed.plans {
		names[i] = p.Name
	}
	return DialPlan{}, fmt.Errorf("%w: --dial-plan %q: no such UM dial plan (have: %s)", ErrInvalid, name, strings.Join(names, ", "))
}

// planByContext finds the dial plan of a phone context.
func (ed *EUMDirectory) planByContext(pc string) (DialPlan, bool) {
	for _, p := range ed.plans {
		if strings.EqualFold(p.PhoneContext, pc) {
			return p, true
		}
	}
	return DialPlan{}, false
}

// EquivalentContexts returns the phone context of dp and every context
// equivalent to it (listed by dp, or listing dp), as Exchange's uniqueness checks use them.
func (ed *EUMDirectory) EquivalentContexts(dp DialPlan) []string {
	set := map[string]string{strings.ToLower(dp.PhoneContext): dp.PhoneContext}
	for _, pc := range dp.EquivalentPhoneContexts {
		set[strings.ToLower(pc)] = pc
	}
	for _, p := range ed.plans {
		for _, pc := range p.EquivalentPhoneContexts {
			if strings.EqualFold(pc, dp.PhoneContext) {
				set[strings.ToLower(p.PhoneContext)] = p.PhoneContext
			}
		}
	}
	out := make([]string, 0, len(set))
	for _, v := range set {
		out = append(out, v)
	}
	sort.Strings(out)
	return out
}

// Owners returns the users that have address in dp's phone context or an equivalent one.
func (ed *EUMDirectory) Owners(dp DialPlan, address string) []*EUMUser {
	var out []*EUMUser
	for _, pc := range ed.EquivalentContexts(dp) {
		out = append(out, ed.owners[EUMAddress{Address: address, PhoneContext: pc}.key()]...)
	}
	return out
}

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

// validateExtension checks an extension as Exchange does for the plan's URI type.
func validateExtension(dp DialPlan, ext string) error {
	if ext == "" {
		return fmt.Errorf("%w: --extension is required", ErrInvalid)
	}
	if dp.URIType == URITypeName(URIE164) {
		if !e164RE.MatchString(ext) {
			return fmt.Errorf("%w: --extension %q: dial plan %s is E.164: expected + and up to 15 digits, such as +4721000123", ErrInvalid, ext, dp.Name)
		}
		return nil
	}
	if !digitsRE.MatchString(ext) || len(ext) != dp.NumberOfDigits {
		return fmt.Errorf("%w: --extension %q: dial plan %s needs exactly %d digits", ErrInvalid, ext, dp.Name, dp.NumberOfDigits)
	}
	return nil
}

// PlanAdd adds EUM addresses to a user (or records it unchanged). Validation
// errors name the field; nothing is added to p then. The modify carries the old
// proxyAddresses values it replaces, so a concurrent change fails with ErrConflict.
func (ed *EUMDirectory) PlanAdd(p *Plan, s EUMSpec) error {
	u, err := ed.User(s.User)
	if err != nil {
		return err
	}
	dp, err := ed.DialPlan(s.DialPlan)
	if err != nil {
		return err
	}
	if err := validateExtension(dp, s.Extension); err != nil {
		return err
	}
	var want []EUMAddress
	switch {
	case dp.IsSIP():
		sipName := s.SIPName
		if sipName == "" {
			sipName = strings.TrimPrefix(strings.TrimPrefix(u.SIP, "sip:"), "SIP:")
		}
		if sipName == "" {
			return fmt.Errorf("%w: --sip-name is required: dial plan %s is a SIP URI plan and user %s has no SIP address", ErrInvalid, dp.Name, u.Account)
		}
		if !strings.Contains(sipName, "@") || strings.ContainsAny(sipName, " ;:") {
			return fmt.Errorf("%w: --sip-name %q: expected user@domain", ErrInvalid, sipName)
		}
		want = []EUMAddress{{Address: sipName, PhoneContext: dp.PhoneContext}, {Address: s.Extension, PhoneContext: dp.PhoneContext}}
	case s.SIPName != "":
		return fmt.Errorf("%w: --sip-name: dial plan %s is a %s plan; SIP names belong to SIP URI plans", ErrInvalid, dp.Name, dp.URIType)
	default:
		want = []EUMAddress{{Address: s.Extension, PhoneContext: dp.PhoneContext}}
	}
	for _, w := range want {
		for _, o := range ed.Owners(dp, w.Address) {
			if o != u {
				return fmt.Errorf("%w: %s %q in dial plan %s is already used by %s (checked in %s)", ErrInvalid, fieldOf(w), w.Address, dp.Name, o.DN, strings.Join(ed.EquivalentContexts(dp), ", "))
			}
		}
		if !w.IsSIP() {
			if contains(dp.AccessNumbers, w.Address) {
				return fmt.Errorf("%w: --extension %s is the subscriber access number of dial plan %s", ErrInvalid, w.Address, dp.Name)
			}
			if contains(ed.aaNums[strings.ToLower(dp.DN)], w.Address) {
				return fmt.Errorf("%w: --extension %s is an auto attendant number of dial plan %s", ErrInvalid, w.Address, dp.Name)
			}
		}
	}
	// New address list: keep what is there, add what is missing; the first EUM
	// of a user is primary, and --primary makes the new one primary.
	addrs := append([]EUMAddress{}, u.Addresses...)
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
		makePrimary := i == 0 && (s.Primary || !hasPrimary)
		if makePrimary {
			for j := range addrs {
				addrs[j].Primary = false
			}
		}
		if found >= 0 {
			addrs[found].Primary = addrs[found].Primary || makePrimary
			continue
		}
		w.Primary = makePrimary
		addrs = append(addrs, w)
	}
	ed.planProxies(p, u, addrs)
	return nil
}

func fieldOf(a EUMAddress) string {
	if a.IsSIP() {
		return "--sip-name"
	}
	return "--extension"
}

// planProxies plans the user's proxyAddresses with its EUM values replaced by
// addrs (other proxy addresses kept as they are), and updates the index so the
// next row of a batch sees it.
func (ed *EUMDirectory) planProxies(p *Plan, u *EUMUser, addrs []EUMAddress) {
	var vals []string
	for _, v := range u.entry.GetAttributeValues("proxyAddresses") {
		if _, ok := ParseEUM(v); !ok {
			vals = append(vals, v)
		}
	}
	for _, a := range addrs {
		vals = append(vals, a.String())
	}
	before := len(p.Changes)
	updateCaseSensitive(p, eumKind, u.entry, "proxyAddresses", vals)
	if len(p.Changes) > before && p.Changes[len(p.Changes)-1].Action == ActionUnchanged {
		return
	}
	for _, a := range u.Addresses {
		ed.owners[a.key()] = removeUser(ed.owners[a.key()], u)
	}
	u.Addresses = addrs
	for _, a := range addrs {
		ed.owners[a.key()] = append(ed.owners[a.key()], u)
	}
	u.entry = &ldap.Entry{DN: u.entry.DN, Attributes: []*ldap.EntryAttribute{ldap.NewEntryAttribute("proxyAddresses", vals)}}
}

// updateCaseSensitive plans proxyAddresses with exact (case-sensitive) value
// comparison: EUM and eum differ only in case, and the case says which is primary.
// Only the values that change are deleted and added.
func updateCaseSensitive(p *Plan, kind string, e *ldap.Entry, attr string, want []string) {
	old := e.GetAttributeValues(attr)
	var del, add []string
	for _, v := range old {
		if !contains(want, v) {
			del = append(del, v)
		}
	}
	for _, v := range want {
		if !contains(old, v) {
			add = append(add, v)
		}
	}
	if len(del)+len(add) == 0 {
		p.Unchanged(kind, e.DN)
		return
	}
	req := ldap.NewModifyRequest(e.DN, nil)
	if len(del) > 0 {
		req.Delete(attr, del)
	}
	if len(add) > 0 {
		req.Add(attr, add)
	}
	p.Changes = append(p.Changes, &Change{Action: ActionModify, Kind: kind, DN: e.DN, Diffs: []AttrDiff{{Name: attr, Old: del, New: add}}, req: req})
}

func removeUser(list []*EUMUser, u *EUMUser) []*EUMUser {
	out := list[:0]
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
func (ed *EUMDirectory) PlanRemove(p *Plan, user, dialPlan, address string, all bool) error {
	u, err := ed.User(user)
	if err != nil {
		return err
	}
	var pc string
	if dialPlan != "" {
		dp, err := ed.DialPlan(dialPlan)
		if err != nil {
			return err
		}
		pc = dp.PhoneContext
	}
	if !all && address == "" && pc == "" {
		return fmt.Errorf("%w: give --dial-plan, --extension or --all", ErrInvalid)
	}
	var keep []EUMAddress
	removedPrimary, removed := false, 0
	for _, a := range u.Addresses {
		match := all || ((pc == "" || strings.EqualFold(a.PhoneContext, pc)) && (address == "" || strings.EqualFold(a.Address, address)))
		if match {
			removed++
			removedPrimary = removedPrimary || a.Primary
			continue
		}
		keep = append(keep, a)
	}
	if removed == 0 {
		return fmt.Errorf("%w: user %s has no matching EUM address", ErrNotFound, u.Account)
	}
	if removedPrimary && len(keep) > 0 {
		keep[0].Primary = true
		p.Warnf("%s: the primary EUM address was removed; %s is primary now", u.Account, keep[0].String())
	}
	ed.planProxies(p, u, keep)
	return nil
}

// EUMEntry is one row of `eum list`.
type EUMEntry struct {
	User     string `json:"user"`
	DN       string `json:"dn"`
	DialPlan string `json:"dialPlan"`
	EUMAddress
	Proxy string `json:"proxyAddress"`
}

// List returns the EUM addresses of one user (or all) in one dial plan (or all).
func (ed *EUMDirectory) List(user, dialPlan string) ([]EUMEntry, error) {
	users := ed.users
	if user != "" {
		u, err := ed.User(user)
		if err != nil {
			return nil, err
		}
		users = []*EUMUser{u}
	}
	var pc string
	if dialPlan != "" {
		dp, err := ed.DialPlan(dialPlan)
		if err != nil {
			return nil, err
		}
		pc = dp.PhoneContext
	}
	out := []EUMEntry{}
	for _, u := range users {
		for _, a := range u.Addresses {
			if pc != "" && !strings.EqualFold(a.PhoneContext, pc) {
				continue
			}
			dpName := ""
			if dp, ok := ed.planByContext(a.PhoneContext); ok {
				dpName = dp.Name
			}
			out = append(out, EUMEntry{User: u.Account, DN: u.DN, DialPlan: dpName, EUMAddress: a, Proxy: a.String()})
		}
	}
	return out, nil
}

// FindResult is the answer of `eum find`.
type FindResult struct {
	Query              string     `json:"query"`
	DialPlan           string     `json:"dialPlan"`
	PhoneContexts      []string   `json:"phoneContexts"` // the plan's and the equivalent ones searched
	ProxyAddress       string     `json:"proxyAddress"`  // what Exchange looks up
	Owners             []EUMEntry `json:"owners"`
	AccessNumber       bool       `json:"subscriberAccessNumber,omitempty"`
	AutoAttendantNumer bool       `json:"autoAttendantNumber,omitempty"`
}

// Find does the lookup Exchange UM does for a call: the exact proxy address in
// the plan's phone context, and in the equivalent ones. It asks the directory
// with a filter (independent of the index), so it sees writes made since loading.
func (ed *EUMDirectory) Find(ctx context.Context, query, dialPlan string) (FindResult, error) {
	dp, err := ed.DialPlan(dialPlan)
	if err != nil {
		return FindResult{}, err
	}
	q := strings.TrimPrefix(strings.TrimPrefix(query, "sip:"), "tel:")
	r := FindResult{Query: query, DialPlan: dp.Name, PhoneContexts: ed.EquivalentContexts(dp), Owners: []EUMEntry{},
		ProxyAddress: "eum:" + q + ";phone-context=" + dp.PhoneContext,
		AccessNumber: contains(dp.AccessNumbers, q), AutoAttendantNumer: contains(ed.aaNums[strings.ToLower(dp.DN)], q)}
	f := "(|"
	for _, pc := range r.PhoneContexts {
		f += Filter("proxyAddresses", "eum:"+q+";phone-context="+pc)
	}
	f += ")"
	es, err := ed.d.Search(ctx, ed.d.RootDSE.DefaultNC, ldap.ScopeWholeSubtree, f, userAttrs)
	if err != nil {
		return r, err
	}
	for _, e := range es {
		u := eumUserFromEntry(e)
		for _, a := range u.Addresses {
			if strings.EqualFold(a.Address, q) && contains(lowerAll(r.PhoneContexts), strings.ToLower(a.PhoneContext)) {
				name := ""
				if p, ok := ed.planByContext(a.PhoneContext); ok {
					name = p.Name
				}
				r.Owners = append(r.Owners, EUMEntry{User: u.Account, DN: u.DN, DialPlan: name, EUMAddress: a, Proxy: a.String()})
			}
		}
	}
	return r, nil
}

func lowerAll(v []string) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = strings.ToLower(s)
	}
	return out
}

// Finding is one defect `eum check` reports.
type Finding struct {
	Problem string `json:"problem"`
	User    string `json:"user"`
	DN      string `json:"dn"`
	Proxy   string `json:"proxyAddress,omitempty"`
	Detail  string `json:"detail"`
}

// Problems `eum check` knows.
const (
	ProblemDuplicate     = "duplicate"
	ProblemLength        = "wrong-length"
	ProblemFormat        = "wrong-format"
	ProblemUnknownPlan   = "unknown-phone-context"
	ProblemNoPrimary     = "no-primary"
	ProblemManyPrimaries = "several-primaries"
)

// Check audits every user's EUM addresses (or those in one dial plan).
func (ed *EUMDirectory) Check(dialPlan string) ([]Finding, error) {
	var only *DialPlan
	if dialPlan != "" {
		dp, err := ed.DialPlan(dialPlan)
		if err != nil {
			return nil, err
		}
		only = &dp
	}
	inScope := func(pc string) bool {
		if only == nil {
			return true
		}
		return contains(lowerAll(ed.EquivalentContexts(*only)), strings.ToLower(pc))
	}
	findings := []Finding{}
	reported := map[string]bool{}
	for _, u := range ed.users {
		primaries, n := 0, 0
		for _, a := range u.Addresses {
			if !inScope(a.PhoneContext) {
				continue
			}
			n++
			if a.Primary {
				primaries++
			}
			dp, ok := ed.planByContext(a.PhoneContext)
			if !ok {
				findings = append(findings, Finding{ProblemUnknownPlan, u.Account, u.DN, a.String(), "no dial plan has phone context " + a.PhoneContext})
				continue
			}
			if !a.IsSIP() {
				if err := validateExtension(dp, a.Address); err != nil {
					problem := ProblemLength
					if dp.URIType == URITypeName(URIE164) || !digitsRE.MatchString(a.Address) {
						problem = ProblemFormat
					}
					findings = append(findings, Finding{problem, u.Account, u.DN, a.String(), strings.TrimPrefix(err.Error(), ErrInvalid.Error()+": --extension ")})
				}
			}
			var others []string
			for _, o := range ed.Owners(dp, a.Address) {
				if o != u {
					others = append(others, o.Account)
				}
			}
			if len(others) > 0 && !reported[u.DN+a.key()] {
				sort.Strings(others)
				findings = append(findings, Finding{ProblemDuplicate, u.Account, u.DN, a.String(), "also used by " + strings.Join(others, ", ") + " in " + strings.Join(ed.EquivalentContexts(dp), ", ")})
				reported[u.DN+a.key()] = true
			}
		}
		if n > 0 && primaries == 0 && only == nil {
			findings = append(findings, Finding{ProblemNoPrimary, u.Account, u.DN, "", fmt.Sprintf("%d EUM address(es), none primary (upper-case EUM:)", n)})
		}
		if primaries > 1 {
			findings = append(findings, Finding{ProblemManyPrimaries, u.Account, u.DN, "", fmt.Sprintf("%d primary EUM addresses", primaries)})
		}
	}
	return findings, nil
}
