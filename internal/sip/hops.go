// Hop health: OPTIONS pings mark next hops down and up; calls try the hops
// that are up first.

package sip

import (
	"context"
	"time"

	"github.com/emiago/sipgo/sip"
)

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
			if fails++; fails >= 2 {
				if _, was := r.down.Swap(hop.Addr, true); !was {
					r.log.Warn("hop down", "hop", hop.Addr, "error", err)
				}
			}
			continue
		}
		fails = 0
		if _, was := r.down.LoadAndDelete(hop.Addr); was {
			r.log.Info("hop up", "hop", hop.Addr)
		}
	}
}

// order returns the hops to try: those up first, in configured order; hops that
// are down only after them (so a wrong health verdict never loses a call).
func (r *Relay) order() []Listener {
	var up, down []Listener
	for _, h := range r.hops {
		if _, d := r.down.Load(h.Addr); d {
			down = append(down, h)
		} else {
			up = append(up, h)
		}
	}
	return append(up, down...)
}
