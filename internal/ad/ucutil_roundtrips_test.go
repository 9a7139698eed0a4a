package ad_test

import (
	"context"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/labtest"
)

// PlanUCUtil reads the organization and its UM containers, with their DACLs,
// in two requests and the RTC groups in one: asking for Administrative Groups
// too costs no more searches, and the whole plan stays within 13.
func TestUCUtilSearchesBounded(t *testing.T) {
	var counts []int64
	for _, admin := range []bool{false, true} {
		d := labtest.Dial(t)
		rt := d.CountRoundTrips()
		res := &ad.UCUtilResult{}
		if err := d.PlanUCUtil(context.Background(), &ad.Plan{}, ad.UCUtilOptions{IncludeAdminGroups: admin, Report: res}); err != nil {
			t.Fatal(err)
		}
		if want := map[bool]int{false: 6, true: 8}[admin]; len(res.Permissions) != want {
			t.Errorf("admin groups %v: %d permissions checked, want %d", admin, len(res.Permissions), want)
		}
		counts = append(counts, rt.Searches())
	}
	if counts[0] != counts[1] || counts[0] > 13 {
		t.Errorf("%d searches, %d with Administrative Groups (want equal, at most 13; one per container made it 18 and 20)", counts[0], counts[1])
	}
}
