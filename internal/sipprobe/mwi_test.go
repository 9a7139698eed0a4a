package sipprobe

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/sipptest"
)

// The NOTIFY reaches sipp with every header and body line sipp checks; a
// wrong count makes sipp's check fail (the check can fail).
func TestMWISipp(t *testing.T) {
	sipptest.Need(t)
	for _, tc := range []struct {
		msgs string
		ok   bool
	}{{"2/5", true}, {"0/5", false}} {
		port := sipptest.FreePort(t, "udp")
		uas := sipptest.UAS(t, port, sipptest.Scenario("uas_mwi.xml"), 1)
		newN, old, err := ParseMessages(tc.msgs)
		if err != nil {
			t.Fatal(err)
		}
		to, _ := ParseTarget("sip:alice@contoso.com")
		hop, _ := ParseTarget(fmt.Sprintf("sip:127.0.0.1:%d", port))
		ans, err := SendMWI(context.Background(), to.Through(hop), MWI{New: newN, Old: old, Account: "sip:alice@contoso.com"}, Config{Timeout: 3 * time.Second})
		if !tc.ok {
			if ok, failed := uas.Counts(t, "MWI UAS"); ok != 0 || failed != 1 {
				t.Fatalf("%s: sipp's checks passed (%d ok, %d failed)", tc.msgs, ok, failed)
			}
			continue
		}
		uas.Wait(t, "MWI UAS")
		if err != nil || ans.Status != 200 || ans.Target != "sip:alice@contoso.com" || ans.Address != fmt.Sprintf("127.0.0.1:%d", port) {
			t.Fatalf("%+v %v", ans, err)
		}
	}
}

func TestParseMessages(t *testing.T) {
	for _, bad := range []string{"3", "-1/2", "2/-1", "a/b", "", "2/", "/5"} {
		if _, _, err := ParseMessages(bad); !errors.Is(err, ErrInvalid) {
			t.Errorf("%q: %v", bad, err)
		}
	}
	if n, o, err := ParseMessages("0/12"); n != 0 || o != 12 || err != nil {
		t.Fatal(n, o, err)
	}
}
