package sip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
	"github.com/umctl/umctl/internal/kamailiotest"
	"github.com/umctl/umctl/internal/sipptest"
)

// testPKI is kamailiotest.TestCA for 127.0.0.1 and localhost: server.pem for
// the relay (a client certificate too), the CA as a pool, and client.pem.
func testPKI(t *testing.T) (dir string, ca *x509.CertPool, client tls.Certificate) {
	dir = kamailiotest.TestCA(t, time.Now().Add(time.Hour), "127.0.0.1", "localhost")
	caPEM, err := os.ReadFile(filepath.Join(dir, "ca.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ca = x509.NewCertPool()
	if !ca.AppendCertsFromPEM(caPEM) {
		t.Fatal("ca.pem holds no certificate")
	}
	client, err = tls.LoadX509KeyPair(filepath.Join(dir, "client.pem"), filepath.Join(dir, "client-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	return dir, ca, client
}

// Over mutual TLS (as Lync talks to its peers), a caller with a certificate from
// the configured client CA gets OPTIONS answered and an INVITE through to UM;
// a caller without a certificate is refused in the handshake. (Debian's sipp
// has no TLS, so the TLS caller is a sipgo client; UM behind the relay is sipp.)
func TestMutualTLS(t *testing.T) {
	sipptest.Need(t)
	dir, ca, clientCert := testPKI(t)
	relayPort, umPort := sipptest.FreePort(t, "tcp"), sipptest.FreePort(t, "udp")
	cfg := &Config{Listen: []string{fmt.Sprintf("tls://127.0.0.1:%d", relayPort)}, NextHops: []string{fmt.Sprintf("udp://127.0.0.1:%d", umPort)},
		TLS: TLSConfig{Cert: filepath.Join(dir, "server.pem"), Key: filepath.Join(dir, "server-key.pem"), ClientCA: filepath.Join(dir, "ca.pem")}}
	cfg.Presence.Source = "never-hold"
	r, _ := startRelay(t, cfg)
	um := sipptest.UAS(t, umPort, sipptest.Scenario("uas_answer_check.xml"), 1)

	// Without a client certificate: the handshake fails.
	conn, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", relayPort), &tls.Config{RootCAs: ca})
	if err == nil {
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
		_, err = conn.Read(make([]byte, 1)) // TLS 1.3 reports a missing client certificate on the first read
		conn.Close()
	}
	if err == nil {
		t.Fatal("a client without a certificate was accepted")
	}

	ua, err := sipgo.NewUA(sipgo.WithUserAgenTLSConfig(&tls.Config{RootCAs: ca, Certificates: []tls.Certificate{clientCert}}))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	client, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	dest := sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: relayPort, UriParams: sip.HeaderParams{{K: "transport", V: "tls"}}}
	opt := sip.NewRequest(sip.OPTIONS, dest)
	opt.SetTransport("TLS")
	res, err := client.Do(ctx, opt)
	if err != nil || res.StatusCode != 200 {
		t.Fatalf("OPTIONS over mutual TLS: %v %v", res, err)
	}
	inv := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "um", Host: "127.0.0.1", Port: relayPort})
	inv.SetTransport("TLS")
	inv.SetDestination(fmt.Sprintf("127.0.0.1:%d", relayPort))
	inv.AppendHeader(sip.NewHeader("History-Info", "<sip:+4790000001@lab.umctl.test;user=phone>;index=1,<sip:um@x>;index=1.1"))
	inv.AppendHeader(sip.NewHeader("Diversion", "<tel:+4790000001>;reason=no-answer;counter=1"))
	inv.AppendHeader(sip.NewHeader("Contact", "<sip:caller@127.0.0.1;transport=tls>"))
	tx, err := client.TransactionRequest(ctx, inv)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Terminate()
	for {
		select {
		case res := <-tx.Responses():
			if res.StatusCode < 200 {
				continue
			}
			if res.StatusCode != 200 {
				t.Fatalf("INVITE over TLS: %d", res.StatusCode)
			}
			ack := sip.NewRequest(sip.ACK, inv.Recipient)
			for _, h := range []string{"Via", "From", "Call-ID"} {
				ack.AppendHeader(sip.HeaderClone(inv.GetHeader(h)))
			}
			ack.AppendHeader(sip.HeaderClone(res.To()))
			ack.AppendHeader(&sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sip.ACK})
			ack.SetTransport("TLS")
			ack.SetDestination(inv.Destination())
			_ = client.WriteRequest(ack)
			time.Sleep(100 * time.Millisecond) // as a caller does; the relay handles ACK and BYE concurrently
			bye := sip.NewRequest(sip.BYE, inv.Recipient)
			for _, h := range []string{"From", "Call-ID"} {
				bye.AppendHeader(sip.HeaderClone(inv.GetHeader(h)))
			}
			bye.AppendHeader(sip.HeaderClone(res.To()))
			bye.AppendHeader(&sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo + 1, MethodName: sip.BYE})
			bye.SetTransport("TLS")
			bye.SetDestination(inv.Destination())
			if res, err := client.Do(ctx, bye); err != nil || res.StatusCode != 200 {
				t.Fatalf("BYE: %v %v", res, err)
			}
			um.Wait(t, "UM behind the TLS listener")
			if r.Metrics.Calls(OutcomeAnswered) != 1 {
				t.Fatal("not counted as answered")
			}
			return
		case <-tx.Done():
			t.Fatalf("INVITE transaction ended: %v", tx.Err())
		case <-ctx.Done():
			t.Fatal("no final response over TLS")
		}
	}
}

// The missed-call INFO goes to Exchange UM over mutual TLS: the relay presents
// tls.cert and verifies UM against tls.hop_ca; without hop_ca (system roots)
// UM's private-CA certificate is refused and nothing is sent. UM here is a
// sipgo server that requires a client certificate (Debian's sipp has no TLS).
func TestUMInfoOverMutualTLS(t *testing.T) {
	sipptest.Need(t)
	dir, ca, _ := testPKI(t)
	umPort := sipptest.FreePort(t, "tcp")
	serverCert, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	ua, _ := sipgo.NewUA()
	defer ua.Close()
	srv, _ := sipgo.NewServer(ua)
	infos := make(chan string, 4)
	srv.OnInvite(func(req *sip.Request, tx sip.ServerTransaction) {
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		res.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", Host: "127.0.0.1", Port: umPort, UriParams: sip.HeaderParams{{K: "transport", V: "tls"}}}})
		_ = tx.Respond(res)
	})
	srv.OnAck(func(*sip.Request, sip.ServerTransaction) {})
	srv.OnInfo(func(req *sip.Request, tx sip.ServerTransaction) {
		infos <- req.ContentType().Value() + "\n" + string(req.Body())
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_ = srv.ListenAndServeTLS(ctx, "tls", fmt.Sprintf("127.0.0.1:%d", umPort),
			&tls.Config{Certificates: []tls.Certificate{serverCert}, ClientCAs: ca, ClientAuth: tls.RequireAndVerifyClientCert})
	}()
	waitListening(ctx, Listener{Transport: "tls", Addr: fmt.Sprintf("127.0.0.1:%d", umPort)})

	for _, trusted := range []bool{true, false} {
		relayPort := sipptest.FreePort(t, "udp")
		cfg := &Config{Listen: []string{fmt.Sprintf("udp://127.0.0.1:%d", relayPort)}, NextHops: []string{fmt.Sprintf("tls://127.0.0.1:%d", umPort)},
			TLS: TLSConfig{Cert: filepath.Join(dir, "server.pem"), Key: filepath.Join(dir, "server-key.pem")}, Hold: Duration(10 * time.Second), HopTimeout: Duration(time.Second)}
		if trusted {
			cfg.TLS.HopCA = filepath.Join(dir, "ca.pem")
		}
		cfg.Notify.UMInfo = true
		cfg.Numbers = map[string]string{"+4790000001": "sip:alice@contoso.com"}
		r, _ := startRelay(t, cfg)
		sipptest.Call(t, relayPort, sipptest.Scenario("uac_cancel.xml")).Wait(t, "caller")
		deadline := time.Now().Add(10 * time.Second)
		for r.Metrics.Notes("sent")+r.Metrics.Notes("failed") == 0 && time.Now().Before(deadline) {
			time.Sleep(50 * time.Millisecond)
		}
		if !trusted {
			if r.Metrics.Notes("failed") != 1 || len(infos) != 0 {
				t.Fatalf("UM's certificate without hop_ca: sent %d, failed %d", r.Metrics.Notes("sent"), r.Metrics.Notes("failed"))
			}
			continue
		}
		select {
		case got := <-infos:
			if !strings.HasPrefix(got, "application/ms-rtc-usernotification+xml\n") || !strings.Contains(got, "<User>sip:alice@contoso.com</User>") ||
				!strings.Contains(got, `<Event type="missed">`) {
				t.Fatalf("INFO:\n%s", got)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("no INFO reached UM over mutual TLS (sent %d, failed %d)", r.Metrics.Notes("sent"), r.Metrics.Notes("failed"))
		}
	}
}
