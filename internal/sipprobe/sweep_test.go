package sipprobe

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/sipptest"
)

// A sweep over live sipp servers and silent ports: each gets its own answer
// or timeout, in order, never more than parallel at once; with 4 at a time it
// takes a fraction of the sequential time (ratio logged, measured in this run).
func TestSweep(t *testing.T) {
	sipptest.Need(t)
	var inFlight, most atomic.Int32
	options = func(ctx context.Context, tg Target, c Config) (*OptionsResult, error) {
		n := inFlight.Add(1)
		defer inFlight.Add(-1)
		for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
		}
		return Options(ctx, tg, c)
	}
	defer func() { options = Options }()

	run := func(parallel int) ([]SweepResult, time.Duration) {
		var targets []SweepTarget
		for i := 0; i < 6; i++ {
			port := sipptest.FreePort(t, "udp")
			name := fmt.Sprintf("silent%d", i)
			if i%2 == 0 {
				sipptest.UAS(t, port, sipptest.Scenario("uas_options.xml"), 1)
				name = fmt.Sprintf("live%d", i)
			}
			tg, _ := ParseTarget(fmt.Sprintf("sip:127.0.0.1:%d", port))
			targets = append(targets, SweepTarget{Name: name, Target: tg})
		}
		start := time.Now()
		res := Sweep(context.Background(), targets, Config{Timeout: 600 * time.Millisecond}, parallel)
		return res, time.Since(start)
	}
	seqRes, seq := run(1)
	if most.Load() != 1 {
		t.Fatalf("parallel 1 ran %d at once", most.Load())
	}
	most.Store(0)
	parRes, par := run(4)
	if most.Load() > 4 || most.Load() < 2 {
		t.Fatalf("parallel 4 ran %d at once", most.Load())
	}
	for _, res := range [][]SweepResult{seqRes, parRes} {
		for i, r := range res {
			live := strings.HasPrefix(r.Name, "live")
			if r.Name != fmt.Sprintf("%s%d", map[bool]string{true: "live", false: "silent"}[live], i) {
				t.Fatalf("order: %d is %s", i, r.Name)
			}
			if live && (r.Err != nil || r.Result.Status != 200) || !live && (r.Err == nil || !strings.Contains(r.Err.Error(), "timed out")) {
				t.Fatalf("%s: %+v %v", r.Name, r.Result, r.Err)
			}
		}
	}
	t.Logf("6 targets (3 silent, 600ms timeout): sequential %s, 4 at a time %s (ratio %.2f)", seq.Round(time.Millisecond), par.Round(time.Millisecond), float64(par)/float64(seq))
}
