package ad

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
	"github.com/google/uuid"
)

const contactKind = "contact"

// Enterprise Voice bit of msRTCSIP-OptionFlags.
const optionEnterpriseVoice = 128

// Contact is an Exchange UM contact: a contact object that gives a subscriber
// access or auto attendant number a SIP identity in Lync.
type Contact struct {
	Identity           string   `json:"identity"` // DN
	Name               string   `json:"name"`     // CN, {GUID} for contacts Lync made
	DisplayName        string   `json:"displayName"`
	Description        string   `json:"description"`
	SIPAddress         string   `json:"sipAddress"`
	RegistrarPool      string   `json:"registrarPool"`
	HomeServer         string   `json:"homeServer"`
	LineURI            string   `json:"lineURI"`
	DisplayNumber      string   `json:"displayNumber"`
	DialPlan           string   `json:"dialPlan"`
	PhoneContext       string   `json:"phoneContext"`
	AutoAttendant      bool     `json:"autoAttendant"`
	IsSubscriberAccess bool     `json:"isSubscriberAccess"`
	Enabled            bool     `json:"enabled"`
	EnterpriseVoice    bool     `json:"enterpriseVoiceEnabled"`
	OtherIPPhone       []string `json:"otherIpPhone"` // raw values, as stored
	entry              *ldap.Entry
}

var contactAttrs = []string{"cn", "displayName", "description", "msRTCSIP-PrimaryUserAddress", "msRTCSIP-PrimaryHomeServer",
	"msRTCSIP-Line", "telephoneNumber", "otherIpPhone", "msRTCSIP-UserEnabled", "msRTCSIP-OptionFlags", "proxyAddresses"}

// ContactSpec is a wanted Exchange UM contact (flags of `contact new`, a CSV row).
type ContactSpec struct {
	SIPAddress      string
	RegistrarPool   string
	OU              string
	DisplayNumber   string
	DialPlan        string
	AutoAttendant   bool
	DisplayName     string
	Description     string
	EnterpriseVoice bool
}

var (
	// A conservative subset of RFC 3261 user names: what Lync SIP addresses use.
	sipRE    = regexp.MustCompile(`^(?i:sip):[A-Za-z0-9._'+!~&=$-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$`)
	numberRE = regexp.MustCompile(`^\+?[1-9][0-9]{0,19}$`)
)

// ValidateSIP checks the form of a SIP address ("sip:user@domain").
func ValidateSIP(field, v string) error {
	if !sipRE.MatchString(v) {
		return fmt.Errorf("%w: %s %q: expected a SIP URI such as sip:ova@contoso.com (user part: letters, digits and . _ - ' + ! ~ & = $)", ErrInvalid, field, v)
	}
	return nil
}

// ValidateNumber checks a display number: E.164 (+ then digits) or digits, first digit not 0.
func ValidateNumber(field, v string) error {
	if !numberRE.MatchString(v) {
		return fmt.Errorf("%w: %s %q: expected an E.164 number such as +14255550100, or digits; the first digit must not be 0", ErrInvalid, field, v)
	}
	return nil
}

// directory facts a batch of contact plans shares (read once).
type contactEnv struct {
	pools    []Pool
	plans    []DialPlan
	aaNums   map[string][]string // dial plan DN (lower) → auto attendant numbers
	ous      map[string]bool
	sipTaken map[string]string // lower sip → DN planned in this batch
	numTaken map[string]string // number → DN planned in this batch
}

func (d *Dir) newContactEnv(ctx context.Context) (*contactEnv, error) {
	pools, err := d.Pools(ctx)
	if err != nil {
		return nil, err
	}
	plans, err := d.DialPlans(ctx)
	if err != nil {
		return nil, err
	}
	aaNums, err := d.autoAttendantNumbers(ctx)
	if err != nil {
		return nil, err
	}
	return &contactEnv{pools: pools, plans: plans, aaNums: aaNums, ous: map[string]bool{}, sipTaken: map[string]string{}, numTaken: map[string]string{}}, nil
}

// autoAttendantNumbers maps a dial plan DN (lower case) to its auto attendants' numbers.
func (d *Dir) autoAttendantNumbers(ctx context.Context) (map[string][]string, error) {
	base, err := d.UMContainer(ctx, AutoAttendantContainer)
	if err != nil {
		return nil, err
	}
	aas, err := d.Search(ctx, base, ldap.ScopeSingleLevel, "(objectClass=msExchUMAutoAttendant)", []string{"msExchUMAutoAttendantDialPlanLink", "msExchUMAutoAttendantDialedNumbers"})
	if err != nil && !isNotFound(err) {
		return nil, err
	}
	out := map[string][]string{}
	for _, aa := range aas {
		k := strings.ToLower(aa.GetAttributeValue("msExchUMAutoAttendantDialPlanLink"))
		out[k] = append(out[k], aa.GetAttributeValues("msExchUMAutoAttendantDialedNumbers")...)
	}
	return out, nil
}

func (e *contactEnv) pool(fqdn string) (Pool, error) {
	for _, p := range e.pools {
		if strings.EqualFold(p.FQDN, fqdn) {
			return p, nil
		}
	}
	names := make([]string, 0, len(e.pools))
	for _, p := range e.pools {
		names = append(names, p.FQDN)
	}
	return Pool{}, fmt.Errorf("%w: --registrar-pool %q: no such pool (pools: %s)", ErrInvalid, fqdn, strings.Join(names, ", "))
}

func (e *contactEnv) dialPlan(name string) (DialPlan, error) {
	for _, p := range e.plans {
		if strings.EqualFold(p.Name, name) {
			if !p.IsSIP() {
				return p, fmt.Errorf("%w: --dial-plan %q is a %s dial plan; Exchange UM contacts need a SIP URI (SipName) dial plan", ErrInvalid, name, p.URIType)
			}
			return p, nil
		}
	}
	var sip []string
	for _, p := range e.plans {
		if p.IsSIP() {
			sip = append(sip, p.Name)
		}
	}
	return DialPlan{}, fmt.Errorf("%w: --dial-plan %q: no such UM dial plan (SIP URI dial plans: %s)", ErrInvalid, name, strings.Join(sip, ", "))
}

func (e *contactEnv) planByContext(pc string) string {
	for _, p := range e.plans {
		if pc != "" && strings.EqualFold(p.PhoneContext, pc) {
			return p.Name
		}
	}
	return ""
}

func (e *contactEnv) poolByHomeServer(dn string) string {
	for _, p := range e.pools {
		if valueEqual(dn, homeServerDN(p)) || valueEqual(dn, p.DN) {
			return p.FQDN
		}
	}
	return ""
}

// homeServerDN is the pool's service object that msRTCSIP-PrimaryHomeServer names.
func homeServerDN(p Pool) string { return "CN=Lc Services,CN=Microsoft," + p.DN }

// findOwners returns the DNs of users and contacts that use a SIP address or a
// line number, except skip.
func (d *Dir) findOwners(ctx context.Context, sip, number, skip string) (sipOwners, numOwners []string, err error) {
	base := d.RootDSE.DefaultNC
	if sip != "" {
		es, err := d.Search(ctx, base, ldap.ScopeWholeSubtree, "(|"+Filter("msRTCSIP-PrimaryUserAddress", sip)+Filter("proxyAddresses", sip)+")", []string{"1.1"})
		if err != nil {
			return nil, nil, err
		}
		for _, e := range es {
			if !valueEqual(e.DN, skip) {
				sipOwners = append(sipOwners, e.DN)
			}
		}
	}
	if number != "" {
		line := "tel:" + number
		es, err := d.Search(ctx, base, ldap.ScopeWholeSubtree, "(|"+Filter("msRTCSIP-Line", line)+"(msRTCSIP-Line="+ldap.EscapeFilter(line+";")+"*))", []string{"1.1"})
		if err != nil {
			return nil, nil, err
		}
		for _, e := range es {
			if !valueEqual(e.DN, skip) {
				numOwners = append(numOwners, e.DN)
			}
		}
	}
	return sipOwners, numOwners, nil
}

// contactState is the attribute set a spec asks for.
func contactState(s ContactSpec, pool Pool, dp DialPlan, optionFlags int, enabled bool) []Attr {
	t := SubscriberAccess
	if s.AutoAttendant {
		t = AutoAttendant
	}
	sipUser := s.SIPAddress[len("sip:"):]
	flags := setBit(optionFlags, optionEnterpriseVoice, s.EnterpriseVoice)
	var flagVals []string
	if flags != 0 || optionFlags != 0 {
		flagVals = []string{strconv.Itoa(flags)}
	}
	return []Attr{
		{"displayName", []string{s.DisplayName}},
		{"description", nonEmpty(s.Description)},
		{"msRTCSIP-PrimaryUserAddress", []string{s.SIPAddress}},
		{"msRTCSIP-PrimaryHomeServer", []string{homeServerDN(pool)}},
		{"msRTCSIP-UserEnabled", []string{boolValue(enabled)}},
		{"msRTCSIP-Line", []string{"tel:" + s.DisplayNumber}},
		{"telephoneNumber", []string{s.DisplayNumber}},
		{"msRTCSIP-OptionFlags", flagVals},
		{"otherIpPhone", EncodeOtherIPPhone(UMContactData{SIP: sipUser, PhoneContext: dp.PhoneContext, Type: t})},
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

// ContactPlanner plans Exchange UM contacts one after another (a CSV file), reading
// the pools, dial plans and auto attendants once and catching duplicates within the batch.
type ContactPlanner struct {
	d   *Dir
	env *contactEnv
	idx *rtcIndex // bulk: every SIP address and line URI, read once
}

// rtcIndex maps SIP addresses and line numbers to the objects that use them.
type rtcIndex struct {
	sip      map[string][]string // lower-case sip:… → DNs (primary address or sip: proxy)
	number   map[string][]string // number of tel:<number>[;…] → DNs
	contacts map[string][]*ldap.Entry
}

// NewContactPlanner reads what contact plans need from the directory. With bulk,
// it also reads every SIP address and line URI in one paged search, so that each
// row is checked in memory instead of with searches of its own.
func (d *Dir) NewContactPlanner(ctx context.Context, bulk bool) (*ContactPlanner, error) {
	env, err := d.newContactEnv(ctx)
	if err != nil {
		return nil, err
	}
	cp := &ContactPlanner{d: d, env: env}
	if bulk {
		es, err := d.Search(ctx, d.RootDSE.DefaultNC, ldap.ScopeWholeSubtree,
			"(|(msRTCSIP-PrimaryUserAddress=*)(msRTCSIP-Line=*)(proxyAddresses=sip:*))", append([]string{"objectClass"}, contactAttrs...))
		if err != nil {
			return nil, err
		}
		idx := &rtcIndex{sip: map[string][]string{}, number: map[string][]string{}, contacts: map[string][]*ldap.Entry{}}
		for _, e := range es {
			seen := map[string]bool{}
			for _, v := range append(e.GetAttributeValues("proxyAddresses"), e.GetAttributeValue("msRTCSIP-PrimaryUserAddress")) {
				if k := strings.ToLower(v); strings.HasPrefix(k, "sip:") && !seen[k] {
					seen[k] = true
					idx.sip[k] = append(idx.sip[k], e.DN)
				}
			}
			if line := e.GetAttributeValue("msRTCSIP-Line"); strings.HasPrefix(line, "tel:") {
				n, _, _ := strings.Cut(line[4:], ";")
				idx.number[n] = append(idx.number[n], e.DN)
			}
			if contains(e.GetAttributeValues("objectClass"), "contact") {
				k := strings.ToLower(e.GetAttributeValue("msRTCSIP-PrimaryUserAddress"))
				idx.contacts[k] = append(idx.contacts[k], e)
			}
		}
		cp.idx = idx
	}
	return cp, nil
}

func (cp *ContactPlanner) contactsBySIP(ctx context.Context, sip string) ([]*ldap.Entry, error) {
	if cp.idx != nil {
		return cp.idx.contacts[strings.ToLower(sip)], nil
	}
	return cp.d.contactsBySIP(ctx, sip)
}

func (cp *ContactPlanner) findOwners(ctx context.Context, sip, number, skip string) ([]string, []string, error) {
	if cp.idx == nil {
		return cp.d.findOwners(ctx, sip, number, skip)
	}
	var so, no []string
	for _, dn := range cp.idx.sip[strings.ToLower(sip)] {
		if !valueEqual(dn, skip) {
			so = append(so, dn)
		}
	}
	for _, dn := range cp.idx.number[number] {
		if !valueEqual(dn, skip) {
			no = append(no, dn)
		}
	}
	return so, no, nil
}

// PlanNew adds to p the creation of the contact s, or records it unchanged when
// a contact with that SIP address already is exactly that. Warnings go to p.
// Nothing is added to p when an error is returned.
func (cp *ContactPlanner) PlanNew(ctx context.Context, p *Plan, s ContactSpec) error {
	d, env := cp.d, cp.env
	if err := ValidateSIP("--sip-address", s.SIPAddress); err != nil {
		return err
	}
	s.SIPAddress = "sip:" + s.SIPAddress[4:]
	if err := ValidateNumber("--display-number", s.DisplayNumber); err != nil {
		return err
	}
	pool, err := env.pool(s.RegistrarPool)
	if err != nil {
		return err
	}
	dp, err := env.dialPlan(s.DialPlan)
	if err != nil {
		return err
	}
	if _, err := ldap.ParseDN(s.OU); err != nil || s.OU == "" {
		return fmt.Errorf("%w: --ou %q: expected a DN such as OU=ExUmContacts,DC=contoso,DC=com", ErrInvalid, s.OU)
	}
	if !env.ous[strings.ToLower(s.OU)] {
		ok, err := d.Exists(ctx, s.OU)
		if err != nil {
			return err
		}
		if !ok {
			return fmt.Errorf("%w: --ou %q does not exist", ErrInvalid, s.OU)
		}
		env.ous[strings.ToLower(s.OU)] = true
	}
	if s.DisplayName == "" {
		s.DisplayName = dp.Name + " Subscriber Access"
		if s.AutoAttendant {
			s.DisplayName = dp.Name + " Auto Attendant"
		}
	}
	if dn, ok := env.sipTaken[strings.ToLower(s.SIPAddress)]; ok {
		return fmt.Errorf("%w: --sip-address %s is already used by %s in this batch", ErrInvalid, s.SIPAddress, dn)
	}
	if dn, ok := env.numTaken[s.DisplayNumber]; ok {
		return fmt.Errorf("%w: --display-number %s is already used by %s in this batch", ErrInvalid, s.DisplayNumber, dn)
	}
	existing, err := cp.contactsBySIP(ctx, s.SIPAddress)
	if err != nil {
		return err
	}
	want := contactState(s, pool, dp, 0, true)
	var self string
	if len(existing) == 1 {
		self = existing[0].DN
	}
	sipOwners, numOwners, err := cp.findOwners(ctx, s.SIPAddress, s.DisplayNumber, self)
	if err != nil {
		return err
	}
	if len(sipOwners) > 0 {
		return fmt.Errorf("%w: --sip-address %s is already used by %s (SIP addresses are unique across users and contacts)", ErrInvalid, s.SIPAddress, sipOwners[0])
	}
	if len(numOwners) > 0 {
		return fmt.Errorf("%w: --display-number %s is already the line URI of %s (numbers are unique across users and contacts)", ErrInvalid, s.DisplayNumber, numOwners[0])
	}
	warnNumber(p, s, dp, env)
	if self != "" {
		e := existing[0]
		if !strings.EqualFold(parentDN(e.DN), s.OU) {
			return fmt.Errorf("%w: %s already exists as %s (in another OU); use `umctl contact set` or remove it first", ErrConflict, s.SIPAddress, e.DN)
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
		env.sipTaken[strings.ToLower(s.SIPAddress)], env.numTaken[s.DisplayNumber] = e.DN, e.DN
		return nil
	}
	dn := RDN("CN", "{"+uuid.NewString()+"}") + "," + s.OU
	p.Add(contactKind, dn, append([]Attr{{"objectClass", []string{"contact"}}}, append(want, Attr{"proxyAddresses", []string{s.SIPAddress}})...))
	env.sipTaken[strings.ToLower(s.SIPAddress)], env.numTaken[s.DisplayNumber] = dn, dn
	return nil
}

func warnNumber(p *Plan, s ContactSpec, dp DialPlan, env *contactEnv) {
	if s.AutoAttendant {
		nums := env.aaNums[strings.ToLower(dp.DN)]
		if !contains(nums, s.DisplayNumber) {
			p.Warnf("%s: %s is not an auto attendant number of dial plan %s (%s)", s.SIPAddress, s.DisplayNumber, dp.Name, orNone(nums))
		}
		return
	}
	if !contains(dp.AccessNumbers, s.DisplayNumber) {
		p.Warnf("%s: %s is not a subscriber access number of dial plan %s (%s)", s.SIPAddress, s.DisplayNumber, dp.Name, orNone(dp.AccessNumbers))
	}
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

func orNone(v []string) string {
	if len(v) == 0 {
		return "it has none"
	}
	return "it has " + strings.Join(v, ", ")
}

func (d *Dir) contactsBySIP(ctx context.Context, sip string) ([]*ldap.Entry, error) {
	return d.Search(ctx, d.RootDSE.DefaultNC, ldap.ScopeWholeSubtree, "(&(objectClass=contact)"+Filter("msRTCSIP-PrimaryUserAddress", sip)+")", contactAttrs)
}

// ContactFilter selects Exchange UM contacts for `contact get`.
type ContactFilter struct {
	Identity   string // SIP address, DN, {GUID} CN or display name; * is a wildcard (not in a DN)
	SIPAddress string // * is a wildcard
	OU         string
	Pool       string // FQDN
	Number     string // * is a wildcard
	DialPlan   string
	LDAPFilter string // ANDed as given
}

// Contacts lists Exchange UM contacts (contacts with a SIP address and otherIpPhone).
func (d *Dir) Contacts(ctx context.Context, f ContactFilter) ([]Contact, error) {
	env, err := d.newContactEnv(ctx)
	if err != nil {
		return nil, err
	}
	return d.contacts(ctx, env, f)
}

func (d *Dir) contacts(ctx context.Context, env *contactEnv, f ContactFilter) ([]Contact, error) {
	base, scope := d.RootDSE.DefaultNC, ldap.ScopeWholeSubtree
	filter := "(&(objectClass=contact)(msRTCSIP-PrimaryUserAddress=*)(otherIpPhone=*)"
	if f.OU != "" {
		base = f.OU
	}
	if id := f.Identity; id != "" {
		if _, err := ldap.ParseDN(id); err == nil && strings.Contains(id, "=") && !HasWildcard(id) {
			base, scope = id, ldap.ScopeBaseObject
		} else {
			filter += "(|" + Match("msRTCSIP-PrimaryUserAddress", withSIPScheme(id)) + Match("cn", id) + Match("displayName", id) + ")"
		}
	}
	if f.SIPAddress != "" {
		filter += Match("msRTCSIP-PrimaryUserAddress", withSIPScheme(f.SIPAddress))
	}
	if f.Pool != "" {
		pool, err := env.pool(f.Pool)
		if err != nil {
			return nil, err
		}
		filter += Filter("msRTCSIP-PrimaryHomeServer", homeServerDN(pool))
	}
	if f.Number != "" && HasWildcard(f.Number) {
		filter += "(|" + Match("msRTCSIP-Line", "tel:"+f.Number) + Match("telephoneNumber", f.Number) + ")"
	} else if f.Number != "" {
		line := "tel:" + f.Number
		filter += "(|" + Filter("msRTCSIP-Line", line) + "(msRTCSIP-Line=" + ldap.EscapeFilter(line+";") + "*)" + Filter("telephoneNumber", f.Number) + ")"
	}
	if f.DialPlan != "" {
		dp, err := env.dialPlan(f.DialPlan)
		if err != nil {
			return nil, err
		}
		filter += "(otherIpPhone=*;phone-context=" + ldap.EscapeFilter(dp.PhoneContext) + ")"
	}
	if f.LDAPFilter != "" {
		if _, err := ldap.CompileFilter(f.LDAPFilter); err != nil {
			return nil, fmt.Errorf("%w: --ldap-filter %q: %v", ErrInvalid, f.LDAPFilter, err)
		}
		filter += f.LDAPFilter
	}
	filter += ")"
	es, err := d.Search(ctx, base, scope, filter, contactAttrs)
	if err != nil {
		return nil, err
	}
	out := make([]Contact, 0, len(es))
	for _, e := range es {
		out = append(out, env.contactFromEntry(e))
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].SIPAddress) < strings.ToLower(out[j].SIPAddress) })
	return out, nil
}

func (e *contactEnv) contactFromEntry(en *ldap.Entry) Contact {
	data, _ := DecodeOtherIPPhone(en.GetAttributeValues("otherIpPhone"))
	flags := intAttr(en, "msRTCSIP-OptionFlags")
	c := Contact{Identity: en.DN, Name: en.GetAttributeValue("cn"), DisplayName: en.GetAttributeValue("displayName"),
		Description: en.GetAttributeValue("description"), SIPAddress: en.GetAttributeValue("msRTCSIP-PrimaryUserAddress"),
		HomeServer: en.GetAttributeValue("msRTCSIP-PrimaryHomeServer"), LineURI: en.GetAttributeValue("msRTCSIP-Line"),
		DisplayNumber: en.GetAttributeValue("telephoneNumber"), PhoneContext: data.PhoneContext,
		AutoAttendant: data.Type == AutoAttendant, IsSubscriberAccess: data.Type != AutoAttendant,
		Enabled: en.GetAttributeValue("msRTCSIP-UserEnabled") == "TRUE", EnterpriseVoice: flags&optionEnterpriseVoice != 0,
		OtherIPPhone: en.GetAttributeValues("otherIpPhone"), entry: en}
	c.RegistrarPool = e.poolByHomeServer(c.HomeServer)
	c.DialPlan = e.planByContext(data.PhoneContext)
	if c.DisplayNumber == "" {
		c.DisplayNumber = strings.TrimPrefix(strings.SplitN(c.LineURI, ";", 2)[0], "tel:")
	}
	return c
}

// Contact finds exactly one Exchange UM contact by identity.
func (d *Dir) Contact(ctx context.Context, identity string) (Contact, error) {
	env, err := d.newContactEnv(ctx)
	if err != nil {
		return Contact{}, err
	}
	return d.contact(ctx, env, identity)
}

func (d *Dir) contact(ctx context.Context, env *contactEnv, identity string) (Contact, error) {
	cs, err := d.contacts(ctx, env, ContactFilter{Identity: identity})
	if err != nil && !isNotFound(err) {
		return Contact{}, err
	}
	switch len(cs) {
	case 0:
		return Contact{}, fmt.Errorf("%w: no Exchange UM contact %q (give a SIP address, DN, {GUID} or display name)", ErrNotFound, identity)
	case 1:
		return cs[0], nil
	}
	return Contact{}, fmt.Errorf("%w: %d Exchange UM contacts match %q (%s); give one SIP address or DN", ErrInvalid, len(cs), identity, sipList(cs))
}

// ContactChanges are the changes `contact set` can make; nil = keep.
type ContactChanges struct {
	SIPAddress, DisplayNumber, DialPlan, DisplayName, Description *string
	Enabled, EnterpriseVoice, AutoAttendant                       *bool
	Pool                                                          *string // move
}

// PlanContactSet plans changes to one contact. Only attributes that change are
// written; a new SIP address also changes otherIpPhone and the sip: proxy address,
// a new number the line URI and telephone number. Moving (Pool) also rewrites
// otherIpPhone in umctl's form, recomputing the contact type as Move-CsExUmContact does.
func (d *Dir) PlanContactSet(ctx context.Context, identity string, ch ContactChanges) (*Plan, error) {
	env, err := d.newContactEnv(ctx)
	if err != nil {
		return nil, err
	}
	c, err := d.contact(ctx, env, identity)
	if err != nil {
		return nil, err
	}
	data, unknown := DecodeOtherIPPhone(c.OtherIPPhone)
	p := &Plan{}
	var want []Attr
	sip := c.SIPAddress
	rewriteOther := ch.Pool != nil
	if ch.SIPAddress != nil && !strings.EqualFold(*ch.SIPAddress, c.SIPAddress) {
		if err := ValidateSIP("--sip-address", *ch.SIPAddress); err != nil {
			return nil, err
		}
		sip = "sip:" + (*ch.SIPAddress)[4:]
		owners, _, err := d.findOwners(ctx, sip, "", c.Identity)
		if err != nil {
			return nil, err
		}
		if len(owners) > 0 {
			return nil, fmt.Errorf("%w: --sip-address %s is already used by %s", ErrInvalid, sip, owners[0])
		}
		want = append(want, Attr{"msRTCSIP-PrimaryUserAddress", []string{sip}})
		var proxies []string
		for _, v := range c.entry.GetAttributeValues("proxyAddresses") {
			if !strings.EqualFold(v, c.SIPAddress) {
				proxies = append(proxies, v)
			}
		}
		want = append(want, Attr{"proxyAddresses", append(proxies, sip)})
		data.SIP = sip[4:]
		rewriteOther = true
	}
	if ch.DisplayNumber != nil && *ch.DisplayNumber != c.DisplayNumber {
		if err := ValidateNumber("--display-number", *ch.DisplayNumber); err != nil {
			return nil, err
		}
		_, owners, err := d.findOwners(ctx, "", *ch.DisplayNumber, c.Identity)
		if err != nil {
			return nil, err
		}
		if len(owners) > 0 {
			return nil, fmt.Errorf("%w: --display-number %s is already the line URI of %s", ErrInvalid, *ch.DisplayNumber, owners[0])
		}
		want = append(want, Attr{"msRTCSIP-Line", []string{"tel:" + *ch.DisplayNumber}}, Attr{"telephoneNumber", []string{*ch.DisplayNumber}})
	}
	if ch.DialPlan != nil {
		dp, err := env.dialPlan(*ch.DialPlan)
		if err != nil {
			return nil, err
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
			return nil, fmt.Errorf("%w: %s: otherIpPhone names no dial plan; give --dial-plan", ErrInvalid, c.Identity)
		}
		want = append(want, Attr{"otherIpPhone", append(EncodeOtherIPPhone(data), unknown...)})
	}
	if ch.Pool != nil {
		pool, err := env.pool(*ch.Pool)
		if err != nil {
			return nil, fmt.Errorf("--target: %w", err)
		}
		want = append(want, Attr{"msRTCSIP-PrimaryHomeServer", []string{homeServerDN(pool)}})
	}
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
	p.Update(contactKind, c.entry, want)
	return p, nil
}

// PlanContactRemove plans the removal of contacts.
func (d *Dir) PlanContactRemove(ctx context.Context, identities []string) (*Plan, error) {
	env, err := d.newContactEnv(ctx)
	if err != nil {
		return nil, err
	}
	p := &Plan{}
	seen := map[string]bool{}
	for _, id := range identities {
		cs, err := d.contactsFor(ctx, env, id)
		if err != nil {
			return nil, err
		}
		for _, c := range cs {
			if !seen[strings.ToLower(c.Identity)] {
				seen[strings.ToLower(c.Identity)] = true
				p.DeleteShowing(contactKind, c.Identity, c.removalSummary())
			}
		}
	}
	return p, nil
}
