package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// umObjectNames are the organization's containers that ExchUCUtil creates or
// grants on.
var umObjectNames = []string{DialPlanContainer, GatewayContainer, AutoAttendantContainer, AdminGroupsContainer}

// umObjects reads the security descriptors of the organization and of those
// of its UM containers (and Administrative Groups) that exist: two requests
// (the organization, then its containers in one one-level search) where one
// Exists and one ReadDACL per container took eight. The map is keyed by the
// lower-cased DN as permissionTargets builds it; a container that does not
// exist is not in it.
func (d *Dir) umObjects(ctx context.Context, org string) (map[string]*SecurityDescriptor, error) {
	out := map[string]*SecurityDescriptor{}
	sd, err := d.ReadDACL(ctx, org)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return nil, err
	}
	if err == nil {
		out[strings.ToLower(org)] = sd
	}
	var f strings.Builder
	f.WriteString("(|")
	for _, n := range umObjectNames {
		f.WriteString(Filter("cn", n))
	}
	f.WriteString(")")
	ctl := &ldap.ControlMicrosoftSDFlags{Criticality: true, ControlValue: 4}
	res, err := d.req().Search(ldap.NewSearchRequest(org, ldap.ScopeSingleLevel, ldap.NeverDerefAliases, 0, 0, false,
		f.String(), []string{"cn", "nTSecurityDescriptor"}, []ldap.Control{ctl}))
	if err != nil {
		return nil, d.searchErr(org, f.String(), err)
	}
	for _, e := range res.Entries {
		dn := RDN("CN", e.GetAttributeValue("cn")) + "," + org
		if out[strings.ToLower(dn)], err = parseDACL(dn, e); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// parseDACL reads the security descriptor of a search entry that asked for
// the DACL only; an empty DACL is allocated.
func parseDACL(dn string, e *ldap.Entry) (*SecurityDescriptor, error) {
	raw := e.GetRawAttributeValue("nTSecurityDescriptor")
	if len(raw) == 0 {
		return nil, fmt.Errorf("reading the security descriptor of %s: not returned (missing rights to read it?)", dn)
	}
	sd, err := ParseSecurityDescriptor(raw)
	if err == nil && sd.DACL == nil {
		sd.DACL = &ACL{Revision: 4}
	}
	return sd, err
}
