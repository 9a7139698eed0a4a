package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
	"github.com/umctl/umctl/internal/manifest"
)

// writeManifest writes m as YAML into a temp file.
func writeManifest(t *testing.T, m *manifest.Manifest) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "um.yaml")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := manifest.Write(f, m, "yaml"); err != nil {
		t.Fatal(err)
	}
	return path
}

// pendingChanges runs plan -o json and returns the pending changes and the exit code.
func pendingChanges(t *testing.T, path string) ([]*ad.Change, int) {
	t.Helper()
	code, out, errOut := umctl(t, "plan", "-f", path, "-o", "json")
	if code != 0 && code != cli.ExitPartial {
		t.Fatalf("plan: exit %d: %s", code, errOut)
	}
	var p ad.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	var pending []*ad.Change
	for _, c := range p.Changes {
		if c.Action != ad.ActionUnchanged {
			pending = append(pending, c)
		}
	}
	return pending, code
}

// TestManifestRoundTrip: export → plan (0); edit → plan shows exactly the
// edits (3) → apply → plan (0), checked with ldapsearch; drift of a managed
// attribute is restored, an unmanaged one is left alone.
func TestManifestRoundTrip(t *testing.T) {
	labtest.Reset(t)
	useLab(t)
	if code, _, errOut := umctl(t, "ucutil"); code != 0 {
		t.Fatalf("ucutil: exit %d: %s", code, errOut)
	}
	code, out, errOut := umctl(t, "export")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	m, err := manifest.Decode("export.yaml", []byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(m.Gateways) == 0 || len(m.HuntGroups) == 0 || len(m.EUM) < 20 || m.UCUtil == nil {
		t.Fatalf("export misses sections: %d gateways, %d hunt groups, %d EUM users, ucutil %v", len(m.Gateways), len(m.HuntGroups), len(m.EUM), m.UCUtil)
	}
	path := writeManifest(t, m)
	if pending, code := pendingChanges(t, path); code != 0 || len(pending) != 0 {
		t.Fatalf("plan of the export: exit %d, %d pending: %+v", code, len(pending), pending)
	}

	// The edits: a contact, a gateway's outcalls, an EUM address.
	gw := &m.Gateways[0]
	outcalls := !*gw.Outcalls
	gw.Outcalls = &outcalls
	sip := "sip:manifest-ova@" + lab.Domain
	m.Contacts = append(m.Contacts, manifest.Contact{SIPAddress: sip, RegistrarPool: "pool01." + lab.Domain, OU: contactOU,
		DisplayNumber: "+4790000777", DialPlan: lab.SipDialPlan, DisplayName: "Manifest OVA"})
	user := &m.EUM[0]
	user.Addresses = append(user.Addresses, manifest.EUMAddress{DialPlan: lab.TelExtDialPlan, Extension: "39999"})
	path = writeManifest(t, m)
	pending, code := pendingChanges(t, path)
	if code != cli.ExitPartial || len(pending) != 3 {
		t.Fatalf("plan of the edits: exit %d, %d pending, want 3: %+v", code, len(pending), pending)
	}
	kinds := map[string]ad.Action{}
	for _, c := range pending {
		kinds[c.Kind] = c.Action
	}
	if kinds["contact"] != ad.ActionAdd || kinds["gateway"] != ad.ActionModify || kinds["user"] != ad.ActionModify {
		t.Fatalf("pending %v, want a contact add, a gateway modify, a user modify", kinds)
	}
	before := labtest.HighestUSN(t)
	if code, out, errOut := umctl(t, "apply", "-f", path, "--dry-run", "-o", "ldif"); code != 0 || strings.Count(out, "changetype: ") != 3 || labtest.HighestUSN(t) != before {
		t.Fatalf("apply --dry-run -o ldif: exit %d, want the 3 changes as LDIF and nothing written:\n%s%s", code, out, errOut)
	}
	if code, out, errOut := umctl(t, "apply", "-f", path, "--dry-run"); code != 0 || !strings.Contains(out, sip) || labtest.HighestUSN(t) != before {
		t.Fatalf("apply --dry-run: exit %d, want the plan and nothing written:\n%s%s", code, out, errOut)
	}
	if code, _, errOut := umctl(t, "apply", "-f", path, "--target", "contacts/"+sip); code != 0 {
		t.Fatalf("apply --target: exit %d: %s", code, errOut)
	}
	if pending, code := pendingChanges(t, path); code != cli.ExitPartial || len(pending) != 2 {
		t.Fatalf("after apply --target contacts/%s: exit %d, %d pending, want the other 2", sip, code, len(pending))
	}
	if code, _, errOut := umctl(t, "apply", "-f", path); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	usn := labtest.HighestUSN(t)
	if pending, code := pendingChanges(t, path); code != 0 || len(pending) != 0 {
		t.Fatalf("plan after apply: exit %d, %d pending: %+v %+v", code, len(pending), pending[0], pending[0].Diffs)
	}
	if code, _, errOut := umctl(t, "apply", "-f", path); code != 0 || labtest.HighestUSN(t) != usn {
		t.Fatalf("second apply: exit %d (%s), or it wrote", code, errOut)
	}
	base := "CN=Configuration," + lab.BaseDN
	if es := labtest.LDAPSearch(t, lab.BaseDN, "sub", "(msRTCSIP-PrimaryUserAddress="+labtest.EscapeFilter(sip)+")", "cn"); len(es) != 1 {
		t.Errorf("ldapsearch finds %d contacts %s", len(es), sip)
	}
	gws := labtest.LDAPSearch(t, base, "sub", "(&(objectClass=msExchUMIPGateway)(cn="+labtest.EscapeFilter(gw.Name)+"))", "msExchUMOutcallsAllowed", "msExchUMIPGatewayPort")
	if len(gws) != 1 || gws[0]["msexchumoutcallsallowed"][0] != strings.ToUpper(boolString(outcalls)) {
		t.Errorf("gateway %s in the directory: %v, want outcalls %v", gw.Name, gws, outcalls)
	}
	proxies := labtest.LDAPSearch(t, lab.BaseDN, "sub", "(proxyAddresses=EUM:39999;phone-context="+lab.TelExtDialPlan+"."+lab.Domain+")", "sAMAccountName")
	if len(proxies) != 1 || !strings.EqualFold(proxies[0]["samaccountname"][0], user.User) {
		t.Errorf("ldapsearch for the new EUM address: %v, want %s", proxies, user.User)
	}

	// Drift: the address is managed, the port is not (dropped from the manifest).
	gw.Port = nil
	path = writeManifest(t, m)
	gwDN := "CN=" + gw.Name + ",CN=UM IPGateway Container," + strings.TrimPrefix(gwParent(t, gw.Name), "CN=UM IPGateway Container,")
	labtest.LDAPModify(t, "dn: "+gwDN+"\nchangetype: modify\nreplace: msExchUMIPGatewayAddress\nmsExchUMIPGatewayAddress: drift.example.com\n-\nreplace: msExchUMIPGatewayPort\nmsExchUMIPGatewayPort: 5099\n-\n")
	pending, code = pendingChanges(t, path)
	if code != cli.ExitPartial || len(pending) != 1 || len(pending[0].Diffs) != 1 || pending[0].Diffs[0].Name != "msExchUMIPGatewayAddress" {
		t.Fatalf("plan of the drift: exit %d, %+v, want the address only", code, pending)
	}
	if code, _, errOut := umctl(t, "apply", "-f", path); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	gws = labtest.LDAPSearch(t, gwDN, "base", "(objectClass=*)", "msExchUMIPGatewayAddress", "msExchUMIPGatewayPort")
	if gws[0]["msexchumipgatewayaddress"][0] != *gw.Address || gws[0]["msexchumipgatewayport"][0] != "5099" {
		t.Errorf("after apply: %v, want address %s restored and the unmanaged port 5099 kept", gws[0], *gw.Address)
	}
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}

// gwParent finds the DN of a gateway by name with ldapsearch.
func gwParent(t *testing.T, name string) string {
	t.Helper()
	es := labtest.LDAPSearch(t, "CN=Configuration,"+lab.BaseDN, "sub", "(&(objectClass=msExchUMIPGateway)(cn="+labtest.EscapeFilter(name)+"))", "cn")
	if len(es) != 1 {
		t.Fatalf("gateway %s: %v", name, es)
	}
	dn := es[0]["dn"][0]
	return dn[strings.Index(dn, ",")+1:]
}

// TestManifestInvalid: each bad manifest exits 2 naming file:line and the
// field path, and writes nothing.
func TestManifestInvalid(t *testing.T) {
	labtest.Reset(t)
	useLab(t)
	dir := t.TempDir()
	bomb := "apiVersion: umctl/v1\na: &a [\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\",\"x\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
	contact := func(number string) string {
		return "apiVersion: umctl/v1\ncontacts:\n  - sipAddress: sip:bad@" + lab.Domain + "\n    registrarPool: pool01." + lab.Domain + "\n    ou: \"" + contactOU + "\"\n    displayNumber: \"" + number + "\"\n    dialPlan: " + lab.SipDialPlan + "\n    autoAttendant: false\n"
	}
	for _, tc := range []struct{ name, body, want string }{
		{"unknown-key", "apiVersion: umctl/v1\ngateways:\n  - name: x\n    outcall: true\n", `unknown-key.yaml:4: gateways[0].outcall: unknown key "outcall"`},
		{"wrong-type", "apiVersion: umctl/v1\ngateways:\n  - name: x\n    port: many\n", `wrong-type.yaml:4: gateways[0].port: expected a whole number`},
		{"unknown-dialplan", "apiVersion: umctl/v1\neum:\n  - user: ada.lovelace\n    addresses:\n      - {dialPlan: NoSuchDP, extension: \"1234\"}\n", `unknown-dialplan.yaml:5: eum[0].addresses[0]: `},
		{"duplicate-extension", "apiVersion: umctl/v1\neum:\n  - user: ada.lovelace\n    addresses: [{dialPlan: TelExtnDP, extension: \"39998\"}]\n  - user: chen.wei\n    addresses: [{dialPlan: TelExtnDP, extension: \"39998\"}]\n", `duplicate-extension.yaml:6: eum[1].addresses[0].extension: extension in dial plan TelExtnDP "39998" is also given at`},
		{"line-uri", contact("+4790001001"), `line-uri.yaml:3: contacts[0]: `},
		{"anchor-bomb", bomb, `anchor-bomb.yaml:2: a: YAML anchors and aliases are not accepted`},
		{"json-wrong-type", `{"apiVersion": "umctl/v1", "ucutil": {"enabled": "yes"}}`, `json-wrong-type.yaml:1: ucutil.enabled: expected true or false`},
	} {
		path := filepath.Join(dir, tc.name+".yaml")
		if err := os.WriteFile(path, []byte(tc.body), 0o600); err != nil {
			t.Fatal(err)
		}
		usn := labtest.HighestUSN(t)
		for _, cmd := range []string{"plan", "apply"} {
			code, _, errOut := umctl(t, cmd, "-f", path)
			if code != cli.ExitUsage || !strings.Contains(errOut, tc.want) {
				t.Errorf("%s %s: exit %d, stderr %q, want 2 and %q", cmd, tc.name, code, errOut, tc.want)
			}
		}
		if after := labtest.HighestUSN(t); after != usn {
			t.Errorf("%s: highestCommittedUSN %s -> %s", tc.name, usn, after)
		}
	}
	t.Setenv("UMCTL_BIND_PASSWORD", "wrong")
	if code, _, errOut := umctl(t, "plan", "-f", filepath.Join(dir, "unknown-key.yaml")); code != cli.ExitUsage {
		t.Errorf("an invalid manifest is refused before connecting: exit %d: %s", code, errOut)
	}
	good := writeManifest(t, &manifest.Manifest{APIVersion: manifest.APIVersion})
	if code, _, errOut := umctl(t, "plan", "-f", good); code != cli.ExitAuth {
		t.Errorf("plan with a wrong password: exit %d, want 4: %s", code, errOut)
	}
	big := filepath.Join(dir, "big.yaml")
	if err := os.WriteFile(big, []byte("apiVersion: umctl/v1\n#"+strings.Repeat("x", 50<<20)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if code, _, errOut := umctl(t, "apply", "-f", big); code != cli.ExitUsage || !strings.Contains(errOut, "big.yaml: larger than 4194304 bytes") {
		t.Errorf("50 MB manifest: exit %d, %s", code, errOut)
	}
}

// TestManifestPrune: apply marks what it creates; --prune deletes only marked
// objects the manifest dropped, asks for --yes when not on a terminal, and
// never touches a hand-made contact or hunt group.
func TestManifestPrune(t *testing.T) {
	labtest.Reset(t)
	useLab(t)
	if code, _, errOut := umctl(t, "ucutil"); code != 0 {
		t.Fatalf("ucutil: exit %d: %s", code, errOut)
	}
	contact := func(name, number string) manifest.Contact {
		return manifest.Contact{SIPAddress: "sip:" + name + "@" + lab.Domain, RegistrarPool: "pool01." + lab.Domain, OU: contactOU,
			DisplayNumber: number, DialPlan: lab.SipDialPlan}
	}
	m := &manifest.Manifest{APIVersion: manifest.APIVersion,
		Contacts:   []manifest.Contact{contact("prune-keep", "+4790000781"), contact("prune-drop", "+4790000782")},
		HuntGroups: []manifest.HuntGroup{{Gateway: "1:1", Name: "PruneHG", Pilot: "prunehg", DialPlan: lab.E164DialPlan}}}
	if code, _, errOut := umctl(t, "apply", "-f", writeManifest(t, m)); code != 0 {
		t.Fatalf("apply: exit %d: %s", code, errOut)
	}
	marked := func() map[string]bool {
		out := map[string]bool{}
		for _, base := range []string{lab.BaseDN, "CN=Configuration," + lab.BaseDN} {
			for _, e := range labtest.LDAPSearch(t, base, "sub", "(adminDescription=umctl-managed)", "cn", "msRTCSIP-PrimaryUserAddress") {
				if sip := e["msrtcsip-primaryuseraddress"]; len(sip) > 0 {
					out[sip[0]] = true
				} else {
					out[e["cn"][0]] = true
				}
			}
		}
		return out
	}
	if got := marked(); len(got) != 3 || !got["PruneHG"] {
		t.Fatalf("marked objects after apply: %v, want the 2 contacts and PruneHG", got)
	}
	if code, _, errOut := umctl(t, newContactArgs("sip:prune-hand@"+lab.Domain, "+4790000783")...); code != 0 {
		t.Fatalf("contact new: %s", errOut)
	}
	if code, _, errOut := umctl(t, "huntgroup", "new", "--gateway", "1:1", "--dial-plan", lab.TelExtDialPlan, "--name", "HandHG", "--pilot", "handhg"); code != 0 {
		t.Fatalf("huntgroup new: %s", errOut)
	}
	m.Contacts, m.HuntGroups = m.Contacts[:1], nil
	path := writeManifest(t, m)
	if pending, code := pendingChanges(t, path); code != 0 || len(pending) != 0 {
		t.Fatalf("plan without --prune: exit %d, %+v", code, pending)
	}
	code, out, errOut := umctl(t, "plan", "-f", path, "--prune", "-o", "json")
	var p ad.Plan
	if err := json.Unmarshal([]byte(out), &p); err != nil || code != cli.ExitPartial {
		t.Fatalf("plan --prune: exit %d, %v: %s", code, err, errOut)
	}
	var deleted []string
	for _, c := range p.Changes {
		if c.Action == ad.ActionDelete {
			deleted = append(deleted, c.DN)
		}
	}
	if len(deleted) != 2 || !strings.HasPrefix(deleted[1], "CN=PruneHG,CN=1:1,") {
		t.Fatalf("plan --prune deletes %v, want prune-drop and PruneHG", deleted)
	}
	usn := labtest.HighestUSN(t)
	if code, _, errOut := umctl(t, "apply", "-f", path, "--prune"); code != cli.ExitUsage || !strings.Contains(errOut, "--yes") || labtest.HighestUSN(t) != usn {
		t.Fatalf("apply --prune without --yes: exit %d: %s", code, errOut)
	}
	if code, _, errOut := umctl(t, "apply", "-f", path, "--prune", "--yes"); code != 0 {
		t.Fatalf("apply --prune --yes: exit %d: %s", code, errOut)
	}
	if got := marked(); len(got) != 1 || !got["sip:prune-keep@"+lab.Domain] {
		t.Errorf("marked objects after prune: %v, want prune-keep only", got)
	}
	for _, filter := range []string{"(msRTCSIP-PrimaryUserAddress=sip:prune-hand@" + lab.Domain + ")", "(&(objectClass=msExchUMHuntGroup)(cn=HandHG))", "(msRTCSIP-PrimaryUserAddress=sip:prune-keep@" + lab.Domain + ")"} {
		if n := countBoth(t, filter); n != 1 {
			t.Errorf("%s: %d entries after prune, want 1", filter, n)
		}
	}
	for _, filter := range []string{"(msRTCSIP-PrimaryUserAddress=sip:prune-drop@" + lab.Domain + ")", "(&(objectClass=msExchUMHuntGroup)(cn=PruneHG))"} {
		if countBoth(t, filter) != 0 {
			t.Errorf("%s: still there after prune", filter)
		}
	}
}

// countBoth counts the entries a filter finds in the domain and configuration naming contexts.
func countBoth(t *testing.T, filter string) int {
	return len(labtest.LDAPSearch(t, lab.BaseDN, "sub", filter, "cn")) + len(labtest.LDAPSearch(t, "CN=Configuration,"+lab.BaseDN, "sub", filter, "cn"))
}

// TestSchemaCommand: umctl schema prints the committed schemas/manifest.json.
func TestSchemaCommand(t *testing.T) {
	code, out, _ := umctl(t, "schema")
	committed, err := os.ReadFile("../../schemas/manifest.json")
	if err != nil || code != 0 || out != string(committed) {
		t.Fatalf("umctl schema: exit %d, %d bytes; schemas/manifest.json: %d bytes, %v", code, len(out), len(committed), err)
	}
}

// TestExportSectionTypo: an unknown --section is a usage error under its flag
// name (it was shown as "----section"), before umctl connects.
func TestExportSectionTypo(t *testing.T) {
	isolate(t)
	code, out, errOut := umctl(t, "export", "--section", "gateway")
	if code != cli.ExitUsage || out != "" || !strings.Contains(errOut, `umctl: invalid input: --section "gateway": expected one of ucutil, gateways, huntGroups, contacts, eum`) {
		t.Errorf("export --section gateway: exit %d, stdout %q, stderr %q", code, out, errOut)
	}
}
