package ad

import (
	"bytes"
	"encoding/binary"
	"os"
	"regexp"
	"strings"
	"testing"
)

// The fixtures are descriptors Samba produced (read with the SD flags control,
// DACL only) and the SDDL that `samba-tool dsacl get` printed for the same objects.
func fixture(t *testing.T, name string) ([]byte, string) {
	t.Helper()
	raw, err := os.ReadFile("testdata/" + name + ".sd")
	if err != nil {
		t.Fatal(err)
	}
	sddl, err := os.ReadFile("testdata/" + name + ".sddl")
	if err != nil {
		t.Fatal(err)
	}
	return raw, strings.TrimSpace(string(sddl))
}

var aceRE = regexp.MustCompile(`\((O?[AD]);([A-Z]*);([A-Z]*|0x[0-9a-f]+);`)

func TestParseSambaDescriptors(t *testing.T) {
	for _, name := range []string{"domain-root", "dialplan-container-after-ucutil"} {
		raw, sddl := fixture(t, name)
		sd, err := ParseSecurityDescriptor(raw)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		dacl := sddl[strings.Index(sddl, "D:"):]
		want := aceRE.FindAllStringSubmatch(dacl, -1)
		if len(sd.DACL.ACEs) != len(want) || len(want) == 0 {
			t.Fatalf("%s: %d ACEs, samba-tool shows %d", name, len(sd.DACL.ACEs), len(want))
		}
		for i, a := range sd.DACL.ACEs {
			got := strings.SplitN(strings.TrimPrefix(a.SDDL(), "("), ";", 3)
			if got[0] != want[i][1] || !sameLetters(got[1], want[i][2]) {
				t.Errorf("%s ACE %d: %s, samba-tool %s", name, i, a.SDDL(), want[i][0])
			}
			if len(a.SID) == 0 {
				t.Errorf("%s ACE %d: no SID", name, i)
			}
		}
		// Re-encoding a DACL-only descriptor gives Samba's bytes back.
		if !bytes.Equal(sd.EncodeDACLOnly(), raw) {
			t.Errorf("%s: re-encoded descriptor differs from Samba's", name)
		}
		if !sd.DACL.IsCanonical() {
			t.Errorf("%s: not canonical", name)
		}
	}
}

// sameLetters compares SDDL flag strings ignoring order (CIID vs IDCI).
func sameLetters(a, b string) bool {
	pairs := func(s string) map[string]bool {
		m := map[string]bool{}
		for i := 0; i+1 < len(s); i += 2 {
			m[s[i:i+2]] = true
		}
		return m
	}
	pa, pb := pairs(a), pairs(b)
	if len(pa) != len(pb) {
		return false
	}
	for k := range pa {
		if !pb[k] {
			return false
		}
	}
	return true
}

func TestAddCanonicalAndGrants(t *testing.T) {
	raw, _ := fixture(t, "dialplan-container-after-ucutil")
	sd, err := ParseSecurityDescriptor(raw)
	if err != nil {
		t.Fatal(err)
	}
	acl := sd.DACL
	rtc := acl.ACEs[0].SID
	if !acl.Grants(rtc, RightListChildren|RightReadProperty, true) || !acl.Grants(rtc, RightListChildren, false) {
		t.Fatal("the ucutil ACE is not recognised")
	}
	other, _ := ParseSID("S-1-5-21-1-2-3-4242")
	if acl.Grants(other, RightListChildren, false) {
		t.Fatal("grants to an unknown SID")
	}
	n := len(acl.ACEs)
	acl.AddCanonical(NewACE(AceTypeAccessAllowed, AceFlagContainerInherit, RightReadProperty, other))
	if acl.ACEs[2].SID.String() != other.String() || acl.ACEs[3].Flags&AceFlagInherited == 0 || len(acl.ACEs) != n+1 {
		t.Fatalf("allow ACE not placed after the explicit allows: %v", sddls(acl))
	}
	acl.AddCanonical(NewACE(AceTypeAccessDenied, 0, RightReadProperty, other))
	if acl.ACEs[0].Type != AceTypeAccessDenied || !acl.IsCanonical() {
		t.Fatalf("deny ACE not first: %v", sddls(acl))
	}
	// Inherited, inherit-only and non-inheriting ACEs do not satisfy requirements they do not meet.
	x := &ACL{ACEs: []ACE{
		NewACE(AceTypeAccessAllowed, AceFlagInherited|AceFlagContainerInherit, 0xff, other),
		NewACE(AceTypeAccessAllowed, AceFlagInheritOnly|AceFlagContainerInherit, 0xff, other),
		NewACE(AceTypeAccessAllowed, 0, RightListChildren|RightReadProperty, other),
	}}
	if x.Grants(other, RightListChildren, true) || !x.Grants(other, RightListChildren|RightReadProperty, false) || x.Grants(other, 0x20, false) {
		t.Fatal("Grants")
	}
	out, err := ParseSecurityDescriptor(sd.EncodeDACLOnly())
	if err != nil || len(out.DACL.ACEs) != n+2 || binary.LittleEndian.Uint16(sd.EncodeDACLOnly()[2:])&0x0400 == 0 {
		t.Fatalf("re-parse: %v (auto-inherited bit must be kept)", err)
	}
}

func sddls(acl *ACL) []string {
	var s []string
	for _, a := range acl.ACEs {
		s = append(s, a.SDDL())
	}
	return s
}

func TestSIDs(t *testing.T) {
	for _, s := range []string{"S-1-5-32-544", "S-1-5-21-3132005459-357216201-1878145061-1102", "S-1-1-0"} {
		sid, err := ParseSID(s)
		if err != nil || sid.String() != s {
			t.Errorf("%s: %s %v", s, sid, err)
		}
	}
	for _, bad := range []string{"", "S-2-5", "X-1-5-32", "S-1-5-x"} {
		if _, err := ParseSID(bad); err == nil {
			t.Errorf("%q accepted", bad)
		}
	}
}

func TestParseTruncated(t *testing.T) {
	raw, _ := fixture(t, "domain-root")
	for i := 0; i < len(raw); i++ {
		if _, err := ParseSecurityDescriptor(raw[:i]); err == nil && i < 28 {
			t.Fatalf("prefix %d parsed", i)
		}
	}
}

func TestRightsString(t *testing.T) {
	if s := RightsString(RightListChildren | RightReadProperty | 0x200000000>>2); s != "ListChildren, ReadProperty, GenericRead" {
		t.Fatal(s)
	}
}

func FuzzParseSecurityDescriptor(f *testing.F) {
	raw, _ := os.ReadFile("testdata/domain-root.sd")
	f.Add(raw)
	f.Fuzz(func(t *testing.T, b []byte) {
		sd, err := ParseSecurityDescriptor(b)
		if err == nil && sd.DACL != nil {
			if _, err := ParseSecurityDescriptor(sd.EncodeDACLOnly()); err != nil {
				t.Fatalf("re-encoded descriptor does not parse: %v", err)
			}
		}
	})
}
