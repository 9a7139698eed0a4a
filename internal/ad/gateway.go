package ad

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Container names under the Exchange organization.
const (
	DialPlanContainer      = "UM DialPlan Container"
	GatewayContainer       = "UM IPGateway Container"
	AutoAttendantContainer = "UM AutoAttendant Container"
	AdminGroupsContainer   = "Administrative Groups"
)

// ExchangeVersion is msExchVersion for UM objects (Exchange2010, 0.10 14.0.100.0).
const ExchangeVersion = "44220983382016"

// Gateway flag bits (msExchUMIPGatewayFlags / Flags2) as Exchange encodes them.
const (
	gwFlagSimulator     = 1
	gwFlagDelayedSource = 2
	gwFlagIPv6          = 4
	gwFlags2MWI         = 1
	gwFlags2IPv4        = 2
	gwFlags2Default     = -1 // all set: MWI allowed, IPv4 enabled
	gwStatusEnabled     = 0
	gwStatusDisabled    = 1
	gwStatusNoNewCalls  = 2
	gatewayKind         = "gateway"
	huntGroupKind       = "huntgroup"
)

// GatewayStatuses are the values of --status.
var GatewayStatuses = []string{"enabled", "disabled", "no-new-calls"}

// IPFamilies are the values of --ip-family.
var IPFamilies = []string{"ipv4", "ipv6", "any"}

// Gateway is a UM IP gateway (msExchUMIPGateway).
type Gateway struct {
	Name       string      `json:"name"`
	DN         string      `json:"dn"`
	Address    string      `json:"address"`
	Port       int         `json:"port"`
	Status     string      `json:"status"`
	MWI        bool        `json:"messageWaitingIndicatorAllowed"`
	Outcalls   bool        `json:"outcallsAllowed"`
	IPFamily   string      `json:"ipAddressFamily"`
	Simulator  bool        `json:"simulator"`
	Flags      int         `json:"flags"`
	Flags2     int         `json:"flags2"`
	HuntGroups []HuntGroup `json:"huntGroups"`
	entry      *ldap.Entry
}

// HuntGroup is a UM hunt group (msExchUMHuntGroup), a child of its gateway.
type HuntGroup struct {
	Name     string `json:"name"`
	DN       string `json:"dn"`
	Gateway  string `json:"gateway"`
	Pilot    string `json:"pilotIdentifier"`
	DialPlan string `json:"dialPlan"`
	entry    *ldap.Entry
}

var gatewayAttrs = []string{"cn", "msExchUMIPGatewayAddress", "msExchUMIPGatewayPort", "msExchUMIPGatewayFlags", "msExchUMIPGatewayFlags2",
	"msExchUMIPGatewayStatus", "msExchUMOutcallsAllowed", "msExchVersion"}

func gatewayFromEntry(e *ldap.Entry) Gateway {
	flags := intAttr(e, "msExchUMIPGatewayFlags")
	flags2 := gwFlags2Default
	if v := e.GetAttributeValue("msExchUMIPGatewayFlags2"); v != "" {
		flags2, _ = strconv.Atoi(v)
	}
	g := Gateway{Name: e.GetAttributeValue("cn"), DN: e.DN, Address: e.GetAttributeValue("msExchUMIPGatewayAddress"),
		Port: intAttr(e, "msExchUMIPGatewayPort"), Flags: flags, Flags2: flags2, MWI: flags2&gwFlags2MWI != 0,
		Outcalls: e.GetAttributeValue("msExchUMOutcallsAllowed") != "FALSE", Simulator: flags&gwFlagSimulator != 0, entry: e}
	g.Status = GatewayStatuses[0]
	if s := intAttr(e, "msExchUMIPGatewayStatus"); s >= 0 && s < len(GatewayStatuses) {
		g.Status = GatewayStatuses[s]
	}
	v4, v6 := flags2&gwFlags2IPv4 != 0, flags&gwFlagIPv6 != 0
	switch {
	case v4 && v6:
		g.IPFamily = "any"
	case v6:
		g.IPFamily = "ipv6"
	case v4:
		g.IPFamily = "ipv4"
	default:
		g.IPFamily = "none"
	}
	return g
}

// Gateways lists the UM IP gateways with their hunt groups, sorted by name.
func (d *Dir) Gateways(ctx context.Context) ([]Gateway, error) {
	base, err := d.UMContainer(ctx, GatewayContainer)
	if err != nil {
		return nil, err
	}
	es, err := d.Search(ctx, base, ldap.ScopeSingleLevel, "(objectClass=msExchUMIPGateway)", gatewayAttrs)
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	hgs, err := d.Search(ctx, base, ldap.ScopeWholeSubtree, "(objectClass=msExchUMHuntGroup)",
		[]string{"cn", "msExchUMPilotIdentifier", "msExchUMHuntGroupDialPlanLink"})
	if err != nil {
		return nil, err
	}
	out := make([]Gateway, 0, len(es))
	for _, e := range es {
		g := gatewayFromEntry(e)
		g.HuntGroups = []HuntGroup{}
		for _, h := range hgs {
			if parent := parentDN(h.DN); parent != "" && valueEqual(parent, e.DN) {
				g.HuntGroups = append(g.HuntGroups, HuntGroup{Name: h.GetAttributeValue("cn"), DN: h.DN, Gateway: g.Name,
					Pilot: h.GetAttributeValue("msExchUMPilotIdentifier"), DialPlan: h.GetAttributeValue("msExchUMHuntGroupDialPlanLink"), entry: h})
			}
		}
		sort.Slice(g.HuntGroups, func(i, j int) bool {
			return strings.ToLower(g.HuntGroups[i].Name) < strings.ToLower(g.HuntGroups[j].Name)
		})
		out = append(out, g)
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}

// Gateway finds a gateway by name, or else by address (both case-insensitive).
func (d *Dir) Gateway(ctx context.Context, name string) (Gateway, error) {
	gws, err := d.Gateways(ctx)
	if err != nil {
		return Gateway{}, err
	}
	if g, ok := findGateway(gws, name); ok {
		return g, nil
	}
	return Gateway{}, noGateway(name)
}

// findGateway is the gateway of gws that name selects: by name, else by address.
func findGateway(gws []Gateway, name string) (Gateway, bool) {
	for _, g := range gws {
		if strings.EqualFold(g.Name, name) {
			return g, true
		}
	}
	for _, g := range gws {
		if SameFQDN(g.Address, name) {
			return g, true
		}
	}
	return Gateway{}, false
}

func noGateway(name string) error {
	return fmt.Errorf("%w: no UM IP gateway named %q (or with that address)", ErrNotFound, name)
}

// GatewayDNs reads the gateways once and returns how to find the DN of the
// gateway a name (or an address) selects, in the directory or among the adds
// of a plan: how a manifest finds two entries for one gateway.
func (d *Dir) GatewayDNs(ctx context.Context) (func(p *Plan, name string) (string, error), error) {
	gws, err := d.Gateways(ctx)
	if err != nil {
		return nil, err
	}
	return func(p *Plan, name string) (string, error) {
		if g, ok := findGateway(gws, name); ok {
			return g.DN, nil
		}
		if g, _, ok := p.plannedGateway(name); ok {
			return g.DN, nil
		}
		return "", noGateway(name)
	}, nil
}

func parentDN(dn string) string {
	parsed, err := ldap.ParseDN(dn)
	if err != nil || len(parsed.RDNs) < 2 {
		return ""
	}
	parts := make([]string, 0, len(parsed.RDNs)-1)
	for _, r := range parsed.RDNs[1:] {
		parts = append(parts, r.String())
	}
	return strings.Join(parts, ",")
}

func boolValue(b bool) string {
	if b {
		return "TRUE"
	}
	return "FALSE"
}

// GatewaySettings are the changes `umctl gateway set` can make; nil = keep.
type GatewaySettings struct {
	Address  *string
	Port     *int
	Status   *string
	MWI      *bool
	Outcalls *bool
	IPFamily *string
}

// GatewaySetSpec is one `gateway set`: the gateway (name or address) and the changes.
type GatewaySetSpec struct {
	Gateway string
	GatewaySettings
}

// PlanGatewaySet plans changes to one gateway's settings.
// A gateway p already adds (ucutil's, in the same run) gets the settings in
// that add.
func (d *Dir) PlanGatewaySet(ctx context.Context, p *Plan, spec GatewaySetSpec) error {
	g, added, err := d.gatewayOrPlanned(ctx, p, spec.Gateway)
	if err != nil {
		return err
	}
	want, err := gatewayWant(g, spec.GatewaySettings)
	if err != nil {
		return err
	}
	if added != nil {
		for _, a := range want {
			added.setAdded(a)
		}
		return nil
	}
	p.Update(gatewayKind, g.entry, want)
	return nil
}

// gatewayOrPlanned finds a gateway in the directory, else among the adds of
// p (then added is that add).
func (d *Dir) gatewayOrPlanned(ctx context.Context, p *Plan, name string) (g Gateway, added *Change, err error) {
	g, err = d.Gateway(ctx, name)
	if errors.Is(err, ErrNotFound) {
		if pg, c, ok := p.plannedGateway(name); ok {
			return pg, c, nil
		}
	}
	if err == nil {
		g.HuntGroups = append(g.HuntGroups, p.plannedHuntGroups(g)...)
	}
	return g, nil, err
}

// gatewayWant checks the settings and returns the attributes they change.
func gatewayWant(g Gateway, s GatewaySettings) ([]Attr, error) {
	flags, flags2 := g.Flags, g.Flags2
	var want []Attr
	if s.Address != nil {
		addr := strings.TrimSuffix(*s.Address, ".") // stored without the absolute form's dot, as ucutil compares
		if strings.TrimSpace(addr) == "" || strings.ContainsAny(*s.Address, " /:@") {
			return nil, fieldErr(FieldAddress, *s.Address, "expected an FQDN or an IP address")
		}
		if err := checkHostLength(addr); err != nil {
			return nil, err
		}
		want = append(want, Attr{"msExchUMIPGatewayAddress", []string{addr}})
	}
	if s.Port != nil {
		if *s.Port < 0 || *s.Port > 65535 {
			return nil, fieldErr(FieldPort, strconv.Itoa(*s.Port), "expected 0–65535 (0 = the default SIP port)")
		}
		want = append(want, Attr{"msExchUMIPGatewayPort", []string{strconv.Itoa(*s.Port)}})
	}
	if s.Status != nil {
		i := slices.Index(GatewayStatuses, *s.Status)
		if i < 0 {
			return nil, fieldErr(FieldStatus, *s.Status, "expected one of %s", strings.Join(GatewayStatuses, ", "))
		}
		if *s.Status != g.Status { // an absent status reads as enabled, as Exchange reads it
			want = append(want, Attr{"msExchUMIPGatewayStatus", []string{strconv.Itoa(i)}})
		}
	}
	if s.MWI != nil {
		flags2 = setBit(flags2, gwFlags2MWI, *s.MWI)
	}
	if s.IPFamily != nil {
		switch *s.IPFamily {
		case "ipv4":
			flags, flags2 = setBit(flags, gwFlagIPv6, false), setBit(flags2, gwFlags2IPv4, true)
		case "ipv6":
			flags, flags2 = setBit(flags, gwFlagIPv6, true), setBit(flags2, gwFlags2IPv4, false)
		case "any":
			flags, flags2 = setBit(flags, gwFlagIPv6, true), setBit(flags2, gwFlags2IPv4, true)
		default:
			return nil, fieldErr(FieldIPFamily, *s.IPFamily, "expected one of %s", strings.Join(IPFamilies, ", "))
		}
	}
	if flags != g.Flags {
		want = append(want, Attr{"msExchUMIPGatewayFlags", []string{strconv.Itoa(flags)}})
	}
	if flags2 != g.Flags2 {
		want = append(want, Attr{"msExchUMIPGatewayFlags2", []string{strconv.Itoa(flags2)}})
	}
	if s.Outcalls != nil && *s.Outcalls != g.Outcalls {
		want = append(want, Attr{"msExchUMOutcallsAllowed", []string{boolValue(*s.Outcalls)}})
	}
	return want, nil
}

// PlanGatewayRemove plans the removal of a gateway (name or address) and its hunt groups.
func (d *Dir) PlanGatewayRemove(ctx context.Context, p *Plan, gateway string) error {
	g, err := d.Gateway(ctx, gateway)
	if err != nil {
		return absent(p, err)
	}
	for _, h := range g.HuntGroups {
		p.Delete(huntGroupKind, h.DN)
	}
	p.Delete(gatewayKind, g.DN)
	return nil
}

func setBit(v, bit int, on bool) int {
	if on {
		return v | bit
	}
	return v &^ bit
}

// PilotFromPhoneContext is what ExchUCUtil uses as a hunt group's pilot: the
// first label of the dial plan's phone context.
func PilotFromPhoneContext(pc string) string {
	first, _, _ := strings.Cut(pc, ".")
	return first
}

// HuntGroupSpec is a hunt group to create.
type HuntGroupSpec struct {
	Gateway, DialPlan, Name, Pilot string
	// KeepPilot: without a Pilot, a hunt group of that name that exists
	// keeps its pilot (a manifest's omitted pilot is not managed); else the
	// pilot defaults to the first label of the dial plan's phone context.
	KeepPilot bool
}

// PlanHuntGroupNew plans one hunt group under a gateway for a dial plan.
func (d *Dir) PlanHuntGroupNew(ctx context.Context, p *Plan, s HuntGroupSpec) error {
	g, _, err := d.gatewayOrPlanned(ctx, p, s.Gateway)
	if err != nil {
		return err
	}
	dp, err := d.Catalog().DialPlan(ctx, s.DialPlan)
	if err != nil {
		return err
	}
	if s.Name == "" {
		s.Name = dp.Name
	}
	kept := false
	if s.Pilot == "" && s.KeepPilot {
		s.Pilot, kept = pilotOf(g, s.Name)
	}
	if s.Pilot == "" && !kept {
		s.Pilot = PilotFromPhoneContext(dp.PhoneContext)
	}
	if len(s.Pilot) > 64 {
		return fieldErr(FieldPilot, s.Pilot, "at most 64 characters")
	}
	if err := checkTexts(FieldName, s.Name, FieldPilot, s.Pilot); err != nil { // a manifest's, which no flag check saw
		return err
	}
	planHuntGroup(p, &g, dp, s.Name, s.Pilot)
	return nil
}

// pilotOf is the pilot of g's hunt group called name ("" when it has none)
// and whether g has that hunt group.
func pilotOf(g Gateway, name string) (string, bool) {
	for _, h := range g.HuntGroups {
		if strings.EqualFold(h.Name, name) {
			return h.Pilot, true
		}
	}
	return "", false
}

// planHuntGroup adds, fixes or keeps one hunt group of gateway g for dial plan dp.
func planHuntGroup(p *Plan, g *Gateway, dp DialPlan, name, pilot string) {
	want := []Attr{{"msExchUMPilotIdentifier", nonEmpty(pilot)}, {"msExchUMHuntGroupDialPlanLink", []string{dp.DN}}}
	for _, h := range g.HuntGroups {
		if strings.EqualFold(h.Name, name) {
			if h.entry == nil { // planned in this run: its add gets the settings
				if c := p.pendingAdd(h.DN); c != nil {
					for _, a := range want {
						c.setAdded(a)
					}
				}
				return
			}
			p.Update(huntGroupKind, h.entry, want)
			return
		}
	}
	for _, h := range g.HuntGroups {
		if strings.EqualFold(h.Pilot, pilot) {
			p.Warnf("gateway %s: hunt group %q already uses pilot %q; hunt group %q for dial plan %s was not created", g.Name, h.Name, pilot, name, dp.Name)
			return
		}
	}
	dn := RDN("CN", name) + "," + g.DN
	g.HuntGroups = append(g.HuntGroups, HuntGroup{Name: name, DN: dn, Gateway: g.Name, Pilot: pilot, DialPlan: dp.DN})
	p.Add(huntGroupKind, dn, append([]Attr{{"objectClass", []string{"msExchUMHuntGroup"}}, {"cn", []string{name}}},
		append(want, Attr{"msExchVersion", []string{ExchangeVersion}})...))
}

// HuntGroupRemoveSpec names a hunt group: its name, and its gateway when
// several gateways have a hunt group of that name.
type HuntGroupRemoveSpec struct {
	Gateway, Name string
}

// PlanHuntGroupRemove plans the removal of a hunt group.
func (d *Dir) PlanHuntGroupRemove(ctx context.Context, p *Plan, s HuntGroupRemoveSpec) error {
	gateway, name := s.Gateway, s.Name
	gws, err := d.Gateways(ctx)
	if err != nil {
		return err
	}
	if gateway != "" {
		g, ok := findGateway(gws, gateway)
		if !ok {
			return noGateway(gateway) // a reference the command names stays an error, not "nothing to remove"
		}
		gws = []Gateway{g}
	}
	var found []HuntGroup
	for _, g := range gws {
		for _, h := range g.HuntGroups {
			if strings.EqualFold(h.Name, name) {
				found = append(found, h)
			}
		}
	}
	switch len(found) {
	case 0:
		return absent(p, fmt.Errorf("%w: no hunt group %q%s", ErrNotFound, name, map[bool]string{true: " on gateway " + gateway}[gateway != ""]))
	case 1:
		p.Delete(huntGroupKind, found[0].DN)
		return nil
	}
	return fieldErr(FieldGateway, "", "%d gateways have a hunt group %q: name one", len(found), name)
}
