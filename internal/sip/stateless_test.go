package sip

import (
	"fmt"
	"net"
	"regexp"
	"strings"
	"testing"
	"time"
)

// A BYE over UDP is forwarded without a transaction: the relay's Via on top
// (a branch derived from the caller's, so a retransmission carries the same
// one), received/rport marked on the caller's Via, Max-Forwards decremented;
// each copy of the BYE goes on, and UM's 200 goes back to the address the
// caller's Via names, with only the caller's Via left.
func TestStatelessBye(t *testing.T) {
	relayPort, umPort := freePort(t, "udp"), freePort(t, "udp")
	cfg := baseConfig(relayPort, umPort)
	cfg.Presence.Source = "never-hold"
	startRelay(t, cfg)
	um := udpPeer(t, umPort)
	caller := udpPeer(t, 0)
	relay := &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: relayPort}
	callerPort := caller.LocalAddr().(*net.UDPAddr).Port

	// The caller claims a sent-by it is not sending from, and asks for rport.
	bye := fmt.Sprintf("BYE sip:um@127.0.0.1:%d SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 192.0.2.7:5099;branch=z9hG4bK-caller-1;rport\r\n"+
		"From: <sip:+4722334455@192.0.2.7>;tag=a\r\nTo: <sip:um@127.0.0.1>;tag=b\r\n"+
		"Call-ID: stateless-bye-1\r\nCSeq: 2 BYE\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n", umPort)
	var branches []string
	for range 2 { // the second is a retransmission
		if _, err := caller.WriteTo([]byte(bye), relay); err != nil {
			t.Fatal(err)
		}
		got := readMsg(t, um)
		vias := regexp.MustCompile(`(?m)^Via: (.*)\r$`).FindAllStringSubmatch(got, -1)
		if len(vias) != 2 || !strings.Contains(got, "\r\nMax-Forwards: 69\r\n") {
			t.Fatalf("UM got:\n%s", got)
		}
		if !strings.HasPrefix(vias[0][1], fmt.Sprintf("SIP/2.0/UDP 127.0.0.1:%d;branch=%s", relayPort, statelessBranch)) {
			t.Fatalf("top Via %q is not the relay's stateless Via", vias[0][1])
		}
		if want := fmt.Sprintf("rport=%d;received=127.0.0.1", callerPort); !strings.Contains(vias[1][1], want) {
			t.Fatalf("caller's Via %q lacks %s", vias[1][1], want)
		}
		branches = append(branches, vias[0][1])
	}
	if branches[0] != branches[1] {
		t.Fatalf("a retransmission got another branch: %q, %q", branches[0], branches[1])
	}

	// UM answers to the relay, echoing the Vias as a UAS does.
	last := branches[1]
	res := fmt.Sprintf("SIP/2.0 200 OK\r\nVia: %s\r\nVia: SIP/2.0/UDP 192.0.2.7:5099;branch=z9hG4bK-caller-1;rport=%d;received=127.0.0.1\r\n"+
		"From: <sip:+4722334455@192.0.2.7>;tag=a\r\nTo: <sip:um@127.0.0.1>;tag=b\r\nCall-ID: stateless-bye-1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n", last, callerPort)
	if _, err := um.WriteTo([]byte(res), relay); err != nil {
		t.Fatal(err)
	}
	got := readMsg(t, caller)
	if !strings.HasPrefix(got, "SIP/2.0 200 OK\r\n") || strings.Count(got, "\r\nVia: ") != 1 || !strings.Contains(got, "branch=z9hG4bK-caller-1") {
		t.Fatalf("the caller got:\n%s", got)
	}
}

func udpPeer(t *testing.T, port int) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket("udp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { pc.Close() })
	return pc
}

func readMsg(t *testing.T, pc net.PacketConn) string {
	t.Helper()
	buf := make([]byte, 65535)
	_ = pc.SetReadDeadline(time.Now().Add(3 * time.Second))
	n, _, err := pc.ReadFrom(buf)
	if err != nil {
		t.Fatalf("nothing arrived at %s: %v", pc.LocalAddr(), err)
	}
	return string(buf[:n])
}
