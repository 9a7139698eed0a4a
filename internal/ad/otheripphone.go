package ad

import (
	"strings"
)

// The otherIpPhone codec for Exchange UM contacts.
//
// The exact value Microsoft's tools (OcsUmUtil, New-CsExUmContact) write is not
// public. umctl writes two values:
//
//	EUM:<sip user@domain>;phone-context=<msExchUMPhoneContext of the dial plan>
//	UMContactType:SubscriberAccess        (or UMContactType:AutoAttendant)
//
// The first is exactly the form Exchange uses for EUM proxy addresses, so the
// dial plan is found the way Exchange finds it (the phone context after the last
// ";phone-context="). The contact type lives in its own value so that the EUM
// value stays in Exchange's form.
//
// Decoding is tolerant, so contacts written by other tools can be read: the
// prefix is case-insensitive (EUM:, eum:, sip:), the phone context may be missing,
// and the type is taken from an UMContactType: value, a "type=" or
// "contact-type=" parameter, or a bare AA / SA / AutoAttendant /
// SubscriberAccess value. Values it does not understand are kept and reported.

// ContactType is what an Exchange UM contact answers for.
type ContactType string

// Contact types.
const (
	SubscriberAccess ContactType = "SubscriberAccess"
	AutoAttendant    ContactType = "AutoAttendant"
	UnknownType      ContactType = ""
)

const contactTypePrefix = "UMContactType:"

// UMContactData is what otherIpPhone carries.
type UMContactData struct {
	SIP          string      // user@domain, without "sip:"
	PhoneContext string      // the dial plan's msExchUMPhoneContext
	Type         ContactType // UnknownType when no marker was found
}

// EncodeOtherIPPhone returns the otherIpPhone values for d.
func EncodeOtherIPPhone(d UMContactData) []string {
	t := d.Type
	if t == UnknownType {
		t = SubscriberAccess
	}
	return []string{"EUM:" + d.SIP + ";phone-context=" + d.PhoneContext, contactTypePrefix + string(t)}
}

// DecodeOtherIPPhone reads otherIpPhone values; unknown values are returned as they are.
func DecodeOtherIPPhone(vals []string) (UMContactData, []string) {
	var d UMContactData
	var unknown []string
	for _, raw := range vals {
		v := strings.TrimSpace(raw)
		lower := strings.ToLower(v)
		if t := parseType(v); t != UnknownType {
			d.Type = t
			continue
		}
		var rest string
		switch {
		case strings.HasPrefix(lower, "eum:"):
			rest = v[4:]
		case strings.HasPrefix(lower, "sip:"):
			rest = v[4:]
		default:
			unknown = append(unknown, raw)
			continue
		}
		addr, params, _ := strings.Cut(rest, ";")
		if i := strings.LastIndex(strings.ToLower(rest), ";phone-context="); i >= 0 {
			addr = rest[:i]
			pc := rest[i+len(";phone-context="):]
			// tolerate parameters after the phone context (type=AA, …)
			if j := strings.Index(pc, ";"); j >= 0 {
				params = pc[j+1:]
				pc = pc[:j]
			} else {
				params = ""
			}
			d.PhoneContext = pc
		}
		if strings.Contains(addr, "@") && d.SIP == "" {
			d.SIP = addr
		}
		for _, p := range strings.Split(params, ";") {
			if t := parseType(p); t != UnknownType {
				d.Type = t
			}
		}
	}
	return d, unknown
}

func parseType(v string) ContactType {
	s := strings.ToLower(strings.TrimSpace(v))
	for _, prefix := range []string{strings.ToLower(contactTypePrefix), "type=", "contact-type=", "umcontacttype="} {
		if strings.HasPrefix(s, prefix) {
			s = strings.TrimSpace(s[len(prefix):])
			break
		}
	}
	switch s {
	case "aa", "autoattendant", "auto-attendant", "auto attendant":
		return AutoAttendant
	case "sa", "subscriberaccess", "subscriber-access", "subscriber access", "ova":
		return SubscriberAccess
	}
	return UnknownType
}
