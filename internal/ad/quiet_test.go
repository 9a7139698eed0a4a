package ad

import (
	"testing"

	"github.com/go-ldap/ldap/v3"
)

// A change counts as taking a USN only when its success proves it changed the
// object: a value added that it does not delete, or deleted and not added back
// (case aside), or a whole object added or deleted.
func TestTakesUSN(t *testing.T) {
	mod := func(del, add []string) *Change {
		return &Change{req: swapValues("CN=x", "proxyAddresses", del, add)}
	}
	replace := ldap.NewModifyRequest("CN=x", nil)
	replace.Replace("description", []string{"a"})
	for _, tc := range []struct {
		name string
		c    *Change
		want bool
	}{
		{"add a value", mod(nil, []string{"EUM:1;phone-context=a"}), true},
		{"delete a value", mod([]string{"EUM:1;phone-context=a"}, nil), true},
		{"primary swap and a new value", mod([]string{"EUM:1;phone-context=a"}, []string{"eum:1;phone-context=a", "EUM:2;phone-context=a"}), true},
		{"case-only swap", mod([]string{"EUM:1;phone-context=a"}, []string{"eum:1;phone-context=a"}), false},
		{"replace", &Change{req: replace}, false},
		{"add an object", &Change{req: ldap.NewAddRequest("CN=x", nil)}, true},
		{"delete an object", &Change{req: ldap.NewDelRequest("CN=x", nil)}, true},
		{"read-modify-write", &Change{}, false},
	} {
		if got := takesUSN(tc.c); got != tc.want {
			t.Errorf("%s: takesUSN = %v, want %v", tc.name, got, tc.want)
		}
	}
}
