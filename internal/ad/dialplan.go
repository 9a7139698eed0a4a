package ad

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// URI types of a UM dial plan (msExchUMDialPlanURIType).
const (
	URITelExtn = 1
	URIE164    = 2
	URISipName = 3
)

// URITypeName is the name Exchange shows for a URI type.
func URITypeName(t int) string {
	switch t {
	case URITelExtn:
		return "TelExtn"
	case URIE164:
		return "E164"
	case URISipName:
		return "SipName"
	}
	return fmt.Sprintf("unknown(%d)", t)
}

// DialPlan is an Exchange UM dial plan (msExchUMDialPlan).
type DialPlan struct {
	Name                    string   `json:"name"`
	DN                      string   `json:"dn"`
	URIType                 string   `json:"uriType"`
	NumberOfDigits          int      `json:"numberOfDigits"`
	PhoneContext            string   `json:"phoneContext"`
	AccessNumbers           []string `json:"subscriberAccessNumbers"`
	PilotIdentifiers        []string `json:"pilotIdentifiers"`
	EquivalentPhoneContexts []string `json:"equivalentPhoneContexts"`
	HuntGroups              []string `json:"huntGroups"`
	UMServers               []string `json:"umServers"`
	AutoAttendants          []string `json:"autoAttendants"`
}

// IsSIP reports whether this is a SIP URI dial plan, the kind Lync uses.
func (p DialPlan) IsSIP() bool { return p.URIType == URITypeName(URISipName) }

var dialPlanAttrs = []string{"cn", "msExchUMDialPlanURIType", "msExchUMNumberingPlanDigits", "msExchUMPhoneContext",
	"msExchUMVoiceMailPilotNumbers", "msExchUMDialPlanDialedNumbers", "msExchUMEquivalentDialPlanPhoneContexts",
	"msExchUMHuntGroupDialPlanBL", "msExchUMServerDialPlanBL", "msExchUMAutoAttendantDialPlanBL"}

func dialPlanFromEntry(e *ldap.Entry) DialPlan {
	return DialPlan{
		Name: e.GetAttributeValue("cn"), DN: e.DN,
		URIType:                 URITypeName(intAttr(e, "msExchUMDialPlanURIType")),
		NumberOfDigits:          intAttr(e, "msExchUMNumberingPlanDigits"),
		PhoneContext:            e.GetAttributeValue("msExchUMPhoneContext"),
		AccessNumbers:           sorted(e.GetAttributeValues("msExchUMVoiceMailPilotNumbers")),
		PilotIdentifiers:        sorted(e.GetAttributeValues("msExchUMDialPlanDialedNumbers")),
		EquivalentPhoneContexts: sorted(e.GetAttributeValues("msExchUMEquivalentDialPlanPhoneContexts")),
		HuntGroups:              sorted(e.GetAttributeValues("msExchUMHuntGroupDialPlanBL")),
		UMServers:               sorted(e.GetAttributeValues("msExchUMServerDialPlanBL")),
		AutoAttendants:          sorted(e.GetAttributeValues("msExchUMAutoAttendantDialPlanBL")),
	}
}

func sorted(v []string) []string {
	out := append([]string{}, v...)
	sort.Strings(out)
	return out
}

// DialPlans lists the organization's UM dial plans, sorted by name.
func (d *Dir) DialPlans(ctx context.Context) ([]DialPlan, error) {
	base, err := d.UMContainer(ctx, DialPlanContainer)
	if err != nil {
		return nil, err
	}
	es, err := d.Search(ctx, base, ldap.ScopeSingleLevel, "(objectClass=msExchUMDialPlan)", dialPlanAttrs)
	if errors.Is(err, ErrNotFound) {
		return nil, nil // no container yet: Exchange creates it with the first dial plan
	}
	if err != nil {
		return nil, err
	}
	out := make([]DialPlan, 0, len(es))
	for _, e := range es {
		out = append(out, dialPlanFromEntry(e))
	}
	sort.Slice(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, nil
}

// DialPlan finds a dial plan by name (case-insensitive, as AD compares cn)
// with one search.
func (d *Dir) DialPlan(ctx context.Context, name string) (DialPlan, error) {
	if strings.TrimSpace(name) == "" {
		return DialPlan{}, fieldErr(FieldDialPlan, "", "is empty")
	}
	base, err := d.UMContainer(ctx, DialPlanContainer)
	if err != nil {
		return DialPlan{}, err
	}
	es, err := d.Search(ctx, base, ldap.ScopeSingleLevel, "(&(objectClass=msExchUMDialPlan)"+Filter("cn", name)+")", dialPlanAttrs)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return DialPlan{}, err
	}
	if len(es) == 0 {
		return DialPlan{}, fmt.Errorf("%w: no UM dial plan named %q", ErrNotFound, name)
	}
	return dialPlanFromEntry(es[0]), nil
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
