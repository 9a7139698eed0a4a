package doctor

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
)

func ids(cs []Check) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.ID())
	}
	return out
}

func TestSelect(t *testing.T) {
	all := DirectoryChecks()
	if got, _ := Select(all, nil); len(got) != 9 {
		t.Fatalf("all: %v", ids(got))
	}
	got, unknown := Select(all, []string{"sip-uri-case", " Stale-Gateway", "eum-duplicate"})
	if unknown != "" || !reflect.DeepEqual(ids(got), []string{"stale-gateway", "eum", "sip-uri-case"}) {
		t.Fatalf("got %v, unknown %q", ids(got), unknown)
	}
	if got, _ := Select(all, []string{"eum-*"}); !reflect.DeepEqual(ids(got), []string{"eum"}) {
		t.Fatalf("eum-*: %v", ids(got))
	}
	if _, unknown := Select(all, []string{"eum", "gateway"}); unknown != "gateway" {
		t.Fatalf("unknown %q", unknown)
	}
}

func TestReportOnly(t *testing.T) {
	r := &Report{Findings: []Finding{{Check: "eum-duplicate", Severity: Error}, {Check: "eum-no-primary", Severity: Warning},
		{Check: "stale-gateway", Severity: Warning}}, Errors: 1, Warnings: 2}
	r.Only([]string{"eum-no-primary", "stale-gateway"})
	if len(r.Findings) != 2 || r.Errors != 0 || r.Warnings != 2 {
		t.Fatalf("%+v", r)
	}
	r.Only([]string{"eum"})
	if len(r.Findings) != 1 || r.Findings[0].Check != "eum-no-primary" {
		t.Fatalf("%+v", r)
	}
}

type fakeCheck struct {
	id string
	fs []Finding
}

func (f fakeCheck) ID() string    { return f.id }
func (f fakeCheck) Title() string { return f.id }
func (f fakeCheck) Run(context.Context, *Env) ([]Finding, error) {
	return f.fs, nil
}

func TestRunCounts(t *testing.T) {
	r, err := Run(context.Background(), nil, []Check{
		fakeCheck{"a", []Finding{{Severity: Error}, {Severity: Warning, Check: "a-sub"}}}, fakeCheck{"b", nil}})
	if err != nil || r.Errors != 1 || r.Warnings != 1 || !reflect.DeepEqual(r.Checks, []string{"a", "b"}) ||
		r.Findings[0].Check != "a" || r.Findings[1].Check != "a-sub" {
		t.Fatalf("%+v %v", r, err)
	}
}

func TestCommandQuotes(t *testing.T) {
	got := Command("gateway", "remove", "1:1", "Main Office", "it's")
	if want := `umctl gateway remove 1:1 'Main Office' 'it'\''s'`; got != want {
		t.Fatalf("%s\nwant %s", got, want)
	}
}

func TestLineExtension(t *testing.T) {
	for in, want := range map[string]string{"tel:+4790001001;ext=1001": "1001", "TEL:+47;EXT=12;foo": "12", "tel:+4790001001": "", "sip:x;ext=1": ""} {
		if got := lineExtension(in); got != want {
			t.Errorf("%s: %q, want %q", in, got, want)
		}
	}
}

func TestMadeForPool(t *testing.T) {
	for _, tc := range []struct {
		name, addr string
		want       bool
	}{{"1:1", "pool01.contoso.com", true}, {"pool01.contoso.com", "pool01.contoso.com", true}, {"ocspool01", "ocspool01.contoso.com", true},
		{"PBX", "10.0.0.5", false}, {"1:1", "10.0.0.5", false}, {"SBC Oslo", "sbc.contoso.com", false}} {
		if got := madeForPool(ad.Gateway{Name: tc.name, Address: tc.addr}); got != tc.want {
			t.Errorf("%s %s: %v", tc.name, tc.addr, got)
		}
	}
}

func TestPlanMismatches(t *testing.T) {
	dp := ad.DialPlan{Name: "P", NumberOfDigits: 4, URIType: "TelExtn"}
	u := func(n, ext string) lineExt { return lineExt{&ad.EUMUser{Account: n, Line: "tel:+1;ext=" + ext}, ext} }
	one := planMismatches(dp, []lineExt{u("a", "1001"), u("b", "1002"), u("c", "10033")})
	if len(one) != 1 || one[0].Object != "c" || one[0].Severity != Error {
		t.Fatalf("one user: %+v", one)
	}
	plan := planMismatches(dp, []lineExt{u("a", "10011"), u("b", "10022"), u("c", "1003")})
	if len(plan) != 1 || plan[0].Object != "P" || !strings.Contains(plan[0].Problem, "most: 5 digits") {
		t.Fatalf("plan: %+v", plan)
	}
	dp.URIType = "SipName"
	if none := planMismatches(dp, []lineExt{u("a", "1001")}); len(none) != 0 {
		t.Fatalf("%+v", none)
	}
}
