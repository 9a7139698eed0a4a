// The dialog table: which hop answered a call, so that its in-dialog
// requests (ACK, BYE, re-INVITE, INFO, …) follow.

package sip

import (
	"context"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

type dialogEntry struct {
	hop  Listener // where in-dialog requests from the other side go
	cseq uint32   // the answered INVITE's: its ACK carries the same number
	at   time.Time
}

// dialogTable maps a Call-ID to the dialog's entry.
type dialogTable struct{ m sync.Map }

// remember notes the hop that answered a call.
func (d *dialogTable) remember(callID string, hop Listener, cseq uint32) {
	d.m.Store(callID, dialogEntry{hop: hop, cseq: cseq, at: time.Now()})
}

// lookup returns a call's entry.
func (d *dialogTable) lookup(callID string) (dialogEntry, bool) {
	v, ok := d.m.Load(callID)
	if !ok {
		return dialogEntry{}, false
	}
	return v.(dialogEntry), true
}

// forget drops a call's entry (its BYE was answered).
func (d *dialogTable) forget(callID string) { d.m.Delete(callID) }

// sweep forgets dialogs whose BYE the relay never saw (the UAs sent it
// directly), once they are older than the longest call Timer C allows.
func (d *dialogTable) sweep(ctx context.Context) {
	t := time.NewTicker(30 * time.Second)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			d.m.Range(func(k, v any) bool {
				if now.Sub(v.(dialogEntry).at) > 4*time.Hour {
					d.m.Delete(k)
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
	if e, ok := r.dialogs.lookup(req.CallID().Value()); ok {
		return e.hop
	}
	return r.hops[0]
}
