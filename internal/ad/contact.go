package ad

import (
	"context"
	"regexp"
	"strconv"
	"strings"

	"github.com/go-ldap/ldap/v3"
)

const contactKind = "contact"

// Enterprise Voice bit of msRTCSIP-OptionFlags.
const optionEnterpriseVoice = 128

// Contact is an Exchange UM contact: a contact object that gives a subscriber
// access or auto attendant number a SIP identity in Lync.
type Contact struct {
	Identity           string   `json:"identity"` // DN
	Name               string   `json:"name"`     // CN, {GUID} for contacts Lync made
	DisplayName        string   `json:"displayName"`
	Description        string   `json:"description"`
	SIPAddress         string   `json:"sipAddress"`
	RegistrarPool      string   `json:"registrarPool"`
	HomeServer         string   `json:"homeServer"`
	LineURI            string   `json:"lineURI"`
	DisplayNumber      string   `json:"displayNumber"`
	DialPlan           string   `json:"dialPlan"`
	PhoneContext       string   `json:"phoneContext"`
	AutoAttendant      bool     `json:"autoAttendant"`
	IsSubscriberAccess bool     `json:"isSubscriberAccess"`
	Enabled            bool     `json:"enabled"`
	EnterpriseVoice    bool     `json:"enterpriseVoiceEnabled"`
	OtherIPPhone       []string `json:"otherIpPhone"` // raw values, as stored
	entry              *ldap.Entry
}

var contactAttrs = []string{"cn", "displayName", "description", "msRTCSIP-PrimaryUserAddress", "msRTCSIP-PrimaryHomeServer",
	"msRTCSIP-Line", "telephoneNumber", "otherIpPhone", "msRTCSIP-UserEnabled", "msRTCSIP-OptionFlags", "proxyAddresses"}

// ContactSpec is a wanted Exchange UM contact (flags of `contact new`, a CSV row).
type ContactSpec struct {
	SIPAddress      string
	RegistrarPool   string
	OU              string
	DisplayNumber   string
	DialPlan        string
	AutoAttendant   bool
	DisplayName     string
	Description     string
	EnterpriseVoice bool
	// Unmanaged are the optional attributes a manifest leaves out: a contact
	// with this SIP address that exists already keeps its own values of them,
	// instead of being compared with the defaults.
	Unmanaged ContactUnmanaged
	// Converge (a manifest's contact): a contact with this SIP address in
	// the OU that differs is changed to match; without it (`contact new`)
	// it is refused as a conflict.
	Converge bool
}

// ContactUnmanaged says which optional attributes of a ContactSpec are not managed.
type ContactUnmanaged struct{ DisplayName, Description, EnterpriseVoice, AutoAttendant bool }

var (
	// A conservative subset of RFC 3261 user names: what Lync SIP addresses use.
	sipRE    = regexp.MustCompile(`^(?i:sip):[A-Za-z0-9._'+!~&=$-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$`)
	numberRE = regexp.MustCompile(`^\+?[1-9][0-9]{0,19}$`)
)

// ValidateSIP checks the form of a SIP address ("sip:user@domain").
func ValidateSIP(f Field, v string) error {
	if !sipRE.MatchString(v) {
		return fieldErr(f, v, "expected a SIP URI such as sip:ova@contoso.com (user part: letters, digits and . _ - ' + ! ~ & = $)")
	}
	return nil
}

// ValidateNumber checks a display number: E.164 (+ then digits) or digits, first digit not 0.
func ValidateNumber(f Field, v string) error {
	if !numberRE.MatchString(v) {
		return fieldErr(f, v, "expected an E.164 number such as +14255550100, or digits; the first digit must not be 0")
	}
	return nil
}

// homeServerDN is the pool's service object that msRTCSIP-PrimaryHomeServer names.
func homeServerDN(p Pool) string { return "CN=Lc Services,CN=Microsoft," + p.DN }

// contactState is the attribute set a spec asks for.
func contactState(s ContactSpec, pool Pool, dp DialPlan, optionFlags int, enabled bool) []Attr {
	t := SubscriberAccess
	if s.AutoAttendant {
		t = AutoAttendant
	}
	sipUser := s.SIPAddress[len("sip:"):]
	flags := setBit(optionFlags, optionEnterpriseVoice, s.EnterpriseVoice)
	var flagVals []string
	if flags != 0 || optionFlags != 0 {
		flagVals = []string{strconv.Itoa(flags)}
	}
	return []Attr{
		{"displayName", []string{s.DisplayName}},
		{"description", nonEmpty(s.Description)},
		{"msRTCSIP-PrimaryUserAddress", []string{s.SIPAddress}},
		{"msRTCSIP-PrimaryHomeServer", []string{homeServerDN(pool)}},
		{"msRTCSIP-UserEnabled", []string{boolValue(enabled)}},
		{"msRTCSIP-Line", []string{LineURI(s.DisplayNumber)}},
		{"telephoneNumber", []string{s.DisplayNumber}},
		{"msRTCSIP-OptionFlags", flagVals},
		{"otherIpPhone", EncodeOtherIPPhone(UMContactData{SIP: sipUser, PhoneContext: dp.PhoneContext, Type: t})},
	}
}

func nonEmpty(s string) []string {
	if s == "" {
		return nil
	}
	return []string{s}
}

func orNone(v []string) string {
	if len(v) == 0 {
		return "it has none"
	}
	return "it has " + strings.Join(v, ", ")
}

// contactFromEntry builds a Contact, naming its pool and dial plan from the catalog.
func contactFromEntry(ctx context.Context, cat *Catalog, en *ldap.Entry) (Contact, error) {
	data, _ := DecodeOtherIPPhone(en.GetAttributeValues("otherIpPhone"))
	flags := intAttr(en, "msRTCSIP-OptionFlags")
	c := Contact{Identity: en.DN, Name: en.GetAttributeValue("cn"), DisplayName: en.GetAttributeValue("displayName"),
		Description: en.GetAttributeValue("description"), SIPAddress: en.GetAttributeValue("msRTCSIP-PrimaryUserAddress"),
		HomeServer: en.GetAttributeValue("msRTCSIP-PrimaryHomeServer"), LineURI: en.GetAttributeValue("msRTCSIP-Line"),
		DisplayNumber: en.GetAttributeValue("telephoneNumber"), PhoneContext: data.PhoneContext,
		AutoAttendant: data.Type == AutoAttendant, IsSubscriberAccess: data.Type != AutoAttendant,
		Enabled: en.GetAttributeValue("msRTCSIP-UserEnabled") == "TRUE", EnterpriseVoice: flags&optionEnterpriseVoice != 0,
		OtherIPPhone: en.GetAttributeValues("otherIpPhone"), entry: en}
	var err error
	if c.RegistrarPool, err = cat.PoolByHomeServer(ctx, c.HomeServer); err != nil {
		return c, err
	}
	dp, _, err := cat.DialPlanByContext(ctx, data.PhoneContext)
	c.DialPlan = dp.Name
	if c.DisplayNumber == "" {
		c.DisplayNumber = strings.TrimPrefix(strings.SplitN(c.LineURI, ";", 2)[0], "tel:")
	}
	return c, err
}
