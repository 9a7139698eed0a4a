package ad_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// planEUM plans `eum add` rows on d (user index, extension on TelExtnDP).
func planEUM(t *testing.T, d *ad.Dir, rows ...ad.EUMSpec) *ad.Plan {
	t.Helper()
	p := &ad.Plan{Independent: true}
	ep := d.NewEUMPlanner()
	for _, s := range rows {
		if err := ep.PlanAdd(context.Background(), p, s); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

func telExt(u int, ext string) ad.EUMSpec {
	return ad.EUMSpec{User: lab.User(u, lab.Domain).Sam, DialPlan: lab.TelExtDialPlan, Extension: ext}
}

// eumHolders lists, by ldapsearch, the objects that have ext on TelExtnDP.
func eumHolders(t *testing.T, ext string) []string {
	var out []string
	for _, e := range labtest.LDAPSearch(t, lab.BaseDN, "sub", "(proxyAddresses=eum:"+ext+";phone-context="+lab.TelExtDialPlan+"."+lab.Domain+")", "1.1") {
		out = append(out, e["dn"][0])
	}
	return out
}

// When nothing else wrote to the DC while a run applied its plan, no other
// run can have raced it: the run sends its writes and one or two reads of
// highestCommittedUSN, no re-check of the values.
func TestQuietDCSkipsTheReCheck(t *testing.T) {
	labtest.Reset(t)
	d := labtest.Dial(t)
	p := planEUM(t, d, telExt(32, "36001"), telExt(29, "36002"))
	rt := d.CountRoundTrips()
	applyErr, settleErr := d.ApplySettled(context.Background(), p, nil)
	if applyErr != nil || settleErr != nil {
		t.Fatal(applyErr, settleErr)
	}
	if rt.Writes() != 2 || rt.Searches() > 2 || rt.Entries() != rt.Searches() {
		t.Fatalf("%d writes, %d searches, %d entries: want 2 writes and only reads of the RootDSE", rt.Writes(), rt.Searches(), rt.Entries())
	}
	if h := eumHolders(t, "36001"); len(h) != 1 {
		t.Fatalf("36001 held by %v", h)
	}
}

// Another writer that gives the same extension to another user after this
// run read it free, and before this run writes, wrote it first: the run sees
// the foreign write in highestCommittedUSN, re-checks, undoes its change and
// fails with ErrRaceLost; one holder is left. A second change of the run to
// the same user, which kept its value, is undone too (see undoLost).
func TestForeignWriteForcesTheReCheck(t *testing.T) {
	labtest.Reset(t)
	d := labtest.Dial(t)
	p := planEUM(t, d, telExt(32, "36011"), telExt(32, "36012"), telExt(29, "36013"))
	other := lab.User(30, lab.Domain)
	labtest.LDAPModify(t, "dn: CN="+other.CN+","+lab.UserOU+","+lab.BaseDN+"\nchangetype: modify\nadd: proxyAddresses\nproxyAddresses: eum:36011;phone-context="+lab.TelExtDialPlan+"."+lab.Domain+"\n-\n")
	applyErr, settleErr := d.ApplySettled(context.Background(), p, nil)
	if applyErr != nil {
		t.Fatal(applyErr)
	}
	if !errors.Is(settleErr, ad.ErrRaceLost) || !strings.Contains(settleErr.Error(), "36011") || !strings.Contains(settleErr.Error(), "undone too") {
		t.Fatalf("want ErrRaceLost for 36011 and the second change undone too, got %v", settleErr)
	}
	if h := eumHolders(t, "36011"); len(h) != 1 || !strings.Contains(h[0], other.CN) {
		t.Fatalf("36011 held by %v, want only %s", h, other.CN)
	}
	if h := eumHolders(t, "36012"); len(h) != 0 {
		t.Fatalf("36012 held by %v: the lost object's other change was not undone", h)
	}
	if h := eumHolders(t, "36013"); len(h) != 1 {
		t.Fatalf("36013 (another object, no race) held by %v", h)
	}
}
