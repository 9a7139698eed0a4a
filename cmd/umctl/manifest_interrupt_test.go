package main

import (
	"bufio"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// TestManifestApplyInterrupted kills apply of a 2,000-contact manifest half
// way; the re-run converges with every contact once, and a plan then is empty.
func TestManifestApplyInterrupted(t *testing.T) {
	if testing.Short() {
		t.Skip("2,000 contacts")
	}
	labtest.Reset(t)
	useLab(t)
	const n = 2000
	m := &manifest.Manifest{APIVersion: manifest.APIVersion}
	for i := range n {
		m.Contacts = append(m.Contacts, manifest.Contact{SIPAddress: fmt.Sprintf("sip:bulk-%04d@%s", i, lab.Domain),
			RegistrarPool: "pool01." + lab.Domain, OU: contactOU, DisplayNumber: fmt.Sprintf("+4792000%04d", i), DialPlan: lab.SipDialPlan})
	}
	path := writeManifest(t, m)
	cmd := exec.Command(os.Args[0], "apply", "-f", path)
	cmd.Env = append(os.Environ(), "UMCTL_TEST_EXEC=1")
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	s := bufio.NewScanner(stderr)
	for s.Scan() {
		if strings.HasPrefix(s.Text(), "applied ") { // the first tenth is written
			break
		}
	}
	if err := cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	marked := func() []map[string][]string {
		return labtest.LDAPSearch(t, contactOU, "one", "(&(objectClass=contact)(adminDescription=umctl-managed))", "msRTCSIP-PrimaryUserAddress")
	}
	half := len(marked())
	if half == 0 || half == n {
		t.Fatalf("killed apply left %d of %d contacts; want it stopped part way", half, n)
	}
	start := time.Now()
	if code, _, errOut := umctl(t, "apply", "-f", path); code != 0 {
		t.Fatalf("re-run: exit %d: %s", code, errOut)
	}
	rerun := time.Since(start)
	seen := map[string]int{}
	for _, e := range marked() {
		seen[strings.ToLower(e["msrtcsip-primaryuseraddress"][0])]++
	}
	if len(seen) != n {
		t.Fatalf("%d distinct contacts after the re-run, want %d", len(seen), n)
	}
	for sip, c := range seen {
		if c != 1 {
			t.Errorf("%s: %d contacts", sip, c)
		}
	}
	start = time.Now()
	if pending, code := pendingChanges(t, path); code != 0 || len(pending) != 0 {
		t.Fatalf("plan after the re-run: exit %d, %d pending", code, len(pending))
	}
	t.Logf("killed after %d of %d contacts; re-run applied the rest in %v; plan of %d unchanged contacts took %v (%.2fx the re-run)",
		half, n, rerun, n, time.Since(start), float64(time.Since(start))/float64(rerun))
}
