package sip

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/umctl/umctl/internal/routing"
	"github.com/umctl/umctl/internal/sipptest"
)

// The pool accepts a trusted application over mutual TLS only: a sipgo pool
// that requires a client certificate from the test CA answers the batched
// SUBSCRIBE and sends a NOTIFY back over the relay's connection.
// (Debian's sipp has no TLS; lync_pool.xml covers the rest over TCP.)
func TestLyncPresenceOverMutualTLS(t *testing.T) {
	dir, ca, _ := testPKI(t)
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem"))
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var peer string // the client certificate the pool saw
	poolTLS := &tls.Config{Certificates: []tls.Certificate{cert}, ClientCAs: ca, ClientAuth: tls.RequireAndVerifyClientCert, MinVersion: tls.VersionTLS12,
		VerifyPeerCertificate: func(_ [][]byte, chains [][]*x509.Certificate) error {
			mu.Lock()
			peer = chains[0][0].Subject.CommonName
			mu.Unlock()
			return nil
		}}
	ua, err := sipgo.NewUA(sipgo.WithUserAgenTLSConfig(&tls.Config{RootCAs: ca}))
	if err != nil {
		t.Fatal(err)
	}
	defer ua.Close()
	srv, _ := sipgo.NewServer(ua)
	client, _ := sipgo.NewClient(ua)
	srv.OnSubscribe(func(req *sip.Request, tx sip.ServerTransaction) {
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		res.To().Params.Add("tag", "pool1")
		res.AppendHeader(sip.NewHeader("Expires", "3600"))
		_ = tx.Respond(res)
		if h := req.GetHeader("Expires"); h != nil && h.Value() == "0" {
			return // the relay's unsubscribe at the end
		}
		go func() { // NOTIFYs over the relay's connection: bad ones first, then alice offline
			cat := func(user, avail string) string {
				return `<categories xmlns="http://schemas.microsoft.com/2006/09/sip/categories" uri="sip:` + user + `@contoso.com"><category name="state" instance="1" container="2" version="7"><state xsi:type="aggregateState" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="http://schemas.microsoft.com/2006/09/sip/state"><availability>` + avail + `</availability></state></category></categories>`
			}
			for seq, body := range []string{
				`<categories uri="sip:alice@contoso.com"><category name="state">`, // malformed
				cat("bob", "2500"),                                // unknown availability
				cat("mallory", "3500"),                            // not watched
				strings.Repeat(" ", 1<<20) + cat("alice", "3500"), // 1 MiB: refused by the parser
				"<!--" + strings.Repeat("x", 300<<10) + "-->" + cat("alice", "18000"), // as large as a 500-user NOTIFY
			} {
				n := sip.NewRequest(sip.NOTIFY, req.Contact().Address)
				n.SetTransport("TLS")
				n.SetDestination(req.Source())
				from := &sip.FromHeader{Address: req.To().Address, Params: sip.NewParams()}
				from.Params.Add("tag", "pool1")
				to := &sip.ToHeader{Address: req.From().Address, Params: req.From().Params.Clone()}
				n.AppendHeader(from)
				n.AppendHeader(to)
				n.AppendHeader(sip.HeaderClone(req.CallID()))
				n.AppendHeader(&sip.CSeqHeader{SeqNo: uint32(seq + 1), MethodName: sip.NOTIFY})
				n.AppendHeader(sip.NewHeader("Event", "presence"))
				n.AppendHeader(sip.NewHeader("Subscription-State", "active;expires=3600"))
				n.AppendHeader(sip.NewHeader("Content-Type", "application/msrtc-event-categories+xml"))
				n.SetBody([]byte(body))
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				res, err := client.Do(ctx, n, sipgo.ClientRequestAddVia)
				cancel()
				if err != nil || res.StatusCode != 200 {
					t.Errorf("NOTIFY %d over the relay's TLS connection: %v %v", seq+1, res, err)
				}
			}
		}()
	})
	ln, err := tls.Listen("tcp", "127.0.0.1:0", poolTLS)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.ServeTLS(ln) }()
	defer ln.Close()

	cfg := baseConfig(sipptest.FreePort(t, "udp"), 5080)
	cfg.Numbers = map[string]string{"+4790000001": "sip:alice@contoso.com", "+4790000002": "sip:bob@contoso.com"}
	cfg.TLS = TLSConfig{Cert: filepath.Join(dir, "server.pem"), Key: filepath.Join(dir, "server-key.pem"), HopCA: filepath.Join(dir, "ca.pem")}
	cfg.Presence = PresenceConfig{Sources: []string{"lync"}, Lync: LyncPresence{
		Servers: []string{"tls://" + ln.Addr().(*net.TCPAddr).String()}, Subscriber: "sip:umctl-relay@contoso.com"}}
	pctx, stop := context.WithCancel(context.Background())
	defer stop()
	var cache *routing.Cache
	r, _ := startRelay(t, cfg, func(r *Relay) {
		if cache, err = StartPresence(pctx, r, testLog(), nil); err != nil {
			t.Fatal(err)
		}
	})
	waitStates(t, cache, map[string]routing.State{"sip:alice@contoso.com": routing.Offline, "sip:bob@contoso.com": routing.Unknown})
	// Each bad NOTIFY was answered and counted (malformed, unknown
	// availability, not watched, 1 MiB), and a 300 KiB one went through.
	var m strings.Builder
	r.Metrics.Write(&m)
	if !strings.Contains(m.String(), `relay_presence_errors_total{source="lync"} 4`) {
		t.Errorf("errors: %s", m.String()[strings.Index(m.String(), "relay_presence_errors_total"):])
	}
	mu.Lock()
	defer mu.Unlock()
	if peer != "pool01.contoso.com" { // the CN of kamailiotest.TestCA's server.pem
		t.Fatalf("the pool saw client certificate %q, want the relay's (tls.cert)", peer)
	}
}
