package ad

import (
	"testing"

	"github.com/go-ldap/ldap/v3"
)

func TestMatch(t *testing.T) {
	for _, tc := range []struct{ value, want string }{
		{"sip:ova@x", `(a=sip:ova@x)`},
		{"sip:ov*", `(a=sip:ov*)`},
		{"*ova*", `(a=*ova*)`},
		{"+47*00", `(a=+47*00)`},
		{"a**b***", `(a=a*b*)`},
		{"*", `(a=*)`},
		{"x)(cn=*", `(a=x\29\28cn=*)`},
		{`*\2a(*`, `(a=*\5c2a\28*)`},
		{"nul\x00*", `(a=nul\00*)`},
	} {
		got := Match("a", tc.value)
		if got != tc.want {
			t.Errorf("Match(%q) = %s, want %s", tc.value, got, tc.want)
		}
		if _, err := ldap.CompileFilter(got); err != nil {
			t.Errorf("Match(%q) = %s: not a filter: %v", tc.value, got, err)
		}
	}
}
