// Hop health: OPTIONS pings mark next hops down and up; calls try the hops
// that are up first.

package sip

import (
	"context"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// hopHealth is the next hops and which of them are down.
type hopHealth struct {
	hops []Listener
	down sync.Map // hop address → true while OPTIONS pings fail
}

// order returns the hops to try: those up first, in configured order; hops that
// are down only after them (so a wrong health verdict never loses a call).
func (hh *hopHealth) order() []Listener {
	var up, down []Listener
	for _, h := range hh.hops {
		if hh.isDown(h) {
			down = append(down, h)
		} else {
			up = append(up, h)
		}
	}
	return append(up, down...)
}

func (hh *hopHealth) isDown(h Listener) bool { _, d := hh.down.Load(h.Addr); return d }

// markDown reports whether the hop was up until now.
func (hh *hopHealth) markDown(h Listener) bool { _, was := hh.down.Swap(h.Addr, true); return !was }

// markUp reports whether the hop was down until now.
func (hh *hopHealth) markUp(h Listener) bool { _, was := hh.down.LoadAndDelete(h.Addr); return was }

// states are the hops and whether each is up, for /metrics.
func (hh *hopHealth) states() []hopState {
	var out []hopState
	for _, h := range hh.hops {
		out = append(out, hopState{h.Addr, !hh.isDown(h)})
	}
	return out
}

// checkHop pings a hop with OPTIONS every hop_check: two failures in a row mark
// it down, one answer (any response) marks it up again.
func (r *Relay) checkHop(ctx context.Context, hop Listener) {
	t := time.NewTicker(time.Duration(r.cfg.HopCheck))
	defer t.Stop()
	fails := 0
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		req := sip.NewRequest(sip.OPTIONS, sip.Uri{Scheme: "sip", Host: hostOf(hop.Addr), Port: portOf(hop.Addr)})
		r.route(req, hop.Addr, hop.Transport)
		pctx, cancel := context.WithTimeout(ctx, time.Duration(r.cfg.HopTimeout)+time.Second)
		_, err := r.client.Do(pctx, req)
		cancel()
		if err != nil {
			if fails++; fails >= 2 && r.markDown(hop) {
				r.log.Warn("hop down", "hop", hop.Addr, "error", err)
			}
			continue
		}
		fails = 0
		if r.markUp(hop) {
			r.log.Info("hop up", "hop", hop.Addr)
		}
	}
}
