package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// TestContactCheckFindsDuplicatesOfOtherTools: a contact added by ldapmodify
// with a user's SIP address and number is reported, with the user, by
// `contact check` (exit 3); the seeded lab is clean (exit 0).
func TestContactCheckFindsDuplicatesOfOtherTools(t *testing.T) {
	resetLab(t)
	t.Cleanup(func() { labtest.Reset(t) })
	if code, out, errOut := umctl(t, "contact", "check"); code != 0 {
		t.Fatalf("seeded lab: exit %d\n%s%s", code, out, errOut)
	}
	u := lab.User(1, lab.Domain)
	dn := "CN=dup," + contactOU
	labtest.LDAPModify(t, "dn: "+dn+"\nchangetype: add\nobjectClass: contact\nmsRTCSIP-PrimaryUserAddress: "+strings.ToUpper(u.SIP)+
		"\nmsRTCSIP-Line: tel:"+u.Phone+"\n")
	code, out, errOut := umctl(t, "contact", "check", "-o", "json")
	if code != 3 {
		t.Fatalf("exit %d, want 3\n%s", code, errOut)
	}
	var fs []ad.Finding
	if err := json.Unmarshal([]byte(out), &fs); err != nil {
		t.Fatal(err, out)
	}
	got := map[string]int{}
	for _, f := range fs {
		got[f.Problem+" "+f.Proxy]++
		if !strings.EqualFold(f.DN, dn) && f.User != u.Sam {
			t.Errorf("finding on an uninvolved object: %+v", f)
		}
	}
	want := map[string]int{ad.ProblemDuplicateSIP + " " + strings.ToLower(u.SIP): 2, ad.ProblemDuplicateLine + " " + u.Phone: 2}
	if len(got) != len(want) || got[ad.ProblemDuplicateSIP+" "+strings.ToLower(u.SIP)] != 2 || got[ad.ProblemDuplicateLine+" "+u.Phone] != 2 {
		t.Fatalf("findings %v, want %v", got, want)
	}
}
