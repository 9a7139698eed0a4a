package manifest

import (
	"errors"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
)

// TestCheckTarget: a --target that can select nothing is refused (a typo
// would otherwise plan nothing and exit 0); one that names an entry, a
// section, or with --prune a contact or hunt group the manifest dropped, is not.
func TestCheckTarget(t *testing.T) {
	m := &Manifest{
		Gateways:   []Gateway{{Name: "1:1"}},
		HuntGroups: []HuntGroup{{Gateway: "1:1", Name: "SipDP", DialPlan: "SipDP"}},
		Contacts:   []Contact{{SIPAddress: "sip:ova@contoso.com"}},
		EUM:        []EUMUser{{User: "bob@contoso.com"}},
	}
	for _, tc := range []struct {
		target string
		prune  bool
		err    string // "" = accepted
	}{
		{"", false, ""},
		{"ucutil", false, ""},
		{"gateways", false, ""},
		{"HuntGroups", false, ""},
		{"gateways/1:1", false, ""},
		{"huntGroups/sipdp", false, ""},
		{"contacts/SIP:OVA@contoso.com", false, ""},
		{"eum/bob@contoso.com", false, ""},
		{"contacts/sip:gone@contoso.com", true, ""}, // prune deletes a marked contact the manifest dropped
		{"huntGroups/Old", true, ""},
		{"gateway/1:1", false, `--target "gateway/1:1": expected ucutil, a section (gateways, huntGroups, contacts, eum) or SECTION/NAME`},
		{"ucutil/x", false, "expected ucutil, a section"},
		{"gateways/", false, "expected ucutil, a section"},
		{"gateways/1:2", false, `--target "gateways/1:2" matches no entry of the manifest's gateways (NAME is a gateway's name)`},
		{"eum/bob", false, "matches no entry of the manifest's eum (NAME is a user as the manifest writes it)"},
		{"eum/bob", true, "matches no entry"}, // prune never touches unlisted users
		{"gateways/1:2", true, "matches no entry"},
		{"contacts/sip:gone@contoso.com", false, "matches no entry"},
	} {
		err := CheckTarget(m, tc.target, tc.prune)
		if tc.err == "" {
			if err != nil {
				t.Errorf("--target %q (prune %v): %v", tc.target, tc.prune, err)
			}
			continue
		}
		fe, ok := ad.AsFieldError(err)
		if !ok || !errors.Is(err, ad.ErrInvalid) || !strings.Contains(fe.Render("--target"), tc.err) {
			t.Errorf("--target %q (prune %v): %v, want an invalid-input error with %q", tc.target, tc.prune, err, tc.err)
		}
	}
}
