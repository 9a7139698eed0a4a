package main

import (
	"encoding/json"
	"sort"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/lab"
	"github.com/umctl/umctl/internal/labtest"
)

var (
	org       = "CN=" + lab.OrgName + ",CN=Microsoft Exchange,CN=Services,CN=Configuration," + lab.BaseDN
	gwBase    = "CN=UM IPGateway Container," + org
	dpBase    = "CN=UM DialPlan Container," + org
	aaBase    = "CN=UM AutoAttendant Container," + org
	sipDialDN = "CN=SipDP," + dpBase
)

// resetLab gives a test the seeded lab and points umctl at it.
func resetLab(t *testing.T) {
	t.Helper()
	labtest.Reset(t)
	useLab(t)
}

// resetLabWithGateways is resetLab, then ucutil: the pools' gateways and hunt groups.
func resetLabWithGateways(t *testing.T) {
	t.Helper()
	resetLab(t)
	if code, _, errOut := umctl(t, "ucutil"); code != 0 {
		t.Fatalf("ucutil: exit %d: %s", code, errOut)
	}
}

func gatewaysInDirectory(t *testing.T) map[string]map[string][]string {
	out := map[string]map[string][]string{}
	for _, e := range labtest.LDAPSearch(t, gwBase, "one", "(objectClass=msExchUMIPGateway)") {
		out[e["cn"][0]] = e
	}
	return out
}

func huntGroupsInDirectory(t *testing.T) []string {
	var out []string
	for _, e := range labtest.LDAPSearch(t, gwBase, "sub", "(objectClass=msExchUMHuntGroup)", "msExchUMPilotIdentifier", "msExchUMHuntGroupDialPlanLink") {
		out = append(out, strings.ToLower(e["dn"][0])+" pilot="+e["msexchumpilotidentifier"][0]+" link="+strings.ToLower(e["msexchumhuntgroupdialplanlink"][0]))
	}
	sort.Strings(out)
	return out
}

func rtcSIDs(t *testing.T) []string {
	var sids []string
	for _, g := range ad.RTCGroups {
		es := labtest.LDAPSearch(t, lab.BaseDN, "sub", "(sAMAccountName="+g+")", "objectSid")
		sids = append(sids, ad.SID(es[0]["objectsid"][0]).String())
	}
	return sids
}

func TestUCUtil(t *testing.T) {
	resetLab(t)
	usn := labtest.HighestUSN(t)

	code, out, errOut := umctl(t, "ucutil", "--dry-run")
	if code != 0 || !strings.Contains(out, "Plan: 8 to add, 3 to change, 0 to delete, 0 unchanged. (dry run: nothing written)") {
		t.Fatalf("dry run: exit %d\n%s\n%s", code, out, errOut)
	}
	if code, _, _ = umctl(t, "ucutil", "--verify"); code != cli.ExitPartial {
		t.Fatalf("--verify with pending changes: exit %d, want 3", code)
	}
	if _, ldifOut, _ := umctl(t, "ucutil", "--dry-run", "-o", "ldif"); !strings.Contains(ldifOut, "changetype: add") || !strings.Contains(ldifOut, "# nTSecurityDescriptor: add these ACEs") {
		t.Fatalf("-o ldif:\n%s", ldifOut)
	}
	if after := labtest.HighestUSN(t); after != usn {
		t.Fatalf("--dry-run/--verify wrote: highestCommittedUSN %s -> %s", usn, after)
	}

	code, out, errOut = umctl(t, "ucutil", "-o", "json")
	if code != 0 {
		t.Fatalf("apply: exit %d\n%s", code, errOut)
	}
	var res ad.UCUtilResult
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	for _, c := range res.Plan.Changes {
		if c.Status != "done" {
			t.Fatalf("change %+v not done", c)
		}
	}
	if !strings.Contains(errOut, "restart the Lync/Skype for Business Front End service") {
		t.Errorf("no Front End restart reminder: %s", errOut)
	}

	// Independent read: gateways.
	gws := gatewaysInDirectory(t)
	want := map[string]struct{ addr, flags2, outcalls string }{
		"1:1": {"pool01.lab.umctl.test", "-1", "TRUE"}, "1:2": {"pool02.lab.umctl.test", "-1", "TRUE"},
		"2:1": {"sba01.lab.umctl.test", "-2", "FALSE"}, "ocspool01": {"ocspool01.lab.umctl.test", "-2", "TRUE"},
	}
	if len(gws) != len(want) {
		t.Fatalf("%d gateways in the directory, want %d", len(gws), len(want))
	}
	for name, w := range want {
		g := gws[name]
		if g == nil || g["msexchumipgatewayaddress"][0] != w.addr || g["msexchumipgatewayflags2"][0] != w.flags2 ||
			g["msexchumoutcallsallowed"][0] != w.outcalls || g["msexchversion"][0] != ad.ExchangeVersion {
			t.Errorf("gateway %s: %v, want %+v", name, g, w)
		}
	}
	// Hunt groups: one per SIP dial plan (only SipDP) under each gateway.
	hgs := huntGroupsInDirectory(t)
	if len(hgs) != 4 {
		t.Fatalf("hunt groups: %v", hgs)
	}
	for _, h := range hgs {
		if !strings.HasPrefix(h, "cn=sipdp,cn=") || !strings.Contains(h, " pilot=SipDP ") || !strings.HasSuffix(h, "link="+strings.ToLower(sipDialDN)) {
			t.Errorf("hunt group %s", h)
		}
	}
	// ACEs, as samba-tool prints them.
	sids := rtcSIDs(t)
	for dn, ace := range map[string]string{org: "(A;;LC;;;%s)", dpBase: "(A;CI;RPLC;;;%s)", aaBase: "(A;CI;RPLC;;;%s)"} {
		sddl := labtest.DSACL(t, dn)
		for _, sid := range sids {
			if !strings.Contains(sddl, strings.Replace(ace, "%s", sid, 1)) {
				t.Errorf("%s lacks %s for %s: %s", dn, ace, sid, sddl)
			}
		}
		if strings.Contains(sddl, "ID;") && strings.Index(sddl, sids[0]) > strings.Index(sddl, "ID;") {
			t.Errorf("%s: explicit ACE after inherited ones: %s", dn, sddl)
		}
	}

	// Second run: nothing to do, nothing written.
	usn = labtest.HighestUSN(t)
	code, out, _ = umctl(t, "ucutil")
	if code != 0 || !strings.Contains(out, "No changes: 11 unchanged.") {
		t.Fatalf("second run: exit %d\n%s", code, out)
	}
	if code, _, _ = umctl(t, "ucutil", "--verify"); code != 0 {
		t.Fatalf("--verify after apply: exit %d", code)
	}
	if after := labtest.HighestUSN(t); after != usn {
		t.Fatalf("second run wrote: highestCommittedUSN %s -> %s", usn, after)
	}

	// permission list agrees.
	_, out, _ = umctl(t, "permission", "list", "-o", "json")
	var perms []ad.Permission
	if err := json.Unmarshal([]byte(out), &perms); err != nil || len(perms) != 6 {
		t.Fatalf("permission list: %v %s", err, out)
	}
	for _, p := range perms {
		if !p.Present {
			t.Errorf("permission %+v not present", p)
		}
	}
}

// An existing gateway (other name, address in another case, MWI off) is adopted,
// its wrong hunt group fixed, and a hunt group umctl did not create is kept.
func TestUCUtilAdoptsExistingAndNeverDeletes(t *testing.T) {
	resetLab(t)
	labtest.Apply(t, `dn: CN=Lync Pool 1,`+gwBase+`
changetype: add
objectClass: msExchUMIPGateway
msExchUMIPGatewayAddress: POOL01.Lab.Umctl.Test
msExchUMIPGatewayFlags2: 0
msExchUMOutcallsAllowed: TRUE

dn: CN=SipDP,CN=Lync Pool 1,`+gwBase+`
changetype: add
objectClass: msExchUMHuntGroup
msExchUMPilotIdentifier: Wrong
msExchUMHuntGroupDialPlanLink: `+sipDialDN+`

dn: CN=Legacy,CN=Lync Pool 1,`+gwBase+`
changetype: add
objectClass: msExchUMHuntGroup
msExchUMPilotIdentifier: Legacy
msExchUMHuntGroupDialPlanLink: CN=TelExtnDP,`+dpBase+`
`)
	if code, _, errOut := umctl(t, "ucutil"); code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	gws := gatewaysInDirectory(t)
	if len(gws) != 4 || gws["1:1"] != nil || gws["Lync Pool 1"]["msexchumipgatewayflags2"][0] != "1" {
		t.Fatalf("gateways: %v", gws)
	}
	hgs := strings.Join(huntGroupsInDirectory(t), "\n")
	if !strings.Contains(hgs, "cn=legacy,cn=lync pool 1,") || !strings.Contains(hgs, "cn=sipdp,cn=lync pool 1,"+strings.ToLower(gwBase)+" pilot=SipDP ") {
		t.Fatalf("hunt groups:\n%s", hgs)
	}
	usn := labtest.HighestUSN(t)
	if code, out, _ := umctl(t, "ucutil"); code != 0 || !strings.Contains(out, "No changes") || labtest.HighestUSN(t) != usn {
		t.Fatalf("re-run did not converge: %s", out)
	}
}

func TestUCUtilOutcallsGateway(t *testing.T) {
	resetLab(t)
	usn := labtest.HighestUSN(t)
	// A flag value the directory refutes is invalid input (exit 2), as an unknown dial plan is.
	if code, _, errOut := umctl(t, "ucutil", "--outcalls-gateway", "nope"); code != cli.ExitUsage || !strings.Contains(errOut, `--outcalls-gateway "nope": no such gateway`) {
		t.Fatalf("unknown gateway: exit %d %s", code, errOut)
	}
	if labtest.HighestUSN(t) != usn {
		t.Fatal("an unknown --outcalls-gateway wrote something")
	}
	if code, _, errOut := umctl(t, "ucutil", "--outcalls-gateway", "1:2"); code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	for name, g := range gatewaysInDirectory(t) {
		if want := map[bool]string{true: "TRUE", false: "FALSE"}[name == "1:2"]; g["msexchumoutcallsallowed"][0] != want {
			t.Errorf("gateway %s outcalls %s, want %s", name, g["msexchumoutcallsallowed"][0], want)
		}
	}
}

func TestUCUtilMissingGroupWritesNothing(t *testing.T) {
	resetLab(t)
	labtest.Apply(t, "dn: CN=RTCComponentUniversalServices,CN=Users,"+lab.BaseDN+"\nchangetype: delete\n")
	usn := labtest.HighestUSN(t)
	code, out, errOut := umctl(t, "ucutil")
	if code != cli.ExitFailure || out != "" || !strings.Contains(errOut, "group RTCComponentUniversalServices does not exist") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	if labtest.HighestUSN(t) != usn {
		t.Fatal("a failed ucutil wrote something")
	}
}

// An organization without the AutoAttendant container gets it, as Exchange would create it.
func TestUCUtilCreatesMissingContainer(t *testing.T) {
	resetLab(t)
	labtest.Apply(t, "dn: CN=SipDP Main Menu,"+aaBase+"\nchangetype: delete\n\ndn: "+aaBase+"\nchangetype: delete\n")
	if code, _, errOut := umctl(t, "ucutil"); code != 0 {
		t.Fatalf("exit %d %s", code, errOut)
	}
	es := labtest.LDAPSearch(t, aaBase, "base", "(objectClass=msExchContainer)", "msExchVersion")
	if len(es) != 1 || es[0]["msexchversion"][0] != ad.ExchangeVersion {
		t.Fatalf("container: %v", es)
	}
	if sddl := labtest.DSACL(t, aaBase); !strings.Contains(sddl, "(A;CI;RPLC;;;"+rtcSIDs(t)[0]+")") {
		t.Fatalf("no ACE on the new container: %s", sddl)
	}
}

func TestGatewayAndHuntGroupCommands(t *testing.T) {
	resetLab(t)
	if code, _, errOut := umctl(t, "ucutil"); code != 0 {
		t.Fatal(errOut)
	}
	code, _, errOut := umctl(t, "gateway", "set", "1:1", "--mwi", "false", "--ip-family", "any", "--status", "disabled", "--port", "5061")
	if code != 0 {
		t.Fatalf("gateway set: %d %s", code, errOut)
	}
	g := gatewaysInDirectory(t)["1:1"]
	if g["msexchumipgatewayflags2"][0] != "-2" || g["msexchumipgatewayflags"][0] != "4" || g["msexchumipgatewaystatus"][0] != "1" || g["msexchumipgatewayport"][0] != "5061" {
		t.Fatalf("after set: %v", g)
	}
	_, out, _ := umctl(t, "gateway", "get", "pool01.lab.umctl.test", "-o", "json")
	var gw ad.Gateway
	if err := json.Unmarshal([]byte(out), &gw); err != nil || gw.MWI || gw.IPFamily != "any" || gw.Status != "disabled" || len(gw.HuntGroups) != 1 {
		t.Fatalf("gateway get: %+v %v", gw, err)
	}
	usn := labtest.HighestUSN(t)
	if code, out, _ := umctl(t, "gateway", "set", "1:1", "--mwi", "false"); code != 0 || !strings.Contains(out, "No changes") || labtest.HighestUSN(t) != usn {
		t.Fatalf("unchanged set wrote: %s", out)
	}
	for _, bad := range [][]string{{"--port", "70000"}, {"--status", "sleeping"}, {"--mwi", "maybe"}, {"--ip-family", "ipx"}, {}} {
		if code, _, _ := umctl(t, append([]string{"gateway", "set", "1:1"}, bad...)...); code == 0 {
			t.Errorf("gateway set %v accepted", bad)
		}
	}
	if labtest.HighestUSN(t) != usn {
		t.Fatal("refused input wrote something")
	}

	if code, _, errOut := umctl(t, "huntgroup", "new", "--gateway", "1:1", "--dial-plan", "E164DP"); code != 0 {
		t.Fatalf("huntgroup new: %s", errOut)
	}
	if hgs := strings.Join(huntGroupsInDirectory(t), "\n"); !strings.Contains(hgs, "cn=e164dp,cn=1:1,") || !strings.Contains(hgs, "pilot=E164DP link=cn=e164dp,") {
		t.Fatalf("hunt groups:\n%s", hgs)
	}
	if code, out, _ := umctl(t, "huntgroup", "new", "--gateway", "1:1", "--dial-plan", "E164DP"); code != 0 || !strings.Contains(out, "No changes") {
		t.Fatalf("second huntgroup new: %s", out)
	}
	if code, _, errOut := umctl(t, "huntgroup", "remove", "SipDP"); code != cli.ExitUsage || !strings.Contains(errOut, "--gateway") {
		t.Fatalf("ambiguous remove: %d %s", code, errOut)
	}
	if code, _, errOut := umctl(t, "huntgroup", "remove", "E164DP"); code != cli.ExitUsage || !strings.Contains(errOut, "--yes is required") {
		t.Fatalf("remove without --yes: %d %s", code, errOut)
	}
	if code, _, errOut := umctl(t, "huntgroup", "remove", "E164DP", "--yes"); code != 0 {
		t.Fatalf("remove: %s", errOut)
	}
	if code, _, errOut := umctl(t, "gateway", "remove", "2:1", "--yes"); code != 0 {
		t.Fatalf("gateway remove: %s", errOut)
	}
	if gws := gatewaysInDirectory(t); gws["2:1"] != nil || len(gws) != 3 || len(huntGroupsInDirectory(t)) != 3 {
		t.Fatalf("after removes: %d gateways, %v", len(gws), huntGroupsInDirectory(t))
	}
	removedTwice(t, []string{"huntgroup", "remove", "E164DP", "--yes"}, `no hunt group "E164DP"`)
	removedTwice(t, []string{"gateway", "remove", "2:1", "--yes"}, `no UM IP gateway named "2:1"`)
}
