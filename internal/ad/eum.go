package ad

import (
	"slices"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

// EUM proxy addresses (proxyAddresses on users): how Exchange UM finds the
// mailbox for a call. <prefix>:<extension|E.164|sip name>;phone-context=<context>;
// prefix EUM (primary) or eum (secondary). The address is what stands before
// the last ";phone-context=".

const eumKind = "user"

// EUMAddress is one parsed EUM proxy address.
type EUMAddress struct {
	Primary      bool   `json:"primary"`
	Address      string `json:"address"` // extension, E.164 number or SIP name
	PhoneContext string `json:"phoneContext"`
}

// ParseEUM parses a proxyAddresses value; ok is false when it is not an EUM address.
func ParseEUM(v string) (EUMAddress, bool) {
	if len(v) < 4 || !strings.EqualFold(v[:4], "eum:") {
		return EUMAddress{}, false
	}
	rest := v[4:]
	i := strings.LastIndex(strings.ToLower(rest), ";phone-context=")
	if i < 0 {
		return EUMAddress{Primary: v[:3] == "EUM", Address: rest}, true
	}
	return EUMAddress{Primary: v[:3] == "EUM", Address: rest[:i], PhoneContext: rest[i+len(";phone-context="):]}, true
}

// String renders the proxyAddresses value.
func (e EUMAddress) String() string {
	prefix := "eum:"
	if e.Primary {
		prefix = "EUM:"
	}
	return prefix + e.Address + ";phone-context=" + e.PhoneContext
}

// IsSIP reports a SIP name (contains @).
func (e EUMAddress) IsSIP() bool { return strings.Contains(e.Address, "@") }

// key identifies an address within a phone context, case-insensitively (as
// the directory compares proxyAddresses).
func (e EUMAddress) key() string {
	return strings.ToLower(e.Address) + ";" + strings.ToLower(e.PhoneContext)
}

// filter is the equality filter that finds the address as primary or secondary.
func (e EUMAddress) filter() string {
	return Filter("proxyAddresses", "eum:"+e.Address+";phone-context="+e.PhoneContext)
}

// EUMUser is a user with the EUM addresses it has.
type EUMUser struct {
	DN        string       `json:"dn"`
	Account   string       `json:"sAMAccountName"`
	UPN       string       `json:"userPrincipalName"`
	SIP       string       `json:"sipAddress"`
	Line      string       `json:"lineURI,omitempty"` // msRTCSIP-Line
	Addresses []EUMAddress `json:"eumAddresses"`
	entry     *ldap.Entry
	fromGC    bool // read from the global catalog (for uniqueness), not from the DC written
	planned   bool // a change was planned from entry

	// AdminDescription is the user's adminDescription as read (a manifest
	// records there which EUM addresses it added).
	AdminDescription string `json:"-"`
}

var userAttrs = []string{"objectClass", "sAMAccountName", "userPrincipalName", "msRTCSIP-PrimaryUserAddress", "msRTCSIP-Line", "proxyAddresses", "adminDescription"}

func eumUserFromEntry(e *ldap.Entry) *EUMUser {
	u := &EUMUser{DN: e.DN, Account: e.GetAttributeValue("sAMAccountName"), UPN: e.GetAttributeValue("userPrincipalName"),
		SIP: e.GetAttributeValue("msRTCSIP-PrimaryUserAddress"), Line: e.GetAttributeValue("msRTCSIP-Line"),
		AdminDescription: e.GetAttributeValue("adminDescription"), entry: e}
	for _, v := range e.GetAttributeValues("proxyAddresses") {
		if a, ok := ParseEUM(v); ok {
			u.Addresses = append(u.Addresses, a)
		}
		if u.SIP == "" && strings.HasPrefix(strings.ToLower(v), "sip:") {
			u.SIP = v
		}
	}
	return u
}

// isPerson reports a user account (not a computer, not a contact).
func isPerson(e *ldap.Entry) bool {
	cls := lowerAll(e.GetAttributeValues("objectClass"))
	return slices.Contains(cls, "user") && !slices.Contains(cls, "computer")
}

// userTerms are the indexed equality filters that find a user by name: a
// name without @ can only be a sAMAccountName (UPNs and SIP addresses have
// one), so a batch of account names costs one value each.
func userTerms(name string) []string {
	n := strings.TrimSpace(name)
	if isDN(n) {
		return []string{Filter("distinguishedName", n)}
	}
	if !strings.Contains(n, "@") {
		return []string{Filter("sAMAccountName", n)}
	}
	sip := n
	if !strings.HasPrefix(strings.ToLower(n), "sip:") {
		sip = "sip:" + n
	}
	return []string{Filter("sAMAccountName", n), Filter("userPrincipalName", n),
		Filter("msRTCSIP-PrimaryUserAddress", sip), Filter("proxyAddresses", sip)}
}

func lowerAll(v []string) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = strings.ToLower(s)
	}
	return out
}
