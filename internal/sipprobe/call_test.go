package sipprobe

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/kamailiotest"
	"github.com/umctl/umctl/internal/sipptest"
)

// A test call to the call router (sipp, 302) is redirected to the mailbox
// server (a second sipp, 180 then 200): both hops are reported, the call is
// acknowledged and ended with BYE (each sipp fails without its ACK and BYE).
func TestCallRedirect(t *testing.T) {
	sipptest.Need(t)
	router, mailbox := sipptest.FreePort(t, "udp"), sipptest.FreePort(t, "udp")
	um := sipptest.UAS(t, mailbox, sipptest.Scenario("uas_call.xml"), 1)
	cr := sipptest.UAS(t, router, sipptest.ScenarioWith(t, "uas_redirect.xml", "[mailbox_port]", fmt.Sprint(mailbox)), 1)
	target, _ := ParseTarget(fmt.Sprintf("sip:um@127.0.0.1:%d", router))
	res, err := Call(context.Background(), target, Config{Timeout: 5 * time.Second}, 200*time.Millisecond)
	if err != nil {
		t.Fatal(err)
	}
	cr.Wait(t, "call router")
	um.Wait(t, "mailbox server")
	if len(res.Hops) != 2 || !res.Answered || res.ByeStatus != 200 {
		t.Fatalf("%+v", res)
	}
	first, second := res.Hops[0], res.Hops[1]
	if first.Status != 302 || first.Contact != fmt.Sprintf("sip:um@127.0.0.1:%d;transport=udp", mailbox) || first.Address != fmt.Sprintf("127.0.0.1:%d", router) {
		t.Fatalf("first hop %+v", first)
	}
	if second.Status != 200 || second.Address != fmt.Sprintf("127.0.0.1:%d", mailbox) || len(second.Provisional) == 0 || second.Provisional[len(second.Provisional)-1] != 180 {
		t.Fatalf("second hop %+v", second)
	}
}

// A test call over TLS: the chain is checked first (a wrong name stops the
// call before any INVITE); Kamailio here refuses INVITEs (501), reported as
// the one hop's final answer, not answered.
func TestCallTLS(t *testing.T) {
	dir := kamailiotest.TestCA(t, time.Now().Add(time.Hour), "127.0.0.1")
	port := kamailiotest.StartTLS(t, dir, false)
	target, _ := ParseTarget(fmt.Sprintf("sip:um@127.0.0.1:%d;transport=tls", port))
	res, err := Call(context.Background(), target, Config{CA: filepath.Join(dir, "ca.pem")}, 0)
	if err != nil || len(res.Hops) != 1 || res.Answered || res.Final().Status != 501 || len(res.Final().Chain) == 0 {
		t.Fatalf("%+v %v", res, err)
	}
	wrong := kamailiotest.TestCA(t, time.Now().Add(time.Hour), "um02.contoso.com")
	wport := kamailiotest.StartTLS(t, wrong, false)
	wt, _ := ParseTarget(fmt.Sprintf("sip:um@127.0.0.1:%d;transport=tls", wport))
	res, err = Call(context.Background(), wt, Config{CA: filepath.Join(wrong, "ca.pem")}, 0)
	wantTrust(t, err, "name mismatch")
	if len(res.Hops) != 1 || res.Hops[0].Status != 0 {
		t.Fatalf("an INVITE went out despite the trust failure: %+v", res)
	}
}
