// Package manifest reads, checks and writes umctl's desired-state manifests
// (apiVersion umctl/v1) and turns them into the ad package's plan specs.
package manifest

import "fmt"

// APIVersion is the only manifest version this umctl reads.
const APIVersion = "umctl/v1"

// Manifest is the desired state of a UM integration. An omitted section, or an
// omitted attribute in an entry, is not managed.
type Manifest struct {
	APIVersion string      `yaml:"apiVersion" json:"apiVersion"`
	UCUtil     *UCUtil     `yaml:"ucutil,omitempty" json:"ucutil,omitempty"`
	Gateways   []Gateway   `yaml:"gateways,omitempty" json:"gateways,omitempty"`
	HuntGroups []HuntGroup `yaml:"huntGroups,omitempty" json:"huntGroups,omitempty"`
	Contacts   []Contact   `yaml:"contacts,omitempty" json:"contacts,omitempty"`
	EUM        []EUMUser   `yaml:"eum,omitempty" json:"eum,omitempty"`
}

// Location is where an entry was written: file and line.
type Location struct {
	File string
	Line int
	Path string // field path, e.g. gateways[1]
}

// UCUtil is `umctl ucutil`: enabled runs it (it never undoes anything, so
// false only stops managing it).
type UCUtil struct {
	Enabled            bool     `yaml:"enabled" json:"enabled"`
	OutcallsGateway    string   `yaml:"outcallsGateway,omitempty" json:"outcallsGateway,omitempty"`
	IncludeAdminGroups bool     `yaml:"includeAdminGroups,omitempty" json:"includeAdminGroups,omitempty"`
	At                 Location `yaml:"-" json:"-"`
}

// Gateway is one UM IP gateway's settings; nil = not managed.
type Gateway struct {
	Name     string   `yaml:"name" json:"name"`
	Address  *string  `yaml:"address,omitempty" json:"address,omitempty"`
	Port     *int     `yaml:"port,omitempty" json:"port,omitempty"`
	Status   *string  `yaml:"status,omitempty" json:"status,omitempty"`
	MWI      *bool    `yaml:"mwi,omitempty" json:"mwi,omitempty"`
	Outcalls *bool    `yaml:"outcalls,omitempty" json:"outcalls,omitempty"`
	IPFamily *string  `yaml:"ipFamily,omitempty" json:"ipFamily,omitempty"`
	At       Location `yaml:"-" json:"-"`
}

// HuntGroup is one hunt group of a gateway.
type HuntGroup struct {
	Gateway  string   `yaml:"gateway" json:"gateway"`
	Name     string   `yaml:"name" json:"name"`
	Pilot    string   `yaml:"pilot,omitempty" json:"pilot,omitempty"`
	DialPlan string   `yaml:"dialPlan" json:"dialPlan"`
	At       Location `yaml:"-" json:"-"`
}

// Contact is one Subscriber Access or Auto Attendant contact (`contact new`).
type Contact struct {
	SIPAddress      string   `yaml:"sipAddress" json:"sipAddress"`
	RegistrarPool   string   `yaml:"registrarPool" json:"registrarPool"`
	OU              string   `yaml:"ou" json:"ou"`
	DisplayNumber   string   `yaml:"displayNumber" json:"displayNumber"`
	DialPlan        string   `yaml:"dialPlan" json:"dialPlan"`
	AutoAttendant   *bool    `yaml:"autoAttendant,omitempty" json:"autoAttendant,omitempty"`
	DisplayName     string   `yaml:"displayName,omitempty" json:"displayName,omitempty"`
	Description     string   `yaml:"description,omitempty" json:"description,omitempty"`
	EnterpriseVoice *bool    `yaml:"enterpriseVoice,omitempty" json:"enterpriseVoice,omitempty"`
	At              Location `yaml:"-" json:"-"`
}

// EUMUser is a user's EUM addresses (only users listed are managed).
type EUMUser struct {
	User      string       `yaml:"user" json:"user"`
	Addresses []EUMAddress `yaml:"addresses" json:"addresses"`
	At        Location     `yaml:"-" json:"-"`
}

// EUMAddress is one EUM address of a user: an extension and/or a SIP name in a dial plan.
type EUMAddress struct {
	DialPlan  string   `yaml:"dialPlan" json:"dialPlan"`
	Extension string   `yaml:"extension,omitempty" json:"extension,omitempty"`
	SIPName   string   `yaml:"sipName,omitempty" json:"sipName,omitempty"`
	Primary   bool     `yaml:"primary,omitempty" json:"primary,omitempty"`
	At        Location `yaml:"-" json:"-"`
}

// Sections are the manifest's sections, in plan order.
var Sections = []string{"ucutil", "gateways", "huntGroups", "contacts", "eum"}

// Merge appends other's entries to m (several -f files make one manifest).
// ucutil is one setting, not a list: a second file that gives it too is a
// Problem (the last one silently won), as two entries of one gateway are.
func (m *Manifest) Merge(other *Manifest) error {
	if other.UCUtil != nil {
		if first := m.UCUtil; first != nil {
			return Problems{{Location: other.UCUtil.At, Msg: fmt.Sprintf("is also given at %s:%d; give it in one file", first.At.File, first.At.Line)}}
		}
		m.UCUtil = other.UCUtil
	}
	m.Gateways = append(m.Gateways, other.Gateways...)
	m.HuntGroups = append(m.HuntGroups, other.HuntGroups...)
	m.Contacts = append(m.Contacts, other.Contacts...)
	m.EUM = append(m.EUM, other.EUM...)
	return nil
}
