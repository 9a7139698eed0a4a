package sip

import (
	"fmt"
	"regexp"
	"time"

	"github.com/umctl/umctl/internal/presence"
)

var (
	guid     = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
	attrName = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9-]*$`)
)

// check fills in defaults and validates presence.graph.* (directory: whether
// the directory is read, which id_attribute needs).
func (g *GraphPresence) check(directory bool) error {
	if g.Interval == 0 {
		g.Interval = Duration(30 * time.Second)
	}
	if g.IDAttribute == "" {
		g.IDAttribute = "msDS-ExternalDirectoryObjectId"
	}
	if g.AuthorityURL == "" {
		g.AuthorityURL = "https://login.microsoftonline.com"
	}
	if g.GraphURL == "" {
		g.GraphURL = "https://graph.microsoft.com"
	}
	switch {
	case g.Tenant == "":
		return fmt.Errorf("presence.graph.tenant is required: the tenant's domain or id, e.g. contoso.onmicrosoft.com")
	case !guid.MatchString(g.ClientID):
		return fmt.Errorf("presence.graph.client_id %q: expected the app registration's application (client) id, a GUID", g.ClientID)
	case (g.CertificateFile == "") != (g.KeyFile == ""):
		return fmt.Errorf("presence.graph.certificate_file and key_file go together (PEM certificate and its RSA key)")
	case g.CertificateFile != "" && g.ClientSecretFile != "":
		return fmt.Errorf("presence.graph: set client_secret_file or certificate_file/key_file, not both")
	case time.Duration(g.Interval) < time.Second:
		return fmt.Errorf("presence.graph.interval %s: expected at least 1s", time.Duration(g.Interval))
	case !attrName.MatchString(g.IDAttribute):
		return fmt.Errorf("presence.graph.id_attribute %q: expected an LDAP attribute name such as msDS-ExternalDirectoryObjectId", g.IDAttribute)
	case g.IDsFile == "" && !directory:
		return fmt.Errorf("presence.graph: no object ids: set presence.graph.ids_file, or directory: {enabled: true} to read presence.graph.id_attribute")
	}
	if g.CertificateFile != "" {
		if _, err := presence.LoadCertCredential(g.CertificateFile, g.KeyFile); err != nil {
			return err
		}
	} else if _, err := presence.ReadSecret(g.ClientSecretFile); err != nil {
		return err
	}
	if err := presence.CheckGraphURL("presence.graph.authority_url", g.AuthorityURL); err != nil {
		return err
	}
	if err := presence.CheckGraphURL("presence.graph.graph_url", g.GraphURL); err != nil {
		return err
	}
	if g.IDsFile != "" {
		if _, err := presence.LoadIDsFile(g.IDsFile); err != nil {
			return err
		}
	}
	return nil
}
