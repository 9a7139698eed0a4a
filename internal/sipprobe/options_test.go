package sipprobe

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/sipptest"
)

// OPTIONS over UDP and TCP to sipp: the status, round trip and the server's
// headers come from what sipp sent; sipp checks the request.
func TestOptionsSipp(t *testing.T) {
	sipptest.Need(t)
	for _, tr := range []string{"udp", "tcp"} {
		t.Run(tr, func(t *testing.T) {
			port := sipptest.FreePort(t, tr)
			args := []string{"-sf", sipptest.Scenario("uas_options.xml"), "-i", "127.0.0.1", "-p", fmt.Sprint(port), "-m", "1"}
			if tr == "tcp" {
				args = append(args, "-t", "t1")
			}
			uas := sipptest.Start(t, args...)
			uas.Listening(t, tr, port)
			target, err := ParseTarget(fmt.Sprintf("sip:127.0.0.1:%d;transport=%s", port, tr))
			if err != nil {
				t.Fatal(err)
			}
			res, err := Options(context.Background(), target, Config{Timeout: 5 * time.Second})
			if err != nil {
				t.Fatal(err)
			}
			uas.Wait(t, "OPTIONS UAS")
			if res.Status != 200 || !res.OK() || res.RTT <= 0 || res.UserAgent != "RTCC/6.0.0.0 MediationServer" ||
				!strings.Contains(res.Allow, "SERVICE") || !strings.Contains(res.Supported, "ms-dialog-route-set-update") || res.Transport != strings.ToUpper(tr) {
				t.Fatalf("%+v", res)
			}
		})
	}
}
