package ad_test

import (
	"context"
	"errors"
	"net"
	"strings"
	"testing"
	"time"

	ber "github.com/go-asn1-ber/asn1-ber"
	"github.com/go-ldap/ldap/v3"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/labtest"
)

// listen serves each connection with serve on a loopback port until the test ends.
func listen(t *testing.T, serve func(net.Conn)) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); serve(c) }()
		}
	}()
	return ln.Addr().String()
}

// silent takes the connection and never says a word, like a DC behind a
// firewall that drops replies or a port that is not LDAP's.
func silent(c net.Conn) { _, _ = c.Read(make([]byte, 1<<16)); time.Sleep(5 * time.Second) }

// noStartTLS answers LDAP requests the way a directory without a certificate
// does: the StartTLS extended operation gets "unavailable".
func noStartTLS(c net.Conn) {
	for {
		p, err := ber.ReadPacket(c)
		if err != nil || len(p.Children) < 2 {
			return
		}
		id := p.Children[0].Value
		res := ber.Encode(ber.ClassUniversal, ber.TypeConstructed, ber.TagSequence, nil, "LDAP Response")
		res.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagInteger, id, "MessageID"))
		op := ber.Encode(ber.ClassApplication, ber.TypeConstructed, ldap.ApplicationExtendedResponse, nil, "Extended Response")
		op.AppendChild(ber.NewInteger(ber.ClassUniversal, ber.TypePrimitive, ber.TagEnumerated, int64(ldap.LDAPResultUnavailable), "resultCode"))
		op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "", "matchedDN"))
		op.AppendChild(ber.NewString(ber.ClassUniversal, ber.TypePrimitive, ber.TagOctetString, "TLS is not configured", "diagnosticMessage"))
		res.AppendChild(op)
		if _, err := c.Write(res.Bytes()); err != nil {
			return
		}
	}
}

func TestDialSaysWhatWentWrong(t *testing.T) {
	silentAddr, plainAddr := listen(t, silent), listen(t, noStartTLS)
	for _, tc := range []struct {
		url       string
		kind      error
		want, not string
	}{
		{"ldaps://" + silentAddr, ad.ErrUnreachable, "no answer in 1 s", "--ca-file"},
		{"ldap://" + silentAddr, ad.ErrUnreachable, "no answer in 1 s", "--ca-file"},
		{"ldap://" + plainAddr, ad.ErrTLS, "the server offers no StartTLS (Unavailable: TLS is not configured): use ldaps://127.0.0.1", "--ca-file"},
	} {
		t.Run(tc.url, func(t *testing.T) {
			t0 := time.Now()
			_, err := ad.Dial(context.Background(), ad.Settings{URL: tc.url, BindDN: "x", Password: "y", Timeout: time.Second})
			if !errors.Is(err, tc.kind) || !strings.Contains(err.Error(), tc.want) || strings.Contains(err.Error(), tc.not) {
				t.Fatalf("%v; want %v saying %q, not %q", err, tc.kind, tc.want, tc.not)
			}
			if el := time.Since(t0); el > 4*time.Second { // go-ldap's StartTLS alone waits forever
				t.Fatalf("gave up after %v, the timeout is 1 s", el)
			}
		})
	}
}

// TestSearchRefusesBlankBase: Samba answers a blank base with "invalid basedn
// '(null)'" or "empty base DN"; umctl names the problem before asking.
func TestSearchRefusesBlankBase(t *testing.T) {
	d := labtest.Dial(t)
	for _, base := range []string{" ", "", "\t"} {
		_, err := d.Search(context.Background(), base, ldap.ScopeWholeSubtree, "(objectClass=contact)", []string{"cn"})
		if !errors.Is(err, ad.ErrInvalid) || strings.Contains(err.Error(), "(null)") || !strings.Contains(err.Error(), "base DN") {
			t.Errorf("base %q: %v", base, err)
		}
	}
	if _, err := d.Search(context.Background(), "", ldap.ScopeBaseObject, "(objectClass=*)", []string{"dnsHostName"}); err != nil {
		t.Errorf("RootDSE read: %v", err)
	}
}
