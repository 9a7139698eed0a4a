package ad

import (
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// A small codec for the self-relative SECURITY_DESCRIPTOR that AD stores in
// nTSecurityDescriptor (MS-DTYP 2.4.6). It parses the DACL's ACEs, keeps every
// ACE's bytes as they were (object ACEs included), and re-encodes a descriptor
// that carries only the DACL, which is what a write with the SD flags control
// (DACL_SECURITY_INFORMATION) replaces. No maintained Go library covers this
// (the candidates are unmaintained single-author packages), so umctl keeps its
// own, tested against descriptors Samba produced.

// ACE types, flags and the rights umctl grants.
const (
	AceTypeAccessAllowed       = 0x00
	AceTypeAccessDenied        = 0x01
	AceTypeAccessAllowedObject = 0x05
	AceTypeAccessDeniedObject  = 0x06

	AceFlagObjectInherit    = 0x01
	AceFlagContainerInherit = 0x02
	AceFlagNoPropagate      = 0x04
	AceFlagInheritOnly      = 0x08
	AceFlagInherited        = 0x10

	RightListChildren = 0x00000004 // LC, ADS_RIGHT_ACTRL_DS_LIST
	RightReadProperty = 0x00000010 // RP, ADS_RIGHT_DS_READ_PROP

	sdControlDACLPresent  = 0x0004
	sdControlSelfRelative = 0x8000
	sdControlDACLMask     = 0x0004 | 0x0008 | 0x0100 | 0x0400 | 0x1000 // present, defaulted, AI-req, auto-inherited, protected
)

// SecurityDescriptor is a parsed self-relative descriptor.
type SecurityDescriptor struct {
	Control uint16
	Owner   SID
	Group   SID
	DACL    *ACL // nil when absent
}

// ACL is a DACL.
type ACL struct {
	Revision byte
	ACEs     []ACE
}

// ACE is one access control entry. Raw holds the whole entry as encoded.
type ACE struct {
	Type  byte
	Flags byte
	Mask  uint32
	SID   SID
	Raw   []byte
}

// SID is a security identifier in binary form.
type SID []byte

var errShortSD = errors.New("security descriptor: truncated")

// ParseSecurityDescriptor decodes a self-relative descriptor.
func ParseSecurityDescriptor(b []byte) (*SecurityDescriptor, error) {
	if len(b) < 20 || b[0] != 1 {
		return nil, errShortSD
	}
	le := binary.LittleEndian
	sd := &SecurityDescriptor{Control: le.Uint16(b[2:])}
	var err error
	if off := le.Uint32(b[4:]); off != 0 {
		if sd.Owner, err = parseSID(b, int(off)); err != nil {
			return nil, err
		}
	}
	if off := le.Uint32(b[8:]); off != 0 {
		if sd.Group, err = parseSID(b, int(off)); err != nil {
			return nil, err
		}
	}
	if off := int(le.Uint32(b[16:])); off != 0 && sd.Control&sdControlDACLPresent != 0 {
		if off+8 > len(b) {
			return nil, errShortSD
		}
		acl := &ACL{Revision: b[off]}
		size, count := int(le.Uint16(b[off+2:])), int(le.Uint16(b[off+4:]))
		if off+size > len(b) {
			return nil, errShortSD
		}
		p := off + 8
		for i := 0; i < count; i++ {
			if p+4 > off+size {
				return nil, errShortSD
			}
			n := int(le.Uint16(b[p+2:]))
			if n < 4 || p+n > off+size {
				return nil, errShortSD
			}
			ace, err := parseACE(b[p : p+n])
			if err != nil {
				return nil, err
			}
			acl.ACEs = append(acl.ACEs, ace)
			p += n
		}
		sd.DACL = acl
	}
	return sd, nil
}

func parseSID(b []byte, off int) (SID, error) {
	if off+8 > len(b) {
		return nil, errShortSD
	}
	n := 8 + 4*int(b[off+1])
	if off+n > len(b) {
		return nil, errShortSD
	}
	return SID(append([]byte{}, b[off:off+n]...)), nil
}

func parseACE(raw []byte) (ACE, error) {
	a := ACE{Type: raw[0], Flags: raw[1], Raw: append([]byte{}, raw...)}
	if len(raw) < 8 {
		return a, errShortSD
	}
	a.Mask = binary.LittleEndian.Uint32(raw[4:])
	sidOff := 8
	if a.Type == AceTypeAccessAllowedObject || a.Type == AceTypeAccessDeniedObject {
		if len(raw) < 12 {
			return a, errShortSD
		}
		flags := binary.LittleEndian.Uint32(raw[8:])
		sidOff = 12
		if flags&1 != 0 {
			sidOff += 16
		}
		if flags&2 != 0 {
			sidOff += 16
		}
	}
	if a.Type <= AceTypeAccessDeniedObject && sidOff < len(raw) {
		sid, err := parseSID(raw, sidOff)
		if err != nil {
			return a, err
		}
		a.SID = sid
	}
	return a, nil
}

// NewACE builds a non-object ACE.
func NewACE(typ, flags byte, mask uint32, sid SID) ACE {
	raw := make([]byte, 8+len(sid))
	raw[0], raw[1] = typ, flags
	binary.LittleEndian.PutUint16(raw[2:], uint16(len(raw)))
	binary.LittleEndian.PutUint32(raw[4:], mask)
	copy(raw[8:], sid)
	return ACE{Type: typ, Flags: flags, Mask: mask, SID: sid, Raw: raw}
}

// EncodeDACLOnly encodes a descriptor with just the DACL (and its control
// bits), for a write with the SD flags control set to DACL_SECURITY_INFORMATION.
func (sd *SecurityDescriptor) EncodeDACLOnly() []byte {
	acl := []byte{sd.DACL.Revision, 0, 0, 0, 0, 0, 0, 0}
	for _, a := range sd.DACL.ACEs {
		acl = append(acl, a.Raw...)
	}
	le := binary.LittleEndian
	le.PutUint16(acl[2:], uint16(len(acl)))
	le.PutUint16(acl[4:], uint16(len(sd.DACL.ACEs)))
	out := make([]byte, 20, 20+len(acl))
	out[0] = 1
	le.PutUint16(out[2:], sd.Control&sdControlDACLMask|sdControlDACLPresent|sdControlSelfRelative)
	le.PutUint32(out[16:], 20)
	return append(out, acl...)
}

// Grants reports whether an explicit, effective allow ACE for sid grants at
// least mask, and container inheritance when inherit is set.
func (acl *ACL) Grants(sid SID, mask uint32, inherit bool) bool {
	for _, a := range acl.ACEs {
		if a.Type != AceTypeAccessAllowed || a.Flags&(AceFlagInherited|AceFlagInheritOnly) != 0 || !a.SID.Equal(sid) || a.Mask&mask != mask {
			continue
		}
		if inherit && a.Flags&AceFlagContainerInherit == 0 {
			continue
		}
		return true
	}
	return false
}

// AddCanonical inserts an explicit ACE where canonical order puts it: explicit
// deny ACEs, then explicit allow ACEs, then inherited ACEs. Other ACEs keep
// their order.
func (acl *ACL) AddCanonical(a ACE) {
	i := 0
	for i < len(acl.ACEs) {
		e := acl.ACEs[i]
		if e.Flags&AceFlagInherited != 0 {
			break
		}
		if a.Type == AceTypeAccessDenied && e.Type != AceTypeAccessDenied && e.Type != AceTypeAccessDeniedObject {
			break
		}
		i++
	}
	acl.ACEs = append(acl.ACEs[:i], append([]ACE{a}, acl.ACEs[i:]...)...)
}

// IsCanonical reports whether the explicit ACEs come before inherited ones and
// explicit denies before explicit allows.
func (acl *ACL) IsCanonical() bool {
	inherited, allowSeen := false, false
	for _, a := range acl.ACEs {
		if a.Flags&AceFlagInherited != 0 {
			inherited = true
			continue
		}
		if inherited {
			return false
		}
		deny := a.Type == AceTypeAccessDenied || a.Type == AceTypeAccessDeniedObject
		if deny && allowSeen {
			return false
		}
		if !deny {
			allowSeen = true
		}
	}
	return true
}

// Equal compares SIDs.
func (s SID) Equal(o SID) bool { return string(s) == string(o) }

// String renders S-1-5-21-….
func (s SID) String() string {
	if len(s) < 8 {
		return ""
	}
	var auth uint64
	for _, c := range s[2:8] {
		auth = auth<<8 | uint64(c)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "S-%d-%d", s[0], auth)
	for i := 0; i < int(s[1]) && 8+4*i+4 <= len(s); i++ {
		fmt.Fprintf(&b, "-%d", binary.LittleEndian.Uint32(s[8+4*i:]))
	}
	return b.String()
}

// ParseSID parses the S-1-… form.
func ParseSID(str string) (SID, error) {
	parts := strings.Split(str, "-")
	if len(parts) < 3 || parts[0] != "S" || parts[1] != "1" {
		return nil, fmt.Errorf("%w: SID %q: expected S-1-<authority>-<sub>…", ErrInvalid, str)
	}
	auth, err := strconv.ParseUint(parts[2], 10, 48)
	if err != nil {
		return nil, fmt.Errorf("%w: SID %q: %v", ErrInvalid, str, err)
	}
	sid := SID{1, byte(len(parts) - 3), byte(auth >> 40), byte(auth >> 32), byte(auth >> 24), byte(auth >> 16), byte(auth >> 8), byte(auth)}
	for _, p := range parts[3:] {
		n, err := strconv.ParseUint(p, 10, 32)
		if err != nil {
			return nil, fmt.Errorf("%w: SID %q: %v", ErrInvalid, str, err)
		}
		sid = binary.LittleEndian.AppendUint32(sid, uint32(n))
	}
	return sid, nil
}

var rightNames = []struct {
	bit  uint32
	sddl string
	name string
}{
	{0x1, "CC", "CreateChild"}, {0x2, "DC", "DeleteChild"}, {0x4, "LC", "ListChildren"}, {0x8, "SW", "Self"},
	{0x10, "RP", "ReadProperty"}, {0x20, "WP", "WriteProperty"}, {0x40, "DT", "DeleteTree"}, {0x80, "LO", "ListObject"},
	{0x100, "CR", "ExtendedRight"}, {0x10000, "SD", "Delete"}, {0x20000, "RC", "ReadControl"}, {0x40000, "WD", "WriteDacl"},
	{0x80000, "WO", "WriteOwner"}, {0x10000000, "GA", "GenericAll"}, {0x20000000, "GX", "GenericExecute"},
	{0x40000000, "GW", "GenericWrite"}, {0x80000000, "GR", "GenericRead"},
}

// RightsString names the bits of an access mask ("ListChildren, ReadProperty").
func RightsString(mask uint32) string {
	var names []string
	for _, r := range rightNames {
		if mask&r.bit != 0 {
			names = append(names, r.name)
			mask &^= r.bit
		}
	}
	if mask != 0 {
		names = append(names, fmt.Sprintf("0x%x", mask))
	}
	return strings.Join(names, ", ")
}

// SDDL renders an ACE in SDDL form, e.g. (A;CI;LCRP;;;S-1-5-21-…).
func (a ACE) SDDL() string {
	typ := map[byte]string{0: "A", 1: "D", 5: "OA", 6: "OD"}[a.Type]
	if typ == "" {
		typ = fmt.Sprintf("0x%x", a.Type)
	}
	var flags strings.Builder
	for _, f := range []struct {
		bit byte
		s   string
	}{{AceFlagObjectInherit, "OI"}, {AceFlagContainerInherit, "CI"}, {AceFlagNoPropagate, "NP"}, {AceFlagInheritOnly, "IO"}, {AceFlagInherited, "ID"}} {
		if a.Flags&f.bit != 0 {
			flags.WriteString(f.s)
		}
	}
	var rights strings.Builder
	mask := a.Mask
	for _, r := range rightNames {
		if mask&r.bit != 0 {
			rights.WriteString(r.sddl)
			mask &^= r.bit
		}
	}
	if mask != 0 || rights.Len() == 0 {
		rights.Reset()
		fmt.Fprintf(&rights, "0x%x", a.Mask)
	}
	return fmt.Sprintf("(%s;%s;%s;;;%s)", typ, flags.String(), rights.String(), a.SID)
}
