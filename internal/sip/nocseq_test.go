package sip

import (
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/sipptest"
)

// Over TCP a request without CSeq is taken out of the stream where it is:
// in one write with a body, between a keep-alive and a good request, the
// relay answers 400 Missing CSeq and then the OPTIONS behind it, in order.
func TestNoCSeqInStream(t *testing.T) {
	udpPort, tcpPort := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "tcp")
	cfg := baseConfig(udpPort, sipptest.FreePort(t, "udp"))
	cfg.Listen = append(cfg.Listen, fmt.Sprintf("tcp://127.0.0.1:%d", tcpPort))
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg)
	c, err := net.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", tcpPort))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	via := "Via: SIP/2.0/TCP " + c.LocalAddr().String()
	stream := "\r\n\r\nINVITE sip:100@127.0.0.1 SIP/2.0\r\n" + via + ";branch=z9hG4bK-nc1\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\n" +
		"To: <sip:100@x>\r\nCall-ID: nocseq-stream\r\nContent-Type: application/sdp\r\nContent-Length: 4\r\n\r\nv=0\n" +
		"OPTIONS sip:127.0.0.1 SIP/2.0\r\n" + via + ";branch=z9hG4bK-nc2\r\nMax-Forwards: 70\r\nFrom: <sip:a@x>;tag=1\r\n" +
		"To: <sip:127.0.0.1>\r\nCall-ID: nocseq-options\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n"
	if _, err := c.Write([]byte(stream)); err != nil {
		t.Fatal(err)
	}
	_ = c.SetReadDeadline(time.Now().Add(3 * time.Second))
	var got strings.Builder
	buf := make([]byte, 65535)
	for len(statusLine.FindAllString(got.String(), -1)) < 2 {
		n, err := c.Read(buf)
		got.Write(buf[:n])
		if err != nil {
			break
		}
	}
	if lines := statusLine.FindAllString(got.String(), -1); len(lines) != 2 || lines[0] != "SIP/2.0 400 Missing CSeq" || lines[1] != "SIP/2.0 200 OK" {
		t.Fatalf("got %q, want 400 Missing CSeq then 200 OK:\n%s", lines, got.String())
	}
	if !strings.Contains(got.String(), "Call-ID: nocseq-stream\r\n") || !strings.Contains(got.String(), ";branch=z9hG4bK-nc1") {
		t.Errorf("the 400 does not answer the INVITE:\n%s", got.String())
	}
	var m strings.Builder
	r.Metrics.Write(&m)
	if !strings.Contains(m.String(), `relay_requests_rejected_total{status="400"} 1`+"\n") {
		t.Errorf("the 400 is not counted:\n%s", m.String())
	}
}

// Over TLS too: an INVITE without CSeq is answered 400 Missing CSeq on the
// caller's connection, nothing reaches UM, and the connection keeps serving.
func TestNoCSeqOverTLS(t *testing.T) {
	r, addr, uas := tlsRelay(t)
	k := dialTLSCaller(t, addr)
	ruri := "sip:+4790000001@" + addr
	invite := k.request("INVITE", ruri, "<"+ruri+">", "nocseq-tls", "nocseq-tls-1", 1)
	k.send(t, strings.Replace(invite, "CSeq: 1 INVITE\r\n", "", 1))
	res := k.final(t, 5*time.Second)
	if res.first() != "SIP/2.0 400 Missing CSeq" || res.header("Call-ID", "i") != "nocseq-tls" || !strings.Contains(res.header("Via", "v"), "branch=z9hG4bK-nocseq-tls-1") {
		t.Fatalf("the caller got:\n%s", res.text)
	}
	uas.quiet(t, 300*time.Millisecond)
	k.send(t, k.request("OPTIONS", "sip:"+addr, "<sip:"+addr+">", "nocseq-tls-opt", "nocseq-tls-2", 1))
	if res := k.final(t, 5*time.Second); res.first() != "SIP/2.0 200 OK" {
		t.Fatalf("OPTIONS after it got:\n%s", res.text)
	}
	var m strings.Builder
	r.Metrics.Write(&m)
	if !strings.Contains(m.String(), `relay_requests_rejected_total{status="400"} 1`+"\n") {
		t.Errorf("the 400 is not counted:\n%s", m.String())
	}
}
