package lab

import (
	"fmt"
	"strings"
)

// Seed facts that tests and the README rely on.
const (
	OrgName        = "UmLab"
	SipDialPlan    = "SipDP"     // SIP URI, 4-digit extensions
	E164DialPlan   = "E164DP"    // E.164
	TelExtDialPlan = "TelExtnDP" // telephone extension, 5 digits
	SipAccess      = "+4790000100"
	SipAutoAtt     = "+4790000200"
	E164Access     = "+4721000100"
	TelExtAccess   = "+4722000100"
	SeedUsers      = 36
	ContactOU      = "OU=ExUmContacts"
	UserOU         = "OU=UM Users"
)

// Pools in the seed: FQDN → (CN, container, version, branch).
var SeedPools = []struct {
	CN, FQDN string
	Version  int
	Legacy   bool // OCS 2007: under CN=System of the root domain
	Branch   bool
}{
	{"1:1", "pool01", 0x60000, false, false},         // Lync Server 2013 front end
	{"1:2", "pool02", 0x70000, false, false},         // Skype for Business 2015 front end
	{"2:1", "sba01", 0x50000, false, true},           // Lync 2010 Survivable Branch Appliance
	{"ocspool01", "ocspool01", 0x30000, true, false}, // OCS 2007, legacy location
}

var firstNames = []string{"Ada", "Bjorn", "Chen", "Dagny", "Emeka", "Freya", "Goran", "Hana", "Ivar", "Jonas", "Kari", "Lars",
	"Maja", "Nils", "Olga", "Per", "Quinn", "Rania", "Sven", "Tove", "Ulf", "Vera", "Wenche", "Xavier", "Yusuf", "Zara",
	"Aksel", "Brit", "Cato", "Dina", "Eirik", "Frida", "Geir", "Hedda", "Ingrid", "Jarle"}
var lastNames = []string{"Lovelace", "Berg", "Wei", "Hansen", "Okafor", "Lund", "Petrov", "Sato", "Dahl", "Eriksen", "Nordmann", "Holm",
	"Strand", "Bakke", "Ivanova", "Moen", "Fox", "Haddad", "Lie", "Vik", "Solberg", "Aas", "Brekke", "Dupont", "Demir", "Khan",
	"Foss", "Haug", "Lien", "Ali", "Rud", "Sand", "Tangen", "Myhre", "Kvam", "Nes"}

// SeedUser describes seeded user i (1-based), so tests know what the seed holds.
type SeedUser struct {
	CN, Sam, SIP, Line, Phone string
	EUM                       []string // proxyAddresses EUM values
}

// User returns seeded user i (1 ≤ i ≤ SeedUsers) for a forest DNS name.
//
//	 1–20  SIP dial plan SipDP: EUM:<sip name> (primary) + eum:<4-digit ext>
//	21–28  TelExtnDP: EUM:<5-digit ext>
//	29–31  E164DP: EUM:<E.164>
//	32     not UM-enabled
//	33–36  seeded defects for `umctl eum check`: 33 duplicates user 21's extension,
//	       34 has a 3-digit extension on the 5-digit plan, 35 has no primary EUM,
//	       36 points at a phone context no dial plan has.
func User(i int, domain string) SeedUser {
	given, sn := firstNames[i-1], lastNames[i-1]
	sam := strings.ToLower(given + "." + sn)
	ext := 1000 + i
	u := SeedUser{CN: given + " " + sn, Sam: sam, SIP: "sip:" + sam + "@" + domain,
		Phone: fmt.Sprintf("+47900%05d", ext), Line: fmt.Sprintf("tel:+47900%05d;ext=%d", ext, ext)}
	pc := func(dp string) string { return ";phone-context=" + dp + "." + domain }
	switch {
	case i <= 20:
		u.EUM = []string{"EUM:" + sam + "@" + domain + pc(SipDialPlan), fmt.Sprintf("eum:%d", ext) + pc(SipDialPlan)}
	case i <= 28:
		u.EUM = []string{fmt.Sprintf("EUM:%d", 30000+i) + pc(TelExtDialPlan)}
	case i <= 31:
		u.EUM = []string{fmt.Sprintf("EUM:+47210%05d", i) + pc(E164DialPlan)}
	case i == 33:
		u.EUM = []string{"EUM:30021" + pc(TelExtDialPlan)}
	case i == 34:
		u.EUM = []string{"EUM:301" + pc(TelExtDialPlan)}
	case i == 35:
		u.EUM = []string{"eum:30035" + pc(TelExtDialPlan)}
	case i == 36:
		u.EUM = []string{"EUM:30036" + pc("Retired")}
	}
	return u
}

// ldifBuilder writes LDIF add records.
type ldifBuilder struct{ strings.Builder }

func (b *ldifBuilder) add(dn string, attrs ...string) {
	fmt.Fprintf(b, "dn: %s\nchangetype: add\n", dn)
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] != "" {
			fmt.Fprintf(b, "%s: %s\n", attrs[i], attrs[i+1])
		}
	}
	b.WriteString("\n")
}

const exchVersion = "44220983382016" // Exchange2010, the version UM objects carry

// SeedLDIF returns the seed forest for a base DN and its DNS name.
func SeedLDIF(base, domain string) string {
	var b ldifBuilder
	config := "CN=Configuration," + base
	exch := "CN=Microsoft Exchange,CN=Services," + config
	org := "CN=" + OrgName + "," + exch
	b.add(exch, "objectClass", "msExchConfigurationContainer", "cn", "Microsoft Exchange")
	b.add(org, "objectClass", "msExchOrganizationContainer", "cn", OrgName, "msExchVersion", exchVersion)
	for _, c := range []string{"UM DialPlan Container", "UM IPGateway Container", "UM AutoAttendant Container", "UM Mailbox Policies", "Administrative Groups"} {
		b.add("CN="+c+","+org, "objectClass", "msExchContainer", "cn", c)
	}
	ag := "CN=Exchange Administrative Group (FYDIBOHF23SPDLT),CN=Administrative Groups," + org
	b.add(ag, "objectClass", "msExchAdminGroupContainer", "cn", "Exchange Administrative Group (FYDIBOHF23SPDLT)")
	b.add("CN=Servers,"+ag, "objectClass", "msExchContainer", "cn", "Servers")

	dp := func(name string) string { return "CN=" + name + ",CN=UM DialPlan Container," + org }
	type plan struct {
		name, uri, digits, access string
	}
	for _, p := range []plan{{SipDialPlan, "3", "4", SipAccess}, {E164DialPlan, "2", "7", E164Access}, {TelExtDialPlan, "1", "5", TelExtAccess}} {
		b.add(dp(p.name), "objectClass", "msExchUMDialPlan", "cn", p.name, "msExchUMDialPlanURIType", p.uri,
			"msExchUMNumberingPlanDigits", p.digits, "msExchUMPhoneContext", p.name+"."+domain,
			"msExchUMVoiceMailPilotNumbers", p.access, "msExchUMDialPlanSubscriberType", "0",
			"msExchUMDialPlanVoipSecurity", map[string]string{"3": "3", "2": "2", "1": "2"}[p.uri], "msExchVersion", exchVersion)
		b.add("CN="+p.name+" Default Policy,CN=UM Mailbox Policies,"+org, "objectClass", "msExchUMRecipientTemplate",
			"cn", p.name+" Default Policy", "msExchUMMailboxPolicyDialPlanLink", dp(p.name), "msExchVersion", exchVersion)
	}
	b.add("CN=SipDP Main Menu,CN=UM AutoAttendant Container,"+org, "objectClass", "msExchUMAutoAttendant", "cn", "SipDP Main Menu",
		"msExchUMAutoAttendantDialPlanLink", dp(SipDialPlan), "msExchUMAutoAttendantDialedNumbers", SipAutoAtt,
		"msExchUMAutoAttendantFlags", "3", "msExchVersion", exchVersion)
	for i, srv := range []string{"EX1", "EX2"} {
		dn := "CN=" + srv + ",CN=Servers," + ag
		fmt.Fprintf(&b, "dn: %s\nchangetype: add\nobjectClass: msExchExchangeServer\ncn: %s\ndNSHostName: %s.%s\nserialNumber: Version 15.1 (Build 2507.6)\nversionNumber: 1942061725\nmsExchVersion: %s\n",
			dn, srv, strings.ToLower(srv), domain, exchVersion)
		fmt.Fprintf(&b, "msExchUMServerDialPlanLink: %s\n", dp(SipDialPlan))
		if i == 0 {
			fmt.Fprintf(&b, "msExchUMServerDialPlanLink: %s\nmsExchUMServerDialPlanLink: %s\n", dp(E164DialPlan), dp(TelExtDialPlan))
		}
		b.WriteString("\n")
	}

	// Lync / OCS
	rtc := "CN=RTC Service,CN=Services," + config
	b.add(rtc, "objectClass", "container", "cn", "RTC Service")
	b.add("CN=Pools,"+rtc, "objectClass", "msRTCSIP-Pools", "cn", "Pools")
	legacy := "CN=RTC Service,CN=Microsoft,CN=System," + base
	b.add("CN=Microsoft,CN=System,"+base, "objectClass", "container", "cn", "Microsoft")
	b.add(legacy, "objectClass", "container", "cn", "RTC Service")
	b.add("CN=Pools,"+legacy, "objectClass", "msRTCSIP-Pools", "cn", "Pools")
	for _, p := range SeedPools {
		parent := "CN=Pools," + rtc
		if p.Legacy {
			parent = "CN=Pools," + legacy
		}
		dn := "CN=" + p.CN + "," + parent
		data := ""
		if p.Branch {
			data = "ExtendedType=RemoteRegistrar"
		}
		b.add(dn, "objectClass", "msRTCSIP-Pool", "cn", p.CN, "dNSHostName", p.FQDN+"."+domain,
			"msRTCSIP-PoolVersion", fmt.Sprint(p.Version), "msRTCSIP-PoolData", data, "msRTCSIP-PoolType", "1")
		b.add("CN=Microsoft,"+dn, "objectClass", "container", "cn", "Microsoft")
		b.add("CN=Lc Services,CN=Microsoft,"+dn, "objectClass", "container", "cn", "Lc Services")
	}

	// Domain partition
	for _, g := range []string{"RTCUniversalServerAdmins", "RTCComponentUniversalServices", "RTCUniversalUserAdmins"} {
		b.add("CN="+g+",CN=Users,"+base, "objectClass", "group", "cn", g, "sAMAccountName", g, "groupType", "-2147483640")
	}
	b.add(ContactOU+","+base, "objectClass", "organizationalUnit", "ou", "ExUmContacts")
	b.add(UserOU+","+base, "objectClass", "organizationalUnit", "ou", "UM Users")
	b.add("OU=umctl-test,"+base, "objectClass", "organizationalUnit", "ou", "umctl-test")
	home := "CN=Lc Services,CN=Microsoft,CN=1:1,CN=Pools," + rtc
	for i := 1; i <= SeedUsers; i++ {
		u := User(i, domain)
		first, last, _ := strings.Cut(u.CN, " ")
		fmt.Fprintf(&b, "dn: CN=%s,%s,%s\nchangetype: add\nobjectClass: user\ncn: %s\nsAMAccountName: %s\nuserPrincipalName: %s@%s\n",
			u.CN, UserOU, base, u.CN, truncate(u.Sam, 20), u.Sam, domain)
		fmt.Fprintf(&b, "givenName: %s\nsn: %s\ndisplayName: %s\nmail: %s@%s\ntelephoneNumber: %s\n", first, last, u.CN, u.Sam, domain, u.Phone)
		fmt.Fprintf(&b, "msRTCSIP-PrimaryUserAddress: %s\nmsRTCSIP-Line: %s\nmsRTCSIP-UserEnabled: TRUE\nmsRTCSIP-OptionFlags: 385\nmsRTCSIP-PrimaryHomeServer: %s\n", u.SIP, u.Line, home)
		fmt.Fprintf(&b, "proxyAddresses: SMTP:%s@%s\nproxyAddresses: %s\n", u.Sam, domain, u.SIP)
		for _, e := range u.EUM {
			fmt.Fprintf(&b, "proxyAddresses: %s\n", e)
		}
		if len(u.EUM) > 0 {
			fmt.Fprintf(&b, "msExchUMEnabledFlags: 831\n")
		}
		b.WriteString("\n")
	}
	return b.String()
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n]
	}
	return s
}
