// The dialog table: which hop answered a call, so that its in-dialog
// requests (ACK, BYE, re-INVITE, INFO, …) follow.

package sip

import (
	"context"
	"time"

	"github.com/emiago/sipgo/sip"
)

type dialogEntry struct {
	hop  Listener // where in-dialog requests from the other side go
	cseq uint32   // the answered INVITE's: its ACK carries the same number
	at   time.Time
}

// sweepDialogs forgets dialogs whose BYE the relay never saw (the UAs sent it
// directly), once they are older than the longest call Timer C allows.
func (r *Relay) sweepDialogs(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			r.dialogs.Range(func(k, v any) bool {
				if now.Sub(v.(dialogEntry).at) > 4*time.Hour {
					r.dialogs.Delete(k)
				}
				return true
			})
		}
	}
}

// inDialogHop is where a request other than a new INVITE goes: to Lync if it
// comes from UM (position B: MWI NOTIFY, BYE and the rest), else to the hop
// that answered the call, else the first hop.
func (r *Relay) inDialogHop(req *sip.Request) Listener {
	if r.fromUM(req) {
		return r.upstream[0]
	}
	if v, ok := r.dialogs.Load(req.CallID().Value()); ok {
		return v.(dialogEntry).hop
	}
	return r.hops[0]
}
