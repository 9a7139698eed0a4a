package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// TestRacingManifestApplies runs `apply -f` twice at once, as two CI jobs
// would: 3 times the same manifest of 20 contacts and 10 EUM addresses, then
// 3 times two manifests that give the same 10 extensions to different users.
// After each pair, ldapsearch finds every SIP address on one contact and
// every extension on one user; after the same manifest twice, `plan -f`
// has nothing to do (exit 0): the pair converged on it.
func TestRacingManifestApplies(t *testing.T) {
	resetLab(t)
	t.Cleanup(func() { labtest.Reset(t) })
	raced := 0
	for pair := 0; pair < 3; pair++ {
		path := writeManifest(t, raceManifest(pair, 1, true))
		args := []string{"apply", "-f", path, "--yes"}
		r := racePair(t, [2][]string{args, args}, [2]string{})
		raced += raceExits(t, "same manifest", r)
		raceHolders(t, pair, true)
		if code, _, errOut := umctl(t, "plan", "-f", path); code != 0 {
			t.Fatalf("pair %d: plan after two applies of one manifest: exit %d, want 0 (converged)\n%s", pair, code, errOut)
		}
	}
	for pair := 3; pair < 6; pair++ {
		a, b := writeManifest(t, raceManifest(pair, 1, false)), writeManifest(t, raceManifest(pair, 11, false))
		r := racePair(t, [2][]string{{"apply", "-f", a, "--yes"}, {"apply", "-f", b, "--yes"}}, [2]string{})
		raced += raceExits(t, "two manifests, same extensions", r)
		raceHolders(t, pair, false)
	}
	t.Logf("manifest applies: %d of 12 runs lost values to the other run and undid them", raced)
}

// raceManifest is pair's manifest: with contacts, 20 contacts; and 10 EUM
// users from lab user first on, with extensions 33<pair><row>.
func raceManifest(pair, first int, contacts bool) *manifest.Manifest {
	m := &manifest.Manifest{APIVersion: "umctl/v1"}
	for row := 0; contacts && row < 20; row++ {
		m.Contacts = append(m.Contacts, manifest.Contact{
			SIPAddress: fmt.Sprintf("sip:mrace%d-%02d@%s", pair, row, lab.Domain), RegistrarPool: "pool01." + lab.Domain,
			OU: contactOU, DisplayNumber: fmt.Sprintf("+479002%d%03d", pair, row), DialPlan: lab.SipDialPlan,
		})
	}
	for row := 0; row < 10; row++ {
		m.EUM = append(m.EUM, manifest.EUMUser{User: lab.User(first+row, lab.Domain).Sam,
			Addresses: []manifest.EUMAddress{{DialPlan: lab.TelExtDialPlan, Extension: fmt.Sprintf("33%d%02d", pair, row)}}})
	}
	return m
}

// raceExits checks each run of a pair exited 0; or 2, refused before
// writing as the other run had written first; or 5, having lost values to
// the other run at the same time and undone its copies (both can lose some).
// It returns how many lost after writing.
func raceExits(t *testing.T, what string, r [2]racedRun) int {
	t.Helper()
	lost := 0
	for _, x := range r {
		switch {
		case x.code == 5 && strings.Contains(x.errOut, "at the same time"):
			lost++
		case x.code == 2 && strings.Contains(x.errOut, "is already used by") && strings.Contains(x.errOut, "nothing was written"):
			// the other run wrote first: refused before writing
		case x.code != 0:
			t.Fatalf("%s: exit %d:\n%s", what, x.code, x.errOut)
		}
	}
	return lost
}

// raceHolders checks that pair's values are each held by one object.
func raceHolders(t *testing.T, pair int, contacts bool) {
	t.Helper()
	pc := ";phone-context=" + lab.TelExtDialPlan + "." + lab.Domain
	for row := 0; row < 20; row++ {
		if row < 10 {
			ext := fmt.Sprintf("33%d%02d", pair, row)
			if n := holders(t, "(proxyAddresses=eum:"+ext+pc+")"); n != 1 {
				t.Fatalf("pair %d: extension %s on %d users", pair, ext, n)
			}
		}
		if sip := fmt.Sprintf("sip:mrace%d-%02d@%s", pair, row, lab.Domain); contacts {
			if n := holders(t, "(msRTCSIP-PrimaryUserAddress="+sip+")"); n != 1 {
				t.Fatalf("pair %d: %s on %d contacts", pair, sip, n)
			}
		}
	}
}
