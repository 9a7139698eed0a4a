package ad

import (
	"context"
	"fmt"
	"regexp"

	"github.com/go-ldap/ldap/v3"
)

var attrName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)

// AttributeIndex maps every Lync-enabled user's msRTCSIP-PrimaryUserAddress
// to the first value of attr (for the relay's Graph presence:
// msDS-ExternalDirectoryObjectId, "User_<Entra object id>"), in one paged search.
func (d *Dir) AttributeIndex(ctx context.Context, attr string) (map[string]string, error) {
	if !attrName.MatchString(attr) {
		return nil, fmt.Errorf("attribute %q: expected an LDAP attribute name", attr)
	}
	es, err := d.Search(ctx, d.RootDSE.DefaultNC, ldap.ScopeWholeSubtree, "(&(msRTCSIP-PrimaryUserAddress=*)("+attr+"=*))",
		[]string{"msRTCSIP-PrimaryUserAddress", attr})
	if err != nil {
		return nil, err
	}
	out := make(map[string]string, len(es))
	for _, e := range es {
		out[e.GetAttributeValue("msRTCSIP-PrimaryUserAddress")] = e.GetAttributeValue(attr)
	}
	return out, nil
}
