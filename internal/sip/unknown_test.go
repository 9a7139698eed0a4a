package sip

import (
	"fmt"
	"strings"
	"testing"

	"github.com/umctl/umctl/internal/kamailiotest"
	"github.com/umctl/umctl/internal/sipptest"
)

// DID sharing behind a real gateway (Kamailio): with unknown_numbers: reject,
// a number nobody on the Lync side has gets 404 with a Warning, and the
// gateway routes the call on to the other PBX (UM sees nothing); a mapped
// number still reaches UM, and the other PBX sees nothing.
func TestUnknownNumberRejectedGatewayRoutesOn(t *testing.T) {
	sipptest.Need(t)
	kamailiotest.Need(t)
	for _, tc := range []struct {
		name, mapped string
		toPBX        bool
	}{
		{"unassigned number", "+4790000002", true},
		{"a user's number", "+4790000001", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			gwPort, relayPort, umPort, pbxPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
			cfg := baseConfig(relayPort, umPort)
			cfg.Presence.Source, cfg.UnknownNumbers = "never-hold", "reject"
			cfg.Numbers = map[string]string{tc.mapped: "sip:alice@contoso.com"}
			r, _ := startRelay(t, cfg)
			gw := kamailiotest.Start(t, kamailiotest.Config("internal/kamailiotest/gateway.cfg"), fmt.Sprintf("127.0.0.1:%d", gwPort),
				fmt.Sprintf("LISTEN=udp:127.0.0.1:%d", gwPort), fmt.Sprintf(`RELAY="sip:127.0.0.1:%d"`, relayPort), fmt.Sprintf(`PBX="sip:127.0.0.1:%d"`, pbxPort))
			// Go peers, not sipp: sipp's UAS answers the in-dialog BYE to the address the
			// call came from (the relay), not to its Via (the gateway).
			um, pbx := sipptest.ListenPeer(t, umPort, true).Received, sipptest.ListenPeer(t, pbxPort, true).Received
			sipptest.Call(t, gwPort, sipptest.Scenario("uac_call.xml")).Wait(t, "caller (through the gateway)")
			answered, idle := um(), pbx()
			if tc.toPBX {
				answered, idle = idle, answered
			}
			if len(idle) != 0 || len(answered) == 0 || !strings.HasPrefix(answered[0], "INVITE ") ||
				!strings.Contains(answered[0], "History-Info: <sip:+4790000001@lab.umctl.test;user=phone>;index=1") {
				t.Fatalf("the side that should answer got %d messages (first: %.300q), the other %d", len(answered), first(answered), len(idle))
			}
			want := map[bool]string{true: OutcomeUnknownNumber, false: OutcomeAnswered}[tc.toPBX]
			if r.Metrics.Calls(want) != 1 {
				t.Fatalf("no call with outcome %s", want)
			}
			if tc.toPBX && !strings.Contains(gw.Log(), `Lync says 404 (Not Found; Warning: 399 127.0.0.1 "Unassigned number +4790000001: in neither numbers: nor the directory"), on to the other PBX`) {
				t.Fatalf("the gateway did not see the 404:\n%s", gw.Log())
			}
		})
	}
}

// The 404 carries a Warning naming the number.
func TestUnknownNumberWarning(t *testing.T) {
	relayPort := sipptest.FreePort(t, "udp")
	cfg := baseConfig(relayPort, sipptest.FreePort(t, "udp"))
	cfg.UnknownNumbers, cfg.Numbers = "reject", map[string]string{"+4790000002": "sip:bob@contoso.com"}
	startRelay(t, cfg)
	c := exchangeFull(t, fmt.Sprintf("127.0.0.1:%d", relayPort),
		"INVITE sip:+4790000009@{relay} SIP/2.0\r\nVia: SIP/2.0/UDP {caller};branch=z9hG4bK-u\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\nTo: <sip:+4790000009@x>\r\nCall-ID: unknown\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
	if !strings.HasPrefix(c, "SIP/2.0 404 Not Found\r\n") || !strings.Contains(c, "\r\nWarning: 399 127.0.0.1 \"Unassigned number +4790000009: in neither numbers: nor the directory\"\r\n") {
		t.Fatalf("response:\n%s", c)
	}
}

func first(msgs []string) string {
	if len(msgs) == 0 {
		return ""
	}
	return msgs[0]
}
