package sipptest

import (
	"net"
	"os"
	"testing"
)

// portBound sees a UDP socket and a TCP listener from the kernel's table, and
// no longer once they are closed.
func TestPortBound(t *testing.T) {
	if _, err := os.Stat("/proc/net/udp"); err != nil {
		t.Skip("no /proc/net here: Listening pauses instead")
	}
	u, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	udp, tcp := u.LocalAddr().(*net.UDPAddr).Port, l.Addr().(*net.TCPAddr).Port
	for _, c := range []struct {
		network string
		port    int
	}{{"udp", udp}, {"tcp", tcp}} {
		if ok, err := portBound(c.network, c.port); !ok || err != nil {
			t.Errorf("%s %d bound: %v, %v", c.network, c.port, ok, err)
		}
	}
	_ = u.Close()
	_ = l.Close()
	for _, c := range []struct {
		network string
		port    int
	}{{"udp", udp}, {"tcp", tcp}} {
		if ok, err := portBound(c.network, c.port); ok || err != nil {
			t.Errorf("%s %d after close: %v, %v", c.network, c.port, ok, err)
		}
	}
}
