package ad_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/go-ldap/ldap/v3"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// TestApplyKeepsOneObjectsChangesInOrder: an Independent plan is sent
// several requests at a time, but the changes of one object stay in plan
// order. 120 modifies of one user, each replacing the value the one before
// wrote (delete v(i-1), add v(i)), interleaved with modifies of two other
// users, all succeed, and the directory ends with the last value.
func TestApplyKeepsOneObjectsChangesInOrder(t *testing.T) {
	labtest.Reset(t)
	d := labtest.Dial(t)
	dn := func(account string) string {
		return labtest.LDAPSearch(t, lab.BaseDN, "sub", "(sAMAccountName="+account+")", "cn")[0]["dn"][0]
	}
	users := []string{dn("ada.lovelace"), dn("bjorn.berg"), dn("chen.wei")}
	p := &ad.Plan{Independent: true}
	old := map[string]string{}
	for i := 0; i < 120; i++ {
		for j, u := range users {
			if j > 0 && i%10 != 0 {
				continue
			}
			v := fmt.Sprintf("order-test %d", i)
			e := &ldap.Entry{DN: u, Attributes: []*ldap.EntryAttribute{ldap.NewEntryAttribute("adminDescription", nonEmpty(old[u]))}}
			p.Update(ad.KindUser, e, []ad.Attr{{Name: "adminDescription", Vals: []string{v}}})
			old[u] = v
		}
	}
	if n := p.Pending(); n != 144 {
		t.Fatalf("%d changes planned, want 144", n)
	}
	if err := d.Apply(context.Background(), p, nil); err != nil {
		t.Fatalf("apply: %v", err)
	}
	for _, u := range users {
		got := labtest.LDAPSearch(t, u, "base", "(objectClass=*)", "adminDescription")[0]["admindescription"]
		if len(got) != 1 || got[0] != old[u] {
			t.Errorf("%s: adminDescription %v, want %q", u, got, old[u])
		}
	}
}

func nonEmpty(v string) []string {
	if v == "" {
		return nil
	}
	return []string{v}
}
