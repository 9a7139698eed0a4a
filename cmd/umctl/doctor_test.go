package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

type doctorFinding struct {
	Check    string `json:"check"`
	Severity string `json:"severity"`
	Object   string `json:"object"`
	DN       string `json:"dn"`
	Problem  string `json:"problem"`
	Fix      string `json:"fix"`
}

type doctorReport struct {
	Checks   []string        `json:"checks"`
	Errors   int             `json:"errors"`
	Warnings int             `json:"warnings"`
	Findings []doctorFinding `json:"findings"`
}

// runDoctorJSON runs `doctor -o json` and checks the report's shape: only the
// known keys, counts that match the findings, and exit 3 exactly when there are errors.
func runDoctorJSON(t *testing.T, only ...string) doctorReport {
	t.Helper()
	args := []string{"doctor", "-o", "json"}
	if len(only) > 0 {
		args = append(args, "--only", strings.Join(only, ","))
	}
	code, out, errOut := umctl(t, args...)
	dec := json.NewDecoder(strings.NewReader(out))
	dec.DisallowUnknownFields()
	var r doctorReport
	if err := dec.Decode(&r); err != nil {
		t.Fatalf("doctor -o json: %v (exit %d)\n%s\n%s", err, code, out, errOut)
	}
	errs, warns := 0, 0
	for _, f := range r.Findings {
		switch f.Severity {
		case "error":
			errs++
		case "warning":
			warns++
		default:
			t.Errorf("finding %+v: severity %q", f, f.Severity)
		}
		if f.Check == "" || f.Object == "" || f.Problem == "" || (f.Fix != "" && !strings.HasPrefix(f.Fix, "umctl ")) {
			t.Errorf("incomplete finding %+v", f)
		}
	}
	want := 0
	if errs > 0 {
		want = cli.ExitPartial
	}
	if errs != r.Errors || warns != r.Warnings || code != want || r.Checks == nil {
		t.Fatalf("doctor: exit %d, errors %d/%d, warnings %d/%d, checks %v\n%s", code, r.Errors, errs, r.Warnings, warns, r.Checks, errOut)
	}
	return r
}

func (r doctorReport) find(check, object, problem string) *doctorFinding {
	for i, f := range r.Findings {
		if f.Check == check && strings.EqualFold(f.Object, object) && strings.Contains(f.Problem, problem) {
			return &r.Findings[i]
		}
	}
	return nil
}

// shellWords splits a command line as a POSIX shell does for plain words and single quotes.
func shellWords(s string) []string {
	var out []string
	var cur strings.Builder
	inQuote, have := false, false
	for _, r := range s {
		switch {
		case r == '\'':
			inQuote, have = !inQuote, true
		case r == ' ' && !inQuote:
			if have {
				out = append(out, cur.String())
				cur.Reset()
				have = false
			}
		default:
			cur.WriteRune(r)
			have = true
		}
	}
	if have {
		out = append(out, cur.String())
	}
	return out
}

// runFix runs a printed fix command (adding --yes to removals, which ask on a terminal).
func runFix(t *testing.T, fix string) {
	t.Helper()
	words := shellWords(fix)
	if len(words) < 2 || words[0] != "umctl" {
		t.Fatalf("fix %q is not a umctl command", fix)
	}
	args := words[1:]
	if len(args) > 1 && args[1] == "remove" {
		args = append(args, "--yes")
	}
	if code, out, errOut := umctl(t, args...); code != 0 {
		t.Fatalf("fix %q: exit %d\n%s\n%s", fix, code, out, errOut)
	}
}

// expectFixed seeds a defect, finds it under its id, runs the fix doctor
// prints, and checks that doctor no longer reports it.
func expectFixed(t *testing.T, check, object, problem, seed string) doctorFinding {
	t.Helper()
	if seed != "" {
		labtest.LDAPModify(t, seed)
	}
	f := runDoctorJSON(t, check).find(check, object, problem)
	if f == nil {
		t.Fatalf("doctor does not report %s on %s (%q)", check, object, problem)
	}
	if f.Fix == "" {
		t.Fatalf("%s on %s: no fix printed: %+v", check, object, f)
	}
	runFix(t, f.Fix)
	if again := runDoctorJSON(t, check).find(check, object, problem); again != nil {
		t.Fatalf("after %q doctor still reports %+v", f.Fix, again)
	}
	return *f
}

// expectReported seeds a defect that umctl has no fix for, finds it, undoes
// it with undo and checks that it is gone.
func expectReported(t *testing.T, check, object, problem, seed, undo string) {
	t.Helper()
	labtest.LDAPModify(t, seed)
	f := runDoctorJSON(t, check).find(check, object, problem)
	if f == nil {
		t.Fatalf("doctor does not report %s on %s (%q)", check, object, problem)
	}
	labtest.LDAPModify(t, undo)
	if again := runDoctorJSON(t, check).find(check, object, problem); again != nil {
		t.Fatalf("after undoing, doctor still reports %+v", again)
	}
}

func TestDoctor(t *testing.T) {
	resetLab(t)
	t.Cleanup(func() { labtest.Reset(t) })

	// The seed has no ACEs and no hunt groups; the fix doctor prints (ucutil) adds them.
	r := runDoctorJSON(t)
	if len(r.Checks) != 9 {
		t.Fatalf("checks %v", r.Checks)
	}
	perm := r.find("permissions", "UM DialPlan Container", "RTCComponentUniversalServices")
	if perm == nil || perm.Fix != "umctl ucutil" || perm.Severity != "error" {
		t.Fatalf("permissions: %+v in %+v", perm, r.Findings)
	}
	if f := r.find("dialplan-unserved", lab.SipDialPlan, "no hunt group"); f == nil || f.Fix != "umctl ucutil" {
		t.Fatalf("dialplan-unserved: %+v", f)
	}
	runFix(t, perm.Fix)

	// After ucutil: only the seeded EUM defects, the TelExtnDP line lengths and
	// the outcalls on three gateways are left.
	r = runDoctorJSON(t)
	for _, f := range r.Findings {
		switch f.Check {
		case "eum-duplicate", "eum-wrong-length", "eum-no-primary", "eum-unknown-phone-context", "digits-mismatch", "gateway-flags":
		default:
			t.Errorf("unexpected finding after ucutil: %+v", f)
		}
	}
	for _, w := range []struct{ check, object string }{{"eum-duplicate", "geir.tangen"}, {"eum-wrong-length", "hedda.myhre"},
		{"eum-no-primary", "ingrid.kvam"}, {"eum-unknown-phone-context", "jarle.nes"}, {"digits-mismatch", lab.TelExtDialPlan}} {
		if r.find(w.check, w.object, "") == nil {
			t.Errorf("seeded %s on %s not reported", w.check, w.object)
		}
	}
	if f := r.find("digits-mismatch", lab.TelExtDialPlan, ""); f == nil || f.Severity != "error" || !strings.Contains(f.Problem, "5-digit") {
		t.Errorf("digits-mismatch on TelExtnDP: %+v", f)
	}
	if r := runDoctorJSON(t, "eum-no-primary"); len(r.Findings) != 1 || r.Checks[0] != "eum" {
		t.Errorf("--only eum-no-primary: %+v", r)
	}

	t.Run("stale-gateway", func(t *testing.T) {
		expectFixed(t, "stale-gateway", "9:9", "gone01."+lab.Domain, `dn: CN=9:9,`+gwBase+`
changetype: add
objectClass: msExchUMIPGateway
cn: 9:9
msExchUMIPGatewayAddress: gone01.`+lab.Domain+`
msExchUMIPGatewayPort: 0
`)
	})
	t.Run("huntgroup-orphan", func(t *testing.T) {
		planDN := "CN=OrphanDP," + dpBase
		expectFixed(t, "huntgroup-orphan", "1:1/Orphan", "", `dn: `+planDN+`
changetype: add
objectClass: msExchUMDialPlan
cn: OrphanDP
msExchUMDialPlanURIType: 3
msExchUMNumberingPlanDigits: 4
msExchUMPhoneContext: OrphanDP.`+lab.Domain+`

dn: CN=Orphan,CN=1:1,`+gwBase+`
changetype: add
objectClass: msExchUMHuntGroup
cn: Orphan
msExchUMPilotIdentifier: OrphanDP
msExchUMHuntGroupDialPlanLink: `+planDN+`

dn: `+planDN+`
changetype: delete
`)
	})
	t.Run("gateway-flags", func(t *testing.T) {
		f := expectFixed(t, "gateway-flags", "2:1", "branch pool sba01", `dn: CN=2:1,`+gwBase+`
changetype: modify
replace: msExchUMIPGatewayFlags2
msExchUMIPGatewayFlags2: -1
`)
		if f.Severity != "error" {
			t.Errorf("MWI toward a branch pool: %+v", f)
		}
		f = expectFixed(t, "gateway-flags", "1:2", "outcalls are allowed on 3 gateways", "")
		if f.Severity != "warning" {
			t.Errorf("outcalls: %+v", f)
		}
	})
	t.Run("dialplan-unserved", func(t *testing.T) { doctorDialPlanUnserved(t) })
	t.Run("contact-broken", func(t *testing.T) { doctorContactBroken(t) })
	t.Run("digits-mismatch", func(t *testing.T) {
		u := lab.User(1, lab.Domain)
		dn := "CN=" + u.CN + "," + lab.UserOU + "," + lab.BaseDN
		expectReported(t, "digits-mismatch", u.Sam, "5-digit extension; dial plan SipDP has 4 digits",
			"dn: "+dn+"\nchangetype: modify\nreplace: msRTCSIP-Line\nmsRTCSIP-Line: tel:+4790001001;ext=10011\n",
			"dn: "+dn+"\nchangetype: modify\nreplace: msRTCSIP-Line\nmsRTCSIP-Line: "+u.Line+"\n")
	})
	t.Run("eum", func(t *testing.T) {
		u2, u3 := lab.User(2, lab.Domain), lab.User(3, lab.Domain)
		pc := ";phone-context=" + lab.SipDialPlan + "." + lab.Domain
		expectFixed(t, "eum-several-primaries", u2.Sam, "", "dn: CN="+u2.CN+","+lab.UserOU+","+lab.BaseDN+
			"\nchangetype: modify\ndelete: proxyAddresses\nproxyAddresses: eum:1002"+pc+"\n-\nadd: proxyAddresses\nproxyAddresses: EUM:1002"+pc+"\n")
		expectFixed(t, "eum-wrong-length", u3.Sam, "eum:12;", "dn: CN="+u3.CN+","+lab.UserOU+","+lab.BaseDN+
			"\nchangetype: modify\nadd: proxyAddresses\nproxyAddresses: eum:12"+pc+"\n")
	})
	t.Run("sip-uri-case", func(t *testing.T) {
		u := lab.User(4, lab.Domain)
		dn := "CN=" + u.CN + "," + lab.UserOU + "," + lab.BaseDN
		pc := ";phone-context=" + lab.SipDialPlan + "." + lab.Domain
		lower := "EUM:" + strings.TrimPrefix(u.SIP, "sip:") + pc
		upper := "EUM:Dagny.Hansen@" + lab.Domain + pc
		expectFixed(t, "sip-uri-case", u.Sam, "Dagny.Hansen@", "dn: "+dn+"\nchangetype: modify\ndelete: proxyAddresses\nproxyAddresses: "+lower+
			"\n-\nadd: proxyAddresses\nproxyAddresses: "+upper+"\n")
		vals := labtest.LDAPSearch(t, dn, "base", "(objectClass=*)", "proxyAddresses")[0]["proxyaddresses"]
		if !slices.Contains(vals, lower) || slices.Contains(vals, upper) {
			t.Errorf("after the fix: %v", vals)
		}
	})
	t.Run("permissions", func(t *testing.T) { doctorPermissions(t) })
}

// doctorDialPlanUnserved: a SIP dial plan a UM server serves but no hunt group
// links (ucutil adds them), then one that no UM server serves (no umctl fix).
func doctorDialPlanUnserved(t *testing.T) {
	planDN := "CN=DoctorDP," + dpBase
	ex1 := "CN=EX1,CN=Servers,CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups," + org
	link := "dn: " + ex1 + "\nchangetype: modify\n%s: msExchUMServerDialPlanLink\nmsExchUMServerDialPlanLink: " + planDN + "\n"
	expectFixed(t, "dialplan-unserved", "DoctorDP", "no hunt group", `dn: `+planDN+`
changetype: add
objectClass: msExchUMDialPlan
cn: DoctorDP
msExchUMDialPlanURIType: 3
msExchUMNumberingPlanDigits: 4
msExchUMPhoneContext: DoctorDP.`+lab.Domain+`

`+strings.Replace(link, "%s", "add", 1))
	expectReported(t, "dialplan-unserved", "DoctorDP", "no UM server", strings.Replace(link, "%s", "delete", 1), strings.Replace(link, "%s", "add", 1))
	// Undo: the hunt groups ucutil made, the link and the plan.
	var undo strings.Builder
	for _, gw := range []string{"1:1", "1:2", "2:1", "ocspool01"} {
		undo.WriteString("dn: CN=DoctorDP,CN=" + gw + "," + gwBase + "\nchangetype: delete\n\n")
	}
	undo.WriteString(strings.Replace(link, "%s", "delete", 1) + "\ndn: " + planDN + "\nchangetype: delete\n")
	labtest.LDAPModify(t, undo.String())
	if r := runDoctorJSON(t, "dialplan-unserved", "huntgroup-orphan"); len(r.Findings) != 0 {
		t.Errorf("after undoing: %+v", r.Findings)
	}
}

// doctorContactBroken: a contact whose number is a user's line (and not the
// access number), whose dial plan is gone, whose home pool was deleted.
func doctorContactBroken(t *testing.T) {
	sip := "sip:doctor-sa@" + lab.Domain
	if code, _, errOut := umctl(t, "contact", "new", "--sip-address", sip, "--registrar-pool", "pool01."+lab.Domain,
		"--ou", lab.ContactOU+","+lab.BaseDN, "--display-number", lab.SipAccess, "--dial-plan", lab.SipDialPlan); code != 0 {
		t.Fatalf("contact new: exit %d: %s", code, errOut)
	}
	defer umctl(t, "contact", "remove", sip, "--yes")
	if r := runDoctorJSON(t, "contact-broken"); len(r.Findings) != 0 {
		t.Fatalf("a good contact: %+v", r.Findings)
	}
	dn := labtest.LDAPSearch(t, lab.ContactOU+","+lab.BaseDN, "one", "(msRTCSIP-PrimaryUserAddress="+sip+")", "cn")[0]["dn"][0]
	u1 := lab.User(1, lab.Domain)

	labtest.LDAPModify(t, "dn: "+dn+"\nchangetype: modify\nreplace: telephoneNumber\ntelephoneNumber: "+u1.Phone+
		"\n-\nreplace: msRTCSIP-Line\nmsRTCSIP-Line: tel:"+u1.Phone+"\n")
	r := runDoctorJSON(t, "contact-broken")
	if f := r.find("contact-broken", sip, "also user "+u1.Sam+"'s line URI"); f == nil || f.Fix != "" {
		t.Fatalf("collision with a user's line: %+v in %+v", f, r.Findings)
	}
	f := expectFixed(t, "contact-broken", sip, "is not a subscriber access number", "")
	if !strings.Contains(f.Fix, "--display-number "+lab.SipAccess) {
		t.Errorf("number fix: %s", f.Fix)
	}
	if r := runDoctorJSON(t, "contact-broken"); len(r.Findings) != 0 {
		t.Fatalf("after the number fix: %+v", r.Findings)
	}

	expectFixed(t, "contact-broken", sip, "phone context Gone."+lab.Domain, "dn: "+dn+
		"\nchangetype: modify\nreplace: otherIpPhone\notherIpPhone: EUM:doctor-sa@"+lab.Domain+";phone-context=Gone."+lab.Domain+
		"\notherIpPhone: UMContactType:SubscriberAccess\n")

	pool := "CN=9:9,CN=Pools,CN=RTC Service,CN=Services,CN=Configuration," + lab.BaseDN
	hs := "CN=Lc Services,CN=Microsoft," + pool
	f = expectFixed(t, "contact-broken", sip, "which is no pool's", "dn: "+pool+
		"\nchangetype: add\nobjectClass: msRTCSIP-Pool\ncn: 9:9\ndNSHostName: gone01."+lab.Domain+"\nmsRTCSIP-PoolVersion: 393216\n\n"+
		"dn: CN=Microsoft,"+pool+"\nchangetype: add\nobjectClass: container\n\n"+
		"dn: "+hs+"\nchangetype: add\nobjectClass: container\n\n"+
		"dn: "+dn+"\nchangetype: modify\nreplace: msRTCSIP-PrimaryHomeServer\nmsRTCSIP-PrimaryHomeServer: "+hs+"\n\n"+
		"dn: "+hs+"\nchangetype: delete\n\ndn: CN=Microsoft,"+pool+"\nchangetype: delete\n\ndn: "+pool+"\nchangetype: delete\n")
	if !strings.Contains(f.Fix, "contact move") {
		t.Errorf("home pool fix: %s", f.Fix)
	}
}

// doctorPermissions removes the RTC groups' ACEs from the dial plan container
// with ldapmodify (a descriptor with only the DACL: the directory keeps the owner and group).
func doctorPermissions(t *testing.T) {
	d := labtest.Dial(t)
	sd, err := d.ReadDACL(context.Background(), dpBase)
	if err != nil {
		t.Fatal(err)
	}
	var keep []ad.ACE
	sids := rtcSIDs(t)
	for _, a := range sd.DACL.ACEs {
		if a.SID.String() != sids[1] {
			keep = append(keep, a)
		}
	}
	if len(keep) == len(sd.DACL.ACEs) {
		t.Fatalf("no ACE of %s on %s", sids[1], dpBase)
	}
	sd.DACL.ACEs = keep
	raw := sd.EncodeDACLOnly()
	expectFixedWith(t, "permissions", "UM DialPlan Container", ad.RTCGroups[1], func() {
		labtest.LDAPModify(t, "dn: "+dpBase+"\nchangetype: modify\nreplace: nTSecurityDescriptor\nnTSecurityDescriptor:: "+
			base64.StdEncoding.EncodeToString(raw)+"\n")
	})
	if sddl := labtest.DSACL(t, dpBase); !bytes.Contains([]byte(sddl), []byte("(A;CI;RPLC;;;"+sids[1]+")")) {
		t.Errorf("after the fix: %s", sddl)
	}
}

func expectFixedWith(t *testing.T, check, object, problem string, seed func()) {
	t.Helper()
	seed()
	expectFixed(t, check, object, problem, "")
}

// doctorSearches runs doctor and returns the searches its connection sent (pages included).
func doctorSearches(t *testing.T) int64 {
	t.Helper()
	var rt *ad.RoundTrips
	connected = func(d *ad.Dir) { rt = d.CountRoundTrips() }
	defer func() { connected = nil }()
	if code, _, errOut := umctl(t, "doctor", "-o", "json"); code != 0 && code != cli.ExitPartial || rt == nil {
		t.Fatalf("doctor: exit %d: %s", code, errOut)
	}
	return rt.Searches()
}

// TestDoctorCostFollowsUMObjects: doctor's searches do not grow with users
// that are not UM objects (no EUM address), and grow by at most the pages of
// one paged read with 500 more users that have EUM addresses.
func TestDoctorCostFollowsUMObjects(t *testing.T) {
	resetLab(t)
	t.Cleanup(func() { labtest.Reset(t) })
	if code, _, errOut := umctl(t, newContactArgs("sip:rt-ova@"+lab.Domain, lab.SipAccess)...); code != 0 {
		t.Fatal(errOut)
	}
	seed := doctorSearches(t)
	code, out, _ := umctl(t, "doctor", "--only", "eum-no-primary", "-o", "yaml")
	if code != 0 || !strings.Contains(out, "- check: eum-no-primary\n    severity: warning\n    object: ingrid.kvam\n") || !strings.Contains(out, "errors: 0\n") {
		t.Errorf("-o yaml: exit %d\n%s", code, out)
	}
	var plain strings.Builder
	for i := 1; i <= 500; i++ {
		sam := fmt.Sprintf("plain%04d", i)
		fmt.Fprintf(&plain, "dn: CN=Plain User %04d,%s,%s\nchangetype: add\nobjectClass: user\nsAMAccountName: %s\n"+
			"msRTCSIP-PrimaryUserAddress: sip:%s@%s\nmsRTCSIP-Line: tel:+4792%06d\n\n", i, lab.UserOU, lab.BaseDN, sam, sam, lab.Domain, i)
	}
	labtest.Apply(t, plain.String())
	withPlain := doctorSearches(t)
	labtest.Apply(t, extraUsers(500))
	withEUM := doctorSearches(t)
	t.Logf("doctor: %d searches on the seed lab, %d with 500 more users without EUM, %d with 500 more with EUM addresses", seed, withPlain, withEUM)
	if withPlain != seed || withEUM > seed+2 || seed > 30 {
		t.Errorf("doctor: %d searches (seed), %d (+500 plain users), %d (+500 EUM users): want equal, then at most 2 more pages, at most 30",
			seed, withPlain, withEUM)
	}
}

// TestDoctorUsage: an unknown --only id is a usage error naming the flag and
// the ids, before any connection (no server is configured here).
func TestDoctorUsage(t *testing.T) {
	isolate(t)
	code, _, errOut := umctl(t, "doctor", "--only", "stale-gateway,nosuch")
	if code != cli.ExitUsage || !strings.Contains(errOut, `--only "nosuch": no such check (checks: stale-gateway, huntgroup-orphan,`) ||
		strings.Contains(errOut, "--server") {
		t.Fatalf("exit %d: %s", code, errOut)
	}
}
