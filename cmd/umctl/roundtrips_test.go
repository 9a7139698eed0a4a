package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

// roundTrips runs umctl and returns the LDAP requests its connection sent
// (searches, pages included, and writes), counted by a wrapper on the connection.
func roundTrips(t *testing.T, args ...string) (searches, writes int64) {
	t.Helper()
	rt := counted(t, args...)
	return rt.Searches(), rt.Writes()
}

// counted runs umctl and returns the counts of its connection's requests.
func counted(t *testing.T, args ...string) *ad.RoundTrips {
	t.Helper()
	var rt *ad.RoundTrips
	connected = func(d *ad.Dir) { rt = d.CountRoundTrips() }
	defer func() { connected = nil }()
	if code, _, errOut := umctl(t, args...); code != 0 || rt == nil {
		t.Fatalf("%v: exit %d: %s", args, code, errOut)
	}
	return rt
}

// extraUsers adds n users with UPN, SIP address, line URI and EUM addresses
// on SipDP (as a real forest's users have them) and returns their LDIF.
func extraUsers(n int) string {
	var b strings.Builder
	pc := ";phone-context=" + lab.SipDialPlan + "." + lab.Domain
	for i := 1; i <= n; i++ {
		sam := fmt.Sprintf("scale%04d", i)
		fmt.Fprintf(&b, "dn: CN=Scale User %04d,%s,%s\nchangetype: add\nobjectClass: user\nsAMAccountName: %s\nuserPrincipalName: %s@%s\n",
			i, lab.UserOU, lab.BaseDN, sam, sam, lab.Domain)
		fmt.Fprintf(&b, "msRTCSIP-PrimaryUserAddress: sip:%s@%s\nmsRTCSIP-Line: tel:+4791%06d\n", sam, lab.Domain, i)
		fmt.Fprintf(&b, "proxyAddresses: EUM:%s@%s%s\nproxyAddresses: eum:%d%s\n\n", sam, lab.Domain, pc, 5000+i, pc)
	}
	return b.String()
}

// singleObjectCommands are the commands issue #15 wants at O(1) round trips.
func singleObjectCommands() [][]string {
	u := lab.User(32, lab.Domain) // not UM-enabled
	ev := lab.User(3, lab.Domain) // EUM on SipDP
	ova := "sip:rt-ova@" + lab.Domain
	return [][]string{
		{"eum", "add", u.Sam, "--dial-plan", lab.TelExtDialPlan, "--extension", "30099", "--dry-run"},
		{"eum", "add", u.SIP, "--dial-plan", lab.SipDialPlan, "--extension", "1099", "--dry-run"},
		{"eum", "remove", ev.Sam, "--dial-plan", lab.SipDialPlan, "--dry-run"},
		{"eum", "list", ev.Sam},
		{"eum", "find", "1003", "--dial-plan", lab.SipDialPlan},
		{"contact", "new", "--sip-address", "sip:rt-new@" + lab.Domain, "--registrar-pool", "pool01." + lab.Domain, "--ou", contactOU,
			"--display-number", "+4790009998", "--dial-plan", lab.SipDialPlan, "--dry-run"},
		{"contact", "get", ova},
		{"contact", "set", ova, "--display-number", "+4790009997", "--sip-address", "sip:rt-ova2@" + lab.Domain, "--dry-run"},
		{"contact", "move", ova, "--target", "pool02." + lab.Domain, "--dry-run"},
		{"contact", "remove", ova, "--dry-run"},
		{"gateway", "set", "1:1", "--port", "5061", "--dry-run"},
		{"huntgroup", "new", "--gateway", "1:1", "--dial-plan", lab.SipDialPlan, "--name", "rt", "--pilot", "rt", "--dry-run"},
	}
}

// TestSingleObjectRoundTripsDoNotGrow: each single-object command sends the
// same number of requests on the seeded lab and after 500 more users.
func TestSingleObjectRoundTripsDoNotGrow(t *testing.T) {
	resetLab(t)
	t.Cleanup(func() { labtest.Reset(t) })
	if code, _, errOut := umctl(t, newContactArgs("sip:rt-ova@"+lab.Domain, lab.SipAccess)...); code != 0 {
		t.Fatal(errOut)
	}
	if code, _, errOut := umctl(t, "ucutil"); code != 0 { // gateways and hunt groups to change
		t.Fatal(errOut)
	}
	measure := func() []int64 {
		var out []int64
		for _, args := range singleObjectCommands() {
			s, w := roundTrips(t, args...)
			if w != 0 {
				t.Fatalf("%v --dry-run wrote %d times", args, w)
			}
			out = append(out, s)
		}
		return out
	}
	small := measure()
	labtest.Apply(t, extraUsers(500))
	large := measure()
	for i, args := range singleObjectCommands() {
		t.Logf("%-60.60s %2d searches at seed size, %2d with 500 more users", strings.Join(args[:min(4, len(args))], " "), small[i], large[i])
		if small[i] != large[i] || small[i] > 12 {
			t.Errorf("%v: %d searches on the seed lab, %d with 500 more users (want equal, at most 12)", args, small[i], large[i])
		}
	}
}

// TestBulkRoundTripsGrowWithRows: --from-csv reads its rows' users and
// addresses with batched filters: the searches do not depend on the forest's
// size, grow by a batch per 100 values, and an unchanged re-run writes nothing.
func TestBulkRoundTripsGrowWithRows(t *testing.T) {
	resetLab(t)
	t.Cleanup(func() { labtest.Reset(t) })
	csvOf := func(n int) string {
		rows := []string{"user,dial_plan,extension"}
		for i := 1; i <= n; i++ {
			rows = append(rows, fmt.Sprintf("%s,%s,%d", lab.User(i, lab.Domain).Sam, lab.TelExtDialPlan, 31000+i))
		}
		return writeCSV(t, rows)
	}
	few, many := csvOf(5), csvOf(31)
	measure := func(path string) int64 {
		s, _ := roundTrips(t, "eum", "add", "--from-csv", path, "--dry-run")
		return s
	}
	contactRows := []string{"sip_address,display_number"}
	for i := 1; i <= 150; i++ {
		contactRows = append(contactRows, fmt.Sprintf("sip:rt-%03d@%s,+4795%06d", i, lab.Domain, i))
	}
	contacts := writeCSV(t, contactRows)
	measureContacts := func() int64 {
		s, _ := roundTrips(t, "contact", "new", "--from-csv", contacts, "--ou", contactOU, "--registrar-pool", "pool01."+lab.Domain,
			"--dial-plan", lab.SipDialPlan, "--dry-run")
		return s
	}
	fewSmall, manySmall, contactsSmall := measure(few), measure(many), measureContacts()
	labtest.Apply(t, extraUsers(500))
	fewLarge, manyLarge, contactsLarge := measure(few), measure(many), measureContacts()
	t.Logf("contact new --from-csv, 150 rows: %d searches (seed), %d with 500 more users", contactsSmall, contactsLarge)
	if contactsSmall != contactsLarge || contactsSmall > 30 {
		t.Errorf("contact CSV: %d searches on the seed lab, %d with 500 more users (want equal, at most 30)", contactsSmall, contactsLarge)
	}
	t.Logf("eum add --from-csv: 5 rows %d searches, 31 rows %d searches (seed); %d and %d with 500 more users", fewSmall, manySmall, fewLarge, manyLarge)
	if fewSmall != fewLarge || manySmall != manyLarge {
		t.Errorf("searches depend on the forest's size: %d→%d and %d→%d", fewSmall, fewLarge, manySmall, manyLarge)
	}
	// 31 rows: 31 account names and 31 addresses, one batch each, as for 5 rows.
	if manySmall > fewSmall+1 {
		t.Errorf("31 rows took %d searches, 5 rows %d: more than one batch more", manySmall, fewSmall)
	}
	if _, w := roundTrips(t, "eum", "add", "--from-csv", many); w != 31 {
		t.Fatalf("first run: %d writes, want 31", w)
	}
	if _, w := roundTrips(t, "eum", "add", "--from-csv", many); w != 0 {
		t.Fatalf("unchanged re-run: %d writes", w)
	}
}

// TestBulkReRunReadsEachUserOnce: on an unchanged re-run every row's user
// already has the address it asks for, so it answers both the row's name and
// its address filter. Both go in one OR filter, so the DC sends each user once:
// the re-run reads as many entries, in as many searches, as the dry run did
// before the addresses were written (it read each user twice before: 200 rows
// are 400 filter terms, four batches, names and addresses in separate ones).
func TestBulkReRunReadsEachUserOnce(t *testing.T) {
	resetLab(t)
	t.Cleanup(func() { labtest.Reset(t) })
	labtest.Apply(t, extraUsers(200))
	rows := []string{"user,dial_plan,extension"}
	for i := 1; i <= 200; i++ {
		rows = append(rows, fmt.Sprintf("scale%04d,%s,%d", i, lab.TelExtDialPlan, 32000+i))
	}
	path := writeCSV(t, rows)
	dry := counted(t, "eum", "add", "--from-csv", path, "--dry-run")
	if w := counted(t, "eum", "add", "--from-csv", path).Writes(); w != 200 {
		t.Fatalf("first run: %d writes, want 200", w)
	}
	again := counted(t, "eum", "add", "--from-csv", path)
	t.Logf("200 rows: dry run %d searches, %d entries; unchanged re-run %d searches, %d entries",
		dry.Searches(), dry.Entries(), again.Searches(), again.Entries())
	if again.Writes() != 0 {
		t.Fatalf("unchanged re-run: %d writes", again.Writes())
	}
	if again.Entries() != dry.Entries() || again.Searches() != dry.Searches() {
		t.Errorf("re-run: %d searches and %d entries; the dry run before the writes: %d and %d (want equal)",
			again.Searches(), again.Entries(), dry.Searches(), dry.Entries())
	}
	if dry.Entries() < 200 {
		t.Errorf("the dry run read %d entries: fewer than its 200 users", dry.Entries())
	}
}
