package ad

import (
	"errors"
	"testing"
)

func TestParseServerURL(t *testing.T) {
	for in, want := range map[string]string{
		"ldaps://dc1.contoso.com": "ldaps://dc1.contoso.com:636", "ldap://dc1": "ldap://dc1:389",
		"ldaps://127.0.0.1:3269": "ldaps://127.0.0.1:3269", "ldaps://[::1]": "ldaps://[::1]:636",
	} {
		u, err := ParseServerURL(in)
		if err != nil || u.String() != want {
			t.Errorf("%s: %v %v", in, u, err)
		}
	}
	for _, bad := range []string{"", "dc1.contoso.com", "http://dc1", "ldaps://", "ldaps://dc1/DC=x"} {
		if _, err := ParseServerURL(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q accepted (%v)", bad, err)
		}
	}
}

func TestPoolVersions(t *testing.T) {
	for v, want := range map[int]string{0x30000: "OCS 2007", 0x40000: "OCS 2007 R2", 0x50000: "Lync Server 2010", 5: "Lync Server 2010",
		0x70000: "Skype for Business Server 2015", 0: "unknown", 0x90000: "version 9"} {
		if got := PoolProduct(v); got != want {
			t.Errorf("%#x: %s, want %s", v, got, want)
		}
	}
	if !IsBranch([]string{"a=b", "extendedtype=RemoteRegistrar"}) || IsBranch([]string{"ExtendedType=Director"}) || IsBranch(nil) {
		t.Error("IsBranch")
	}
}

func TestEscaping(t *testing.T) {
	if f := Filter("cn", "a*)(x=1\\"); f != `(cn=a\2a\29\28x=1\5c)` {
		t.Error(f)
	}
	if r := RDN("CN", "Doe, John+1"); r != `CN=Doe\, John\+1` {
		t.Error(r)
	}
	if r := RDN("CN", "Sales=East, 2"); r != `CN=Sales\=East\, 2` { // AD's DN syntax escapes "=" too (Samba refuses it bare)
		t.Error(r)
	}
	if d := DNToDomain("DC=lab,DC=umctl,DC=test"); d != "lab.umctl.test" {
		t.Error(d)
	}
	if v := FirstRDNValue(`CN=Doe\, John,OU=x`); v != "Doe, John" {
		t.Error(v)
	}
}

func TestURITypeName(t *testing.T) {
	if URITypeName(1) != "TelExtn" || URITypeName(2) != "E164" || URITypeName(3) != "SipName" || URITypeName(9) != "unknown(9)" {
		t.Error("names")
	}
}
