package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

var (
	contactOU = lab.ContactOU + "," + lab.BaseDN
	pool01DN  = "CN=1:1,CN=Pools,CN=RTC Service,CN=Services,CN=Configuration," + lab.BaseDN
	pool02DN  = "CN=1:2,CN=Pools,CN=RTC Service,CN=Services,CN=Configuration," + lab.BaseDN
)

func newContactArgs(sip, number string, extra ...string) []string {
	return append([]string{"contact", "new", "--sip-address", sip, "--registrar-pool", "pool01." + lab.Domain, "--ou", contactOU,
		"--display-number", number, "--dial-plan", lab.SipDialPlan}, extra...)
}

func contactsInDirectory(t *testing.T, filter string) []map[string][]string {
	return labtest.LDAPSearch(t, contactOU, "one", filter, "cn", "displayName", "description", "msRTCSIP-PrimaryUserAddress",
		"msRTCSIP-PrimaryHomeServer", "msRTCSIP-UserEnabled", "msRTCSIP-Line", "telephoneNumber", "msRTCSIP-OptionFlags",
		"otherIpPhone", "proxyAddresses", "objectClass")
}

func TestContactNewAndGet(t *testing.T) {
	resetLab(t)
	sip := "sip:ova@" + lab.Domain
	code, _, errOut := umctl(t, newContactArgs(sip, lab.SipAccess, "--description", "Outlook Voice Access", "--enterprise-voice")...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	es := contactsInDirectory(t, "(objectClass=contact)")
	if len(es) != 1 {
		t.Fatalf("%d contacts", len(es))
	}
	e := es[0]
	want := map[string][]string{
		"displayname": {"SipDP Subscriber Access"}, "description": {"Outlook Voice Access"},
		"msrtcsip-primaryuseraddress": {sip}, "msrtcsip-primaryhomeserver": {"CN=Lc Services,CN=Microsoft," + pool01DN},
		"msrtcsip-userenabled": {"TRUE"}, "msrtcsip-line": {"tel:" + lab.SipAccess}, "telephonenumber": {lab.SipAccess},
		"msrtcsip-optionflags": {"128"}, "proxyaddresses": {sip},
		"otherinphone": nil,
		"otheripphone": {"EUM:ova@" + lab.Domain + ";phone-context=SipDP." + lab.Domain, "UMContactType:SubscriberAccess"},
	}
	for k, v := range want {
		got := append([]string{}, e[k]...)
		sort.Strings(got)
		w := append([]string{}, v...)
		sort.Strings(w)
		if strings.Join(got, "|") != strings.Join(w, "|") {
			t.Errorf("%s = %q, want %q", k, e[k], v)
		}
	}
	cn := e["cn"][0]
	if len(cn) != 38 || cn[0] != '{' || cn[37] != '}' {
		t.Errorf("CN %q is not {GUID}", cn)
	}

	// The same command again: unchanged, nothing written.
	usn := labtest.HighestUSN(t)
	if code, out, _ := umctl(t, newContactArgs(sip, lab.SipAccess, "--description", "Outlook Voice Access", "--enterprise-voice")...); code != 0 || !strings.Contains(out, "No changes: 1 unchanged") {
		t.Fatalf("re-run: %d %s", code, out)
	}
	// The same SIP address with other values: a conflict, not a second contact.
	if code, _, errOut := umctl(t, newContactArgs(sip, lab.SipAccess)...); code != cli.ExitConflict || !strings.Contains(errOut, "already exists") {
		t.Fatalf("differing re-run: %d %s", code, errOut)
	}
	if labtest.HighestUSN(t) != usn {
		t.Fatal("re-run wrote")
	}

	// get by every kind of identity and filter
	dn := e["dn"][0]
	for _, args := range [][]string{{sip}, {"ova@" + lab.Domain}, {dn}, {cn}, {"SipDP Subscriber Access"}, {"--pool", "pool01." + lab.Domain},
		{"--number", lab.SipAccess}, {"--dial-plan", "sipdp"}, {"--ou", contactOU}, {"--ldap-filter", "(description=Outlook*)"}} {
		code, out, errOut := umctl(t, append([]string{"contact", "get", "-o", "json"}, args...)...)
		var cs []ad.Contact
		if code != 0 || json.Unmarshal([]byte(out), &cs) != nil || len(cs) != 1 || cs[0].Identity != dn || !cs[0].IsSubscriberAccess ||
			cs[0].AutoAttendant || cs[0].RegistrarPool != "pool01."+lab.Domain || cs[0].DialPlan != lab.SipDialPlan || !cs[0].EnterpriseVoice || !cs[0].Enabled {
			t.Errorf("contact get %v: %d %s %s", args, code, out, errOut)
		}
	}
	for _, args := range [][]string{{"--pool", "pool02." + lab.Domain}, {"--number", "+4790000101"}, {"--ldap-filter", "(description=nomatch)"}} {
		if _, out, _ := umctl(t, append([]string{"contact", "get", "-o", "json"}, args...)...); strings.TrimSpace(out) != "[]" {
			t.Errorf("contact get %v: %s", args, out)
		}
	}
	if code, _, errOut := umctl(t, "contact", "get", "--ldap-filter", "(unbalanced"); code != cli.ExitUsage || !strings.Contains(errOut, "--ldap-filter") {
		t.Errorf("bad --ldap-filter: %d %s", code, errOut)
	}
}

func TestContactBadInputWritesNothing(t *testing.T) {
	resetLab(t)
	if code, _, _ := umctl(t, newContactArgs("sip:taken@"+lab.Domain, "+4790000555")...); code != 0 {
		t.Fatal("setup")
	}
	user1 := lab.User(1, lab.Domain)
	usn := labtest.HighestUSN(t)
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{newContactArgs("ova@"+lab.Domain, lab.SipAccess), cli.ExitUsage, `--sip-address "ova@lab.umctl.test": expected a SIP URI`},
		{newContactArgs("sip:x)(cn=*@"+lab.Domain, lab.SipAccess), cli.ExitUsage, "--sip-address"},
		{newContactArgs(user1.SIP, lab.SipAccess), cli.ExitUsage, "already used by CN=" + user1.CN},
		{newContactArgs("sip:new@"+lab.Domain, "0123"), cli.ExitUsage, `--display-number "0123": expected an E.164 number`},
		{newContactArgs("sip:new@"+lab.Domain, "+47 900"), cli.ExitUsage, "--display-number"},
		{newContactArgs("sip:new@"+lab.Domain, user1.Phone), cli.ExitUsage, "is already the line URI of CN=" + user1.CN},
		{newContactArgs("sip:new@"+lab.Domain, "+4790000555"), cli.ExitUsage, "is already the line URI of CN={"},
		{append(newContactArgs("sip:new@"+lab.Domain, lab.SipAccess), "--dial-plan", "E164DP"), cli.ExitUsage, `--dial-plan "E164DP" is a E164 dial plan`},
		{append(newContactArgs("sip:new@"+lab.Domain, lab.SipAccess), "--dial-plan", "Nope"), cli.ExitUsage, `--dial-plan "Nope": no such UM dial plan`},
		{append(newContactArgs("sip:new@"+lab.Domain, lab.SipAccess), "--registrar-pool", "pool99"), cli.ExitUsage, `--registrar-pool "pool99": no such pool`},
		{append(newContactArgs("sip:new@"+lab.Domain, lab.SipAccess), "--ou", "OU=Nowhere,"+lab.BaseDN), cli.ExitUsage, "does not exist"},
		{append(newContactArgs("sip:new@"+lab.Domain, lab.SipAccess), "--ou", "not a dn"), cli.ExitUsage, `--ou "not a dn": expected a DN`},
		{[]string{"contact", "new", "--sip-address", "sip:new@" + lab.Domain}, cli.ExitUsage, "--registrar-pool, --ou, --display-number, --dial-plan are required when not running interactively"},
		{[]string{"contact", "set", "sip:taken@" + lab.Domain, "--sip-address", user1.SIP}, cli.ExitUsage, "already used by"},
		{[]string{"contact", "set", "sip:taken@" + lab.Domain, "--display-number", "abc"}, cli.ExitUsage, "--display-number"},
		{[]string{"contact", "set", "sip:nobody@" + lab.Domain, "--enabled", "false"}, cli.ExitFailure, "no Exchange UM contact"},
		{[]string{"contact", "move", "sip:taken@" + lab.Domain, "--target", "pool99"}, cli.ExitUsage, "--target"},
		{[]string{"contact", "remove", "sip:taken@" + lab.Domain}, cli.ExitUsage, "--yes is required"},
	} {
		code, out, errOut := umctl(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, stdout %q; want %d and %q", tc.args[1:], code, errOut, out, tc.code, tc.want)
		}
	}
	if after := labtest.HighestUSN(t); after != usn {
		t.Fatalf("refused input wrote: highestCommittedUSN %s -> %s", usn, after)
	}
}

func TestContactSetMoveRemove(t *testing.T) {
	resetLab(t)
	old := "sip:ova@" + lab.Domain
	if code, _, errOut := umctl(t, newContactArgs(old, lab.SipAccess)...); code != 0 {
		t.Fatal(errOut)
	}
	neu := "sip:voice@" + lab.Domain
	code, _, errOut := umctl(t, "contact", "set", old, "--sip-address", neu, "--display-number", "+4790000111", "--enterprise-voice", "true",
		"--auto-attendant", "true", "--description", "main menu")
	if code != 0 {
		t.Fatalf("set: %s", errOut)
	}
	e := contactsInDirectory(t, "(objectClass=contact)")[0]
	if e["msrtcsip-primaryuseraddress"][0] != neu || strings.Join(e["proxyaddresses"], ",") != neu || e["msrtcsip-line"][0] != "tel:+4790000111" ||
		e["telephonenumber"][0] != "+4790000111" || e["msrtcsip-optionflags"][0] != "128" || e["description"][0] != "main menu" ||
		!strings.Contains(strings.Join(e["otheripphone"], ","), "EUM:voice@"+lab.Domain+";phone-context=SipDP."+lab.Domain) ||
		!strings.Contains(strings.Join(e["otheripphone"], ","), "UMContactType:AutoAttendant") {
		t.Fatalf("after set: %v", e)
	}
	usn := labtest.HighestUSN(t)
	if code, out, _ := umctl(t, "contact", "set", neu, "--enterprise-voice", "true"); code != 0 || !strings.Contains(out, "No changes") || labtest.HighestUSN(t) != usn {
		t.Fatalf("unchanged set wrote: %s", out)
	}
	if code, _, errOut := umctl(t, "contact", "move", neu, "--target", "POOL02."+lab.Domain); code != 0 {
		t.Fatalf("move: %s", errOut)
	}
	if e := contactsInDirectory(t, "(objectClass=contact)")[0]; e["msrtcsip-primaryhomeserver"][0] != "CN=Lc Services,CN=Microsoft,"+pool02DN {
		t.Fatalf("after move: %v", e["msrtcsip-primaryhomeserver"])
	}
	if code, _, errOut := umctl(t, "contact", "remove", neu, "--yes"); code != 0 {
		t.Fatalf("remove: %s", errOut)
	}
	if es := contactsInDirectory(t, "(objectClass=contact)"); len(es) != 0 {
		t.Fatalf("after remove: %v", es)
	}
}

// A contact written by another tool in another otherIpPhone form is read, and
// moving it rewrites otherIpPhone in umctl's form, keeping the contact type.
func TestContactLegacyFormat(t *testing.T) {
	resetLab(t)
	labtest.Apply(t, `dn: CN=Legacy AA,`+contactOU+`
changetype: add
objectClass: contact
msRTCSIP-PrimaryUserAddress: sip:legacy-aa@`+lab.Domain+`
msRTCSIP-PrimaryHomeServer: CN=Lc Services,CN=Microsoft,`+pool01DN+`
msRTCSIP-Line: tel:+4790000200
msRTCSIP-UserEnabled: TRUE
otherIpPhone: eum:legacy-aa@`+lab.Domain+`;phone-context=SipDP.`+lab.Domain+`
otherIpPhone: AA
otherIpPhone: note: made by hand
`)
	_, out, _ := umctl(t, "contact", "get", "legacy-aa@"+lab.Domain, "-o", "json")
	var cs []ad.Contact
	if err := json.Unmarshal([]byte(out), &cs); err != nil || len(cs) != 1 || !cs[0].AutoAttendant || cs[0].DialPlan != lab.SipDialPlan ||
		cs[0].DisplayNumber != "+4790000200" || len(cs[0].OtherIPPhone) != 3 {
		t.Fatalf("legacy contact: %v %s", err, out)
	}
	if code, _, errOut := umctl(t, "contact", "move", "Legacy AA", "--target", "pool02."+lab.Domain); code != 0 {
		t.Fatal(errOut)
	}
	e := contactsInDirectory(t, "(cn=Legacy AA)")[0]
	got := append([]string{}, e["otheripphone"]...)
	sort.Strings(got)
	want := []string{"EUM:legacy-aa@" + lab.Domain + ";phone-context=SipDP." + lab.Domain, "UMContactType:AutoAttendant", "note: made by hand"}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Fatalf("otherIpPhone after move: %q", got)
	}
}

// stubPrompter answers prompts from a queue and records the questions.
type stubPrompter struct {
	answers []any
	asked   []string
	refused []string // what a field's check said
	notes   []string // what the form showed
}

func (s *stubPrompter) next(q string) any {
	s.asked = append(s.asked, q)
	if len(s.answers) == 0 {
		panic("unexpected prompt: " + q)
	}
	a := s.answers[0]
	s.answers = s.answers[1:]
	return a
}
func (s *stubPrompter) Input(q, def string, validate func(string) error) (string, error) {
	v := s.next(q).(string)
	if v == "" {
		v = def
	}
	if validate != nil {
		if err := validate(v); err != nil {
			return "", err
		}
	}
	return v, nil
}
func (s *stubPrompter) Password(q string) (string, error) { return s.next(q).(string), nil }
func (s *stubPrompter) Select(q string, opts []string, def string) (string, error) {
	v := s.next(q).(string)
	for _, o := range opts {
		if o == v {
			return v, nil
		}
	}
	return "", fmt.Errorf("%q is not among %v", v, opts)
}
func (s *stubPrompter) Confirm(q string, def bool) (bool, error) { return s.next(q).(bool), nil }

// Form answers each field from the queue as a user at the form would: an
// empty answer takes the field's default, and an answer its check refuses is
// recorded and the next one taken (typed again at the same field).
func (s *stubPrompter) Form(fields ...cli.Field) error {
	for _, f := range fields {
		switch f.Kind {
		case cli.FieldNote:
			s.notes = append(s.notes, f.Note())
		case cli.FieldConfirm:
			*f.Bool = s.next(f.Title).(bool)
			if f.ValidateBool != nil {
				if err := f.ValidateBool(*f.Bool); err != nil {
					return err
				}
			}
		case cli.FieldSelect:
			v, err := s.Select(f.Title, f.Options, *f.Text)
			if err != nil {
				return err
			}
			*f.Text = v
		default:
			for {
				v := s.next(f.Title).(string)
				if v == "" && f.Default != nil {
					v = f.Default()
				}
				if f.Validate != nil {
					if err := f.Validate(v); err != nil {
						s.refused = append(s.refused, err.Error())
						continue
					}
				}
				*f.Text = v
				break
			}
		}
	}
	return nil
}

// On a terminal, `contact new` asks for what is missing (dial plans and pools
// from the directory, the number defaulting to the access number) and confirms.
func TestContactNewInteractive(t *testing.T) {
	resetLab(t)
	io, _, out, errOut := cli.Test()
	io.SetTTY(true, true)
	p := &stubPrompter{answers: []any{"sip:prompted@" + lab.Domain, lab.SipDialPlan, false, "pool02." + lab.Domain, "", "", true}}
	if code := runWith([]string{"contact", "new"}, io, p); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if len(p.answers) != 0 || !strings.Contains(p.asked[len(p.asked)-1], "Create this contact?") {
		t.Fatalf("prompts: %q", p.asked)
	}
	if !strings.Contains(out.String(), "+ contact CN={") {
		t.Fatalf("plan not shown before confirming: %s", out)
	}
	e := contactsInDirectory(t, "(msRTCSIP-PrimaryUserAddress=sip:prompted@"+lab.Domain+")")
	if len(e) != 1 || e[0]["telephonenumber"][0] != lab.SipAccess || e[0]["msrtcsip-primaryhomeserver"][0] != "CN=Lc Services,CN=Microsoft,"+pool02DN {
		t.Fatalf("prompted contact: %v", e)
	}
	// Declining writes nothing and is no error (exit 0), not an interruption (130).
	usn := labtest.HighestUSN(t)
	p = &stubPrompter{answers: []any{"sip:declined@" + lab.Domain, lab.SipDialPlan, false, "pool02." + lab.Domain, "", "+4790000777", false}}
	if code := runWith([]string{"contact", "new"}, io, p); code != 0 || labtest.HighestUSN(t) != usn || !strings.Contains(errOut.String(), "Nothing done.") {
		t.Fatalf("declined: exit %d: %s", code, errOut)
	}
	errOut.Reset()
	p = &stubPrompter{answers: []any{false}}
	if code := runWith([]string{"contact", "remove", "sip:prompted@" + lab.Domain}, io, p); code != 0 || labtest.HighestUSN(t) != usn || !strings.Contains(errOut.String(), "Nothing done.") || len(p.asked) != 1 {
		t.Fatalf("declined removal: exit %d, asked %q: %s", code, p.asked, errOut)
	}
}

func writeCSV(t *testing.T, lines []string) string {
	p := filepath.Join(t.TempDir(), "contacts.csv")
	if err := os.WriteFile(p, []byte(strings.Join(lines, "\n")+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestContactCSV(t *testing.T) {
	resetLab(t)
	lines := []string{"sip_address,display_number,dial_plan,auto_attendant,description"}
	for i := 0; i < 1000; i++ {
		lines = append(lines, fmt.Sprintf("sip:csv%04d@%s,+4791%07d,SipDP,%v,bulk", i, lab.Domain, i, i%10 == 0))
	}
	path := writeCSV(t, lines)
	args := []string{"contact", "new", "--from-csv", path, "--ou", contactOU, "--registrar-pool", "pool01." + lab.Domain}
	t0 := time.Now()
	code, _, errOut := umctl(t, args...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	t.Logf("1000 contacts created in %v", time.Since(t0).Round(time.Millisecond))
	es := contactsInDirectory(t, "(description=bulk)")
	aa := 0
	for _, e := range es {
		if strings.Contains(strings.Join(e["otheripphone"], ","), "AutoAttendant") {
			aa++
		}
	}
	if len(es) != 1000 || aa != 100 {
		t.Fatalf("%d contacts (%d auto attendants) in the directory", len(es), aa)
	}
	usn := labtest.HighestUSN(t)
	t0 = time.Now()
	code, out, _ := umctl(t, args...)
	if code != 0 || !strings.Contains(out, "No changes: 1000 unchanged") || labtest.HighestUSN(t) != usn {
		t.Fatalf("re-run: exit %d, %s", code, out[max(0, len(out)-200):])
	}
	t.Logf("re-run on 1000 unchanged contacts: %v", time.Since(t0).Round(time.Millisecond))

	// Bad rows are reported by row and field and skipped; the rest is written; exit 3.
	bad := writeCSV(t, []string{"sip_address,display_number,dial_plan",
		"sip:good@" + lab.Domain + ",+4792000001,SipDP",
		"sip:bad-number@" + lab.Domain + ",12 34,SipDP",
		"sip:dup@" + lab.Domain + ",+4792000001,SipDP",
		"sip:bad-plan@" + lab.Domain + ",+4792000003,E164DP",
	})
	code, _, errOut = umctl(t, "contact", "new", "--from-csv", bad, "--ou", contactOU, "--registrar-pool", "pool01."+lab.Domain)
	if code != cli.ExitPartial || !strings.Contains(errOut, `row 3: invalid input: display_number "12 34"`) ||
		!strings.Contains(errOut, `row 4: invalid input: display_number "+4792000001" is already used by`) || !strings.Contains(errOut, "row 5:") {
		t.Fatalf("bad rows: exit %d\n%s", code, errOut)
	}
	if n := len(contactsInDirectory(t, "(|(msRTCSIP-PrimaryUserAddress=sip:good@"+lab.Domain+")(msRTCSIP-PrimaryUserAddress=sip:dup@"+lab.Domain+"))")); n != 1 {
		t.Fatalf("%d of good/dup written, want 1", n)
	}
}
