package ad

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// The RTC groups that Lync's forest preparation creates and ExchUCUtil grants.
var RTCGroups = []string{"RTCUniversalServerAdmins", "RTCComponentUniversalServices"}

// Trustee is a group named in an ACE.
type Trustee struct {
	Name string `json:"name"`
	DN   string `json:"dn"`
	SID  string `json:"sid"`
	sid  SID
}

// RTCTrustees finds the RTC groups in the root domain (one search); a
// missing group is an error.
func (d *Dir) RTCTrustees(ctx context.Context) ([]Trustee, error) {
	filter := "(&(objectClass=group)(|"
	for _, name := range RTCGroups {
		filter += Filter("sAMAccountName", name)
	}
	es, err := d.Search(ctx, d.RootDSE.RootDomainNC, ldap.ScopeWholeSubtree, filter+"))", []string{"sAMAccountName", "objectSid"})
	if err != nil {
		return nil, err
	}
	var out []Trustee
	for _, name := range RTCGroups {
		i := slices.IndexFunc(es, func(e *ldap.Entry) bool { return strings.EqualFold(e.GetAttributeValue("sAMAccountName"), name) })
		if i < 0 {
			return nil, fmt.Errorf("%w: group %s does not exist in %s; run Lync/Skype for Business forest preparation (Enable-CsAdForest) first", ErrNotFound, name, d.RootDSE.RootDomainNC)
		}
		sid := SID(es[i].GetRawAttributeValue("objectSid"))
		out = append(out, Trustee{Name: name, DN: es[i].DN, SID: sid.String(), sid: sid})
	}
	return out, nil
}

// Permission is one ACE umctl requires on a UM object.
type Permission struct {
	Object  string `json:"object"`
	Trustee string `json:"trustee"`
	Rights  string `json:"rights"`
	Inherit string `json:"inheritance"`
	Present bool   `json:"present"`
	SDDL    string `json:"sddl"`
	mask    uint32
	ci      bool
	sid     SID
}

type permTarget struct {
	dn      string
	mask    uint32
	inherit bool
}

// permissionTargets are ExchUCUtil's grants: List Contents on the organization
// (this object only); List Contents + Read Property, container-inherited, on the
// dial plan and auto attendant containers (and Administrative Groups if asked).
func permissionTargets(org string, adminGroups bool) []permTarget {
	t := []permTarget{
		{org, RightListChildren, false},
		{RDN("CN", DialPlanContainer) + "," + org, RightListChildren | RightReadProperty, true},
		{RDN("CN", AutoAttendantContainer) + "," + org, RightListChildren | RightReadProperty, true},
	}
	if adminGroups {
		t = append(t, permTarget{RDN("CN", AdminGroupsContainer) + "," + org, RightListChildren | RightReadProperty, true})
	}
	return t
}

// ReadDACL reads an object's DACL with the SD flags control (DACL only).
func (d *Dir) ReadDACL(ctx context.Context, dn string) (*SecurityDescriptor, error) {
	ctl := &ldap.ControlMicrosoftSDFlags{Criticality: true, ControlValue: 4}
	res, err := d.req().Search(ldap.NewSearchRequest(dn, ldap.ScopeBaseObject, ldap.NeverDerefAliases, 0, 0, false,
		"(objectClass=*)", []string{"nTSecurityDescriptor"}, []ldap.Control{ctl}))
	if err != nil {
		if ldap.IsErrorWithCode(err, ldap.LDAPResultNoSuchObject) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, dn)
		}
		return nil, fmt.Errorf("reading the security descriptor of %s: %w", dn, err)
	}
	if len(res.Entries) != 1 {
		return nil, fmt.Errorf("reading the security descriptor of %s: no entry", dn)
	}
	return parseDACL(dn, res.Entries[0])
}

// WriteDACL replaces only the DACL of an object.
func (d *Dir) WriteDACL(ctx context.Context, dn string, sd *SecurityDescriptor) error {
	ctl := &ldap.ControlMicrosoftSDFlags{Criticality: true, ControlValue: 4}
	req := ldap.NewModifyRequest(dn, []ldap.Control{ctl})
	req.Replace("nTSecurityDescriptor", []string{string(sd.EncodeDACLOnly())})
	return d.req().Modify(req)
}

// Permissions reports the UM-related ACEs for the RTC groups: required ones and whether they are present.
func (d *Dir) Permissions(ctx context.Context, trustees []Trustee, adminGroups bool) ([]Permission, error) {
	org, err := d.ExchangeOrg(ctx)
	if err != nil {
		return nil, err
	}
	objs, err := d.umObjects(ctx, org)
	if err != nil {
		return nil, err
	}
	return permissionsOn(objs, org, trustees, adminGroups), nil
}

// permissionsOn checks the required ACEs against the DACLs umObjects read (an
// object that does not exist has none of them).
func permissionsOn(objs map[string]*SecurityDescriptor, org string, trustees []Trustee, adminGroups bool) []Permission {
	var out []Permission
	for _, t := range permissionTargets(org, adminGroups) {
		var acl *ACL
		if sd := objs[strings.ToLower(t.dn)]; sd != nil {
			acl = sd.DACL
		}
		for _, tr := range trustees {
			flags := byte(0)
			inherit := "this object only"
			if t.inherit {
				flags, inherit = AceFlagContainerInherit, "this object and all descendants"
			}
			out = append(out, Permission{Object: t.dn, Trustee: tr.Name, Rights: RightsString(t.mask), Inherit: inherit,
				Present: acl != nil && acl.Grants(tr.sid, t.mask, t.inherit), SDDL: NewACE(AceTypeAccessAllowed, flags, t.mask, tr.sid).SDDL(),
				mask: t.mask, ci: t.inherit, sid: tr.sid})
		}
	}
	return out
}

// UCUtilOptions tune PlanUCUtil.
type UCUtilOptions struct {
	// Report, if set, is filled in with what the plan is based on.
	Report *UCUtilResult
	// Source is where pools and the RTC groups are read (a global catalog, --gc); nil = the same connection.
	Source             *Dir
	IncludeAdminGroups bool
	// OutcallsGateway, if set, is the only gateway that keeps outcalls allowed.
	OutcallsGateway string
	// Managed are gateways (by lower-cased name or address) whose settings the caller plans
	// itself (a manifest's gateways section): ucutil leaves the address, MWI
	// and outcalls of those alone where they are set (MWI also when the IP
	// family is: both live in msExchUMIPGatewayFlags2).
	Managed map[string]GatewaySettings
}

// UCUtilPool reports a pool with the gateway planned for it.
type UCUtilPool struct {
	Pool    Pool   `json:"pool"`
	Gateway string `json:"gateway"`
	MWI     bool   `json:"messageWaitingIndicatorAllowed"`
	Outcall bool   `json:"outcallsAllowed"`
}

// UCUtilResult is the plan of an ExchUCUtil run plus what it is based on.
type UCUtilResult struct {
	Plan        *Plan        `json:"plan"`
	Pools       []UCUtilPool `json:"pools"`
	DialPlans   []string     `json:"sipDialPlans"`
	Permissions []Permission `json:"permissions"`
	NewGateways int          `json:"newGateways"`
}

// PlanUCUtil computes what ExchUCUtil.ps1 would do, incrementally: missing UM
// containers, missing ACEs for the RTC groups, one UM IP gateway per pool
// (matched by address as an FQDN, else by the pool's name, and then pointed
// back at the pool), and one hunt group per SIP URI dial plan under each of
// those gateways. It never deletes anything. The changes go to p; o.Report,
// if set, receives the pools, dial plans and permissions they are based on.
func (d *Dir) PlanUCUtil(ctx context.Context, p *Plan, o UCUtilOptions) error {
	src := o.Source
	if src == nil {
		src = d
	}
	org, err := d.ExchangeOrg(ctx) // src.Pools below checks the Lync schema
	if err != nil {
		return err
	}
	trustees, err := src.RTCTrustees(ctx)
	if err != nil {
		return err
	}
	allPools, err := src.Catalog().Pools(ctx)
	if err != nil {
		return err
	}
	gateways, err := d.Gateways(ctx)
	if err != nil {
		return err
	}
	o.Managed = byGatewayName(o.Managed, gateways)
	plans, err := d.Catalog().DialPlans(ctx)
	if err != nil {
		return err
	}
	res := o.Report
	if res == nil {
		res = &UCUtilResult{}
	}
	res.Plan = p

	// 1. UM containers Exchange creates on demand, then the permissions on them.
	objs, err := d.umObjects(ctx, org)
	if err != nil {
		return err
	}
	for _, name := range []string{DialPlanContainer, GatewayContainer, AutoAttendantContainer} {
		dn := RDN("CN", name) + "," + org
		if objs[strings.ToLower(dn)] == nil {
			p.Add("container", dn, []Attr{{"objectClass", []string{"msExchContainer"}}, {"cn", []string{name}}, {"msExchVersion", []string{ExchangeVersion}}})
		}
	}
	if o.IncludeAdminGroups && objs[strings.ToLower(RDN("CN", AdminGroupsContainer)+","+org)] == nil {
		return notFoundErr(FieldIncludeAdminGroups, "", "%s has no %s container", org, AdminGroupsContainer)
	}
	res.Permissions = permissionsOn(objs, org, trustees, o.IncludeAdminGroups)
	planPermissions(p, res.Permissions)

	// 2. One gateway per pool at OCS 2007 level or later with an FQDN.
	if o.OutcallsGateway != "" && !gatewayNamed(gateways, allPools, o.OutcallsGateway) {
		return notFoundErr(FieldOutcallsGateway, o.OutcallsGateway, "no such gateway, and no pool would get a gateway of that name")
	}
	taken := map[string]bool{}
	for _, g := range gateways {
		taken[strings.ToLower(g.Name)] = true
	}
	var sip []DialPlan
	for _, dp := range plans {
		if dp.IsSIP() {
			sip = append(sip, dp)
			res.DialPlans = append(res.DialPlans, dp.Name)
		}
	}
	base := RDN("CN", GatewayContainer) + "," + org
	poolGateways := map[string]bool{}
	matched := MatchPoolGateways(allPools, gateways)
	for _, pool := range allPools {
		if !GetsGateway(pool) {
			continue
		}
		mwi := PoolMajor(pool.Version) >= PoolVersionLync2010 && !pool.Branch
		gw := matched[pool.DN]
		name := pool.Name
		if gw != nil {
			name = gw.Name
		} else if taken[strings.ToLower(name)] {
			name = pool.FQDN
		}
		outcalls := !pool.Branch && (o.OutcallsGateway == "" || strings.EqualFold(o.OutcallsGateway, name))
		res.Pools = append(res.Pools, UCUtilPool{Pool: pool, Gateway: name, MWI: mwi, Outcall: outcalls})
		if gw == nil {
			taken[strings.ToLower(name)] = true
			flags2 := setBit(gwFlags2Default, gwFlags2MWI, mwi)
			dn := RDN("CN", name) + "," + base
			p.Add(gatewayKind, dn, []Attr{{"objectClass", []string{"msExchUMIPGateway"}}, {"cn", []string{name}},
				{"msExchUMIPGatewayAddress", []string{pool.FQDN}}, {"msExchUMIPGatewayPort", []string{"0"}},
				{"msExchUMIPGatewayFlags", []string{"0"}}, {"msExchUMIPGatewayFlags2", []string{strconv.Itoa(flags2)}},
				{"msExchUMOutcallsAllowed", []string{boolValue(outcalls)}}, {"msExchUMGlobalCallRoutingScheme", []string{"0"}},
				{"msExchVersion", []string{ExchangeVersion}}})
			res.NewGateways++
			gw = &Gateway{Name: name, DN: dn}
		} else {
			poolGateways[strings.ToLower(gw.DN)] = true
			fqdn := pool.FQDN
			if ms, ok := o.Managed[strings.ToLower(gw.Name)]; ok {
				fqdn, mwi, outcalls = keepManaged(*gw, ms, fqdn, mwi, outcalls)
			}
			planPoolGateway(p, gw, fqdn, mwi, outcalls)
		}
		for _, dp := range sip {
			pilot := PilotFromPhoneContext(dp.PhoneContext)
			if pilot == "" {
				p.Warnf("dial plan %s has no phone context; no hunt group for it", dp.Name)
				continue
			}
			planHuntGroup(p, gw, dp, dp.Name, pilot)
		}
	}
	// 3. --outcalls-gateway: outcalls off on every other gateway (Microsoft's guide asks for it by hand).
	if o.OutcallsGateway != "" {
		for i := range gateways {
			g := &gateways[i]
			_, managed := o.Managed[strings.ToLower(g.Name)]
			if !managed && !poolGateways[strings.ToLower(g.DN)] && g.Outcalls && !strings.EqualFold(g.Name, o.OutcallsGateway) {
				p.Update(gatewayKind, g.entry, []Attr{{"msExchUMOutcallsAllowed", []string{"FALSE"}}})
			}
		}
	}
	return nil
}

// GetsGateway says whether a pool gets a UM IP gateway: OCS 2007 level or later, with an FQDN.
func GetsGateway(p Pool) bool { return p.FQDN != "" && PoolMajor(p.Version) >= PoolVersionOCS2007 }

// MatchPoolGateways finds each pool's gateway (keyed by pool DN): first the one
// whose address is the pool's FQDN, preferring the one named after the pool;
// else the one named after the pool (its CN, or its FQDN when the CN was
// taken) whose address was changed by hand, which ucutil then repairs. A
// gateway serves one pool.
func MatchPoolGateways(pools []Pool, gateways []Gateway) map[string]*Gateway {
	out := map[string]*Gateway{}
	claimed := map[int]bool{}
	named := func(g Gateway, p Pool) bool { return strings.EqualFold(g.Name, p.Name) || SameFQDN(g.Name, p.FQDN) }
	passes := []func(Gateway, Pool) bool{
		func(g Gateway, p Pool) bool { return SameFQDN(g.Address, p.FQDN) && named(g, p) },
		func(g Gateway, p Pool) bool { return SameFQDN(g.Address, p.FQDN) },
		named,
	}
	for _, match := range passes {
		for _, pool := range pools {
			if !GetsGateway(pool) || out[pool.DN] != nil {
				continue
			}
			for i := range gateways {
				if !claimed[i] && match(gateways[i], pool) {
					claimed[i], out[pool.DN] = true, &gateways[i]
					break
				}
			}
		}
	}
	return out
}

func gatewayNamed(gws []Gateway, pools []Pool, name string) bool {
	for _, g := range gws {
		if strings.EqualFold(g.Name, name) {
			return true
		}
	}
	for _, p := range pools {
		if strings.EqualFold(p.Name, name) || SameFQDN(p.FQDN, name) {
			return true
		}
	}
	return false
}

// byGatewayName keys managed settings by the lower-cased name of the gateway
// each key selects as `gateway set` selects one (its name, else its address),
// so that an entry naming a gateway by its address is managed too; ucutil
// and the entry set its MWI or outcalls in turn otherwise. Keys that select
// no existing gateway stay (a gateway this run creates).
func byGatewayName(managed map[string]GatewaySettings, gateways []Gateway) map[string]GatewaySettings {
	out := make(map[string]GatewaySettings, len(managed))
	for k, ms := range managed {
		if g, ok := findGateway(gateways, k); ok {
			k = g.Name
		}
		out[strings.ToLower(k)] = ms
	}
	return out
}

// keepManaged replaces ucutil's wanted address, MWI and outcalls of a gateway
// with what it has where the caller manages them.
func keepManaged(g Gateway, ms GatewaySettings, fqdn string, mwi, outcalls bool) (string, bool, bool) {
	if ms.Address != nil {
		fqdn = g.Address
	}
	if ms.MWI != nil || ms.IPFamily != nil {
		mwi = g.MWI
	}
	if ms.Outcalls != nil {
		outcalls = g.Outcalls
	}
	return fqdn, mwi, outcalls
}

// planPoolGateway points a pool's existing gateway back at the pool when its
// address was changed by hand, and sets MWI and outcalls as ExchUCUtil does.
func planPoolGateway(p *Plan, g *Gateway, fqdn string, mwi, outcalls bool) {
	var want []Attr
	if !SameFQDN(g.Address, fqdn) {
		want = append(want, Attr{"msExchUMIPGatewayAddress", []string{fqdn}})
	}
	if flags2 := setBit(g.Flags2, gwFlags2MWI, mwi); flags2 != g.Flags2 {
		want = append(want, Attr{"msExchUMIPGatewayFlags2", []string{strconv.Itoa(flags2)}})
	}
	if outcalls != g.Outcalls || g.entry.GetAttributeValue("msExchUMOutcallsAllowed") == "" {
		want = append(want, Attr{"msExchUMOutcallsAllowed", []string{boolValue(outcalls)}})
	}
	p.Update(gatewayKind, g.entry, want)
}

// planPermissions adds one change per object that lacks a required ACE. The
// DACL is re-read when the change is applied, so ACEs that appeared meanwhile
// are kept and not duplicated; other ACEs are never removed or reordered.
func planPermissions(p *Plan, perms []Permission) {
	byObject := map[string][]Permission{}
	var order []string
	for _, perm := range perms {
		if _, ok := byObject[perm.Object]; !ok {
			order = append(order, perm.Object)
		}
		byObject[perm.Object] = append(byObject[perm.Object], perm)
	}
	for _, dn := range order {
		var missing []Permission
		for _, perm := range byObject[dn] {
			if !perm.Present {
				missing = append(missing, perm)
			}
		}
		if len(missing) == 0 {
			p.Unchanged("permission", dn)
			continue
		}
		diff := AttrDiff{Name: "nTSecurityDescriptor"}
		for _, m := range missing {
			diff.New = append(diff.New, strings.Replace(m.SDDL, m.sid.String(), m.Trustee, 1))
		}
		p.Custom(ActionModify, "permission", dn, []AttrDiff{diff}, func(ctx context.Context, d *Dir) error {
			sd, err := d.ReadDACL(ctx, dn)
			if err != nil {
				return err
			}
			changed := false
			for _, m := range missing {
				if !sd.DACL.Grants(m.sid, m.mask, m.ci) {
					flags := byte(0)
					if m.ci {
						flags = AceFlagContainerInherit
					}
					sd.DACL.AddCanonical(NewACE(AceTypeAccessAllowed, flags, m.mask, m.sid))
					changed = true
				}
			}
			if !changed {
				return nil
			}
			return d.WriteDACL(ctx, dn, sd)
		})
	}
}
