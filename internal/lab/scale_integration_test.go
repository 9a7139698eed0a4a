package lab_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// Seed adds real, searchable AD users, and a re-seed writes nothing.
func TestSeedScaleUsers(t *testing.T) {
	labtest.Reset(t)
	l := labtest.Lab(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if _, err := l.Seed(ctx, 0); err == nil || !strings.Contains(err.Error(), "--users 0") {
		t.Fatalf("--users 0: %v", err)
	}
	res, err := l.Seed(ctx, 7)
	if err != nil || res.Added != 7 || res.Present != 0 {
		t.Fatalf("first seed: %+v %v", res, err)
	}
	base := lab.BaseDN
	for i := 1; i <= 7; i++ {
		u := lab.ScaleUser(i, lab.Domain)
		// Found the way umctl and Exchange look users up: by indexed equality.
		for _, f := range []string{"(userPrincipalName=" + u.Sam + "@" + lab.Domain + ")", "(msRTCSIP-PrimaryUserAddress=" + u.SIP + ")",
			"(msRTCSIP-Line=" + u.Line + ")", "(proxyAddresses=" + labtest.EscapeFilter(u.EUM[0]) + ")"} {
			es := labtest.LDAPSearch(t, base, "sub", "(&(objectCategory=person)(objectClass=user)"+f+")", "sAMAccountName", "objectSid", "sAMAccountType")
			if len(es) != 1 || es[0]["samaccountname"][0] != u.Sam || len(es[0]["objectsid"]) != 1 || es[0]["samaccounttype"][0] != "805306368" {
				t.Fatalf("user %d by %s: %v", i, f, es)
			}
		}
	}
	usn := labtest.HighestUSN(t)
	res, err = l.Seed(ctx, 7)
	if err != nil || res.Added != 0 || res.Present != 7 {
		t.Fatalf("re-seed: %+v %v", res, err)
	}
	if after := labtest.HighestUSN(t); after != usn {
		t.Fatalf("the re-seed wrote: highestCommittedUSN %s -> %s", usn, after)
	}
	res, err = l.Seed(ctx, 9)
	if err != nil || res.Added != 2 || res.Present != 7 {
		t.Fatalf("growing seed: %+v %v", res, err)
	}
	plans := map[string]bool{}
	for _, e := range labtest.LDAPSearch(t, lab.ScaleOU+","+base, "one", "(objectClass=user)", "proxyAddresses") {
		for _, v := range e["proxyaddresses"] {
			if _, pc, ok := strings.Cut(v, ";phone-context="); ok {
				plans[pc] = true
			}
		}
	}
	if len(plans) != 3 {
		t.Fatalf("scale users cover %d dial plans: %v", len(plans), plans)
	}
	labtest.Reset(t) // leave the seed as other tests expect it
}

// reset --users N seeds once and keeps a snapshot; later resets restore it.
func TestResetScale(t *testing.T) {
	labtest.Env(t)
	l := labtest.Lab(t)
	t.Cleanup(func() { labtest.Reset(t) })
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	scaleUsers := func() int {
		return len(labtest.LDAPSearch(t, lab.ScaleOU+","+lab.BaseDN, "one", "(objectClass=user)", "1.1"))
	}
	if _, res, err := l.ResetScale(ctx, 4); err != nil || res.Added+res.Present != 4 {
		t.Fatalf("first reset --users 4: %+v %v", res, err)
	}
	labtest.Apply(t, "dn: CN=scratch,OU=umctl-test,"+lab.BaseDN+"\nchangetype: add\nobjectClass: contact\n")
	if _, err := l.Seed(ctx, 5); err != nil {
		t.Fatal(err)
	}
	_, res, err := l.ResetScale(ctx, 4)
	if err != nil || res.Added != 0 || res.Present != 4 {
		t.Fatalf("second reset --users 4: %+v %v", res, err)
	}
	if n := scaleUsers(); n != 4 {
		t.Fatalf("after the snapshot was restored: %d scale users, want 4", n)
	}
	if es := labtest.LDAPSearch(t, "OU=umctl-test,"+lab.BaseDN, "one", "(cn=scratch)", "1.1"); len(es) != 0 {
		t.Fatal("the snapshot restore kept a later write")
	}
	if _, res, err := l.ResetScale(ctx, 6); err != nil || res.Added != 6 {
		t.Fatalf("reset --users 6 (a new N seeds again): %+v %v", res, err)
	}
	if _, err := l.Reset(ctx); err != nil {
		t.Fatal(err)
	}
	if es := labtest.LDAPSearch(t, lab.BaseDN, "sub", "(sAMAccountName=scale000001)", "1.1"); len(es) != 0 {
		t.Fatal("a plain reset kept the scale users")
	}
}
