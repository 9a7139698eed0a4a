package ad

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// Schema extensions umctl depends on, each checked by one class it needs.
const (
	SchemaExchange = "Exchange Unified Messaging"
	SchemaLync     = "Lync/OCS (msRTCSIP)"
)

var schemaProbe = map[string][]string{
	SchemaExchange: {"msExchUMDialPlan", "msExchUMIPGateway", "msExchUMHuntGroup"},
	SchemaLync:     {"msRTCSIP-Pool", "msRTCSIP-PrimaryUserAddress"},
}

// RequireSchema fails with ErrSchema, naming the extension and what is missing,
// when the forest's schema lacks the classes and attributes umctl needs.
func (d *Dir) RequireSchema(ctx context.Context, which string) error {
	return d.RequireSchemaNames(ctx, which, schemaProbe[which]...)
}

// RequireSchemaNames fails with ErrSchema when any of the lDAPDisplayNames is
// missing from the schema, naming the extension and what is missing.
func (d *Dir) RequireSchemaNames(ctx context.Context, which string, names ...string) error {
	var f strings.Builder
	f.WriteString("(|")
	for _, n := range names {
		f.WriteString(Filter("lDAPDisplayName", n))
	}
	f.WriteString(")")
	es, err := d.Search(ctx, d.RootDSE.SchemaNC, ldap.ScopeSingleLevel, f.String(), []string{"lDAPDisplayName"})
	if err != nil {
		return err
	}
	have := map[string]bool{}
	for _, e := range es {
		have[strings.ToLower(e.GetAttributeValue("lDAPDisplayName"))] = true
	}
	var missing []string
	for _, n := range names {
		if !have[strings.ToLower(n)] {
			missing = append(missing, n)
		}
	}
	if len(missing) > 0 {
		return fmt.Errorf("%w: the forest schema has no %s extension (missing %s); run the product's schema preparation first", ErrSchema, which, strings.Join(missing, ", "))
	}
	return nil
}

// ExchangeOrg returns the DN of the Exchange organization container under
// CN=Microsoft Exchange,CN=Services,<configuration NC>.
func (d *Dir) ExchangeOrg(ctx context.Context) (string, error) {
	if d.org != "" {
		return d.org, nil
	}
	if err := d.RequireSchema(ctx, SchemaExchange); err != nil {
		return "", err
	}
	base := "CN=Microsoft Exchange,CN=Services," + d.RootDSE.ConfigNC
	es, err := d.Search(ctx, base, ldap.ScopeSingleLevel, "(objectClass=msExchOrganizationContainer)", []string{"cn"})
	if errors.Is(err, ErrNotFound) {
		return "", fmt.Errorf("%w: %s does not exist; Exchange has not been prepared in this forest", ErrNoExchange, base)
	}
	if err != nil {
		return "", err
	}
	switch len(es) {
	case 0:
		return "", fmt.Errorf("%w: no msExchOrganizationContainer under %s", ErrNoExchange, base)
	case 1:
		d.org = es[0].DN
		return d.org, nil
	default:
		return "", fmt.Errorf("%w: %d Exchange organizations under %s; a forest has one", ErrNoExchange, len(es), base)
	}
}

// UMContainer returns the DN of one of the organization's UM containers
// ("UM DialPlan Container", "UM IPGateway Container", "UM AutoAttendant Container").
func (d *Dir) UMContainer(ctx context.Context, name string) (string, error) {
	org, err := d.ExchangeOrg(ctx)
	if err != nil {
		return "", err
	}
	return RDN("CN", name) + "," + org, nil
}
