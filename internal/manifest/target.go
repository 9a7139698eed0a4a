package manifest

import (
	"fmt"
	"strings"

	"github.com/umctl/umctl/internal/ad"
)

// FieldTarget is --target, as an ad.FieldError names it.
const FieldTarget ad.Field = "target"

// CheckTarget refuses a --target that can select nothing, so that a typo
// ("gateway/1:1", "eum/bob" for a user listed as bob@contoso.com) is an error
// and not a plan with nothing to do (exit 0, which CI takes for "in sync").
// The section must be one of Sections; a named entry must be listed in m,
// except that with prune a contact or hunt group may be one the manifest no
// longer lists (prune deletes those).
func CheckTarget(m *Manifest, target string, prune bool) error {
	if target == "" {
		return nil
	}
	section, name, named := strings.Cut(target, "/")
	canonical := ""
	for _, s := range Sections {
		if strings.EqualFold(s, section) {
			canonical = s
		}
	}
	if canonical == "" || (canonical == "ucutil" && named) || (named && name == "") {
		return &ad.FieldError{Field: FieldTarget, Value: target, Reason: fmt.Sprintf("expected ucutil, a section (%s) or SECTION/NAME", strings.Join(Sections[1:], ", "))}
	}
	if !named || listed(m, canonical, name) || (prune && (canonical == "contacts" || canonical == "huntGroups")) {
		return nil
	}
	return &ad.FieldError{Field: FieldTarget, Value: target, Reason: fmt.Sprintf("matches no entry of the manifest's %s (%s)", canonical, entryKey[canonical])}
}

// entryKey says what NAME is in SECTION/NAME.
var entryKey = map[string]string{"gateways": "NAME is a gateway's name", "huntGroups": "NAME is a hunt group's name",
	"contacts": "NAME is a contact's sipAddress", "eum": "NAME is a user as the manifest writes it"}

// listed reports whether m has an entry of section called name, compared as Plan's --target compares.
func listed(m *Manifest, section, name string) bool {
	var names []string
	switch section {
	case "gateways":
		for _, g := range m.Gateways {
			names = append(names, g.Name)
		}
	case "huntGroups":
		for _, h := range m.HuntGroups {
			names = append(names, h.Name)
		}
	case "contacts":
		for _, c := range m.Contacts {
			names = append(names, c.SIPAddress)
		}
	case "eum":
		for _, u := range m.EUM {
			names = append(names, u.User)
		}
	}
	for _, n := range names {
		if strings.EqualFold(n, name) {
			return true
		}
	}
	return false
}
