package lab

import (
	"strings"
	"testing"
)

// Every scale user's SIP address, line URI and EUM addresses are unique, valid
// for their dial plan, and distinct from the seed users' and the access numbers.
func TestScaleUsersUniqueAndValid(t *testing.T) {
	seen := map[string]int{}
	claim := func(i int, v string) {
		k := strings.ToLower(v)
		if j, ok := seen[k]; ok {
			t.Fatalf("users %d and %d share %s", j, i, v)
		}
		seen[k] = i
	}
	for i := 1; i <= SeedUsers; i++ {
		u := User(i, Domain)
		if i != 33 { // 33 duplicates 21 on purpose
			for _, e := range u.EUM {
				claim(-i, e)
			}
		}
	}
	for _, n := range []string{SipAccess, SipAutoAtt, E164Access, TelExtAccess} {
		claim(0, "EUM:"+n)
	}
	digits := map[string]int{SipDialPlan: 4, TelExtDialPlan: 5}
	perPlan := map[string]int{}
	for i := 1; i <= MaxScaleUsers; i++ {
		u := ScaleUser(i, Domain)
		claim(i, u.SIP)
		claim(i, u.Line)
		if len(u.Sam) > 20 || len(u.EUM) == 0 || !strings.HasPrefix(u.EUM[0], "EUM:") {
			t.Fatalf("user %d: %+v", i, u)
		}
		for _, e := range u.EUM {
			addr, pc, ok := strings.Cut(e[4:], ";phone-context=")
			plan := strings.TrimSuffix(pc, "."+Domain)
			if !ok || plan == pc {
				t.Fatalf("user %d: %q", i, e)
			}
			perPlan[plan]++
			if n := digits[plan]; n > 0 && !strings.Contains(addr, "@") && len(addr) != n {
				t.Fatalf("user %d: %q is not %d digits", i, e, n)
			}
			claim(i, strings.ToUpper(e[:3])+":"+addr+";phone-context="+pc)
		}
	}
	if perPlan[SipDialPlan] < MaxScaleUsers/3 || perPlan[E164DialPlan] != MaxScaleUsers/3 || perPlan[TelExtDialPlan] != MaxScaleUsers/3 {
		t.Fatalf("spread over the dial plans: %v", perPlan)
	}
}
