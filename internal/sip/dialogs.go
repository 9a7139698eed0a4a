// The dialog table: which hop answered a call, so that its in-dialog
// requests (ACK, BYE, re-INVITE, INFO, …) follow.

package sip

import (
	"context"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

type dialogEntry struct {
	hop  Listener // where in-dialog requests from the other side go
	cseq uint32   // the answered INVITE's: its ACK carries the same number
	at   time.Time
	legs // the TCP/TLS connections of the call, if both sides use one
}

// legs are the connections a call came in on (up, from the caller) and went
// out on (down, to the hop), when both are TCP or TLS: in-dialog requests
// and their responses cross from one to the other without a lookup
// (stream.go).
type legs struct{ up, down leg }

// leg is one side's connection, its remote address as sipgo's read filter
// reports it (the same value for every read), and its transport (TCP, TLS).
type leg struct {
	conn      sip.Connection
	peer      net.Addr
	transport string
}

// across is the leg opposite to the one whose peer is from, if from is either.
func (l legs) across(from net.Addr) (leg, bool) {
	switch {
	case l.up.conn == nil || l.down.conn == nil:
		return leg{}, false
	case from == l.up.peer:
		return l.down, true
	case from == l.down.peer:
		return l.up, true
	}
	return leg{}, false
}

// legsOf are the legs of a call between server transaction up and client
// transaction down, or none unless both run on TCP or TLS.
func legsOf(up sip.Transaction, upTransport string, down sip.Transaction, downTransport string) legs {
	u, d := legOf(up, upTransport), legOf(down, downTransport)
	if u.conn == nil || d.conn == nil {
		return legs{}
	}
	return legs{up: u, down: d}
}

// legOf is the TCP or TLS connection a transaction runs on, if any.
func legOf(tx sip.Transaction, transport string) leg {
	if c := connOf(tx); c != nil {
		return leg{conn: c, peer: c.RemoteAddr(), transport: strings.ToUpper(transport)}
	}
	return leg{}
}

// connOf is the connection a transaction runs on, if a stream (TCP, TLS).
func connOf(tx sip.Transaction) *sip.TCPConnection {
	t, ok := tx.(interface{ Connection() sip.Connection })
	if !ok {
		return nil
	}
	c, _ := t.Connection().(*sip.TCPConnection)
	return c
}

// dialogTable maps a Call-ID to the dialog's entry.
type dialogTable struct{ m sync.Map }

// remember notes the hop that answered a call.
func (d *dialogTable) remember(callID string, hop Listener, cseq uint32, l legs) {
	d.m.Store(callID, dialogEntry{hop: hop, cseq: cseq, at: time.Now(), legs: l})
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
	sweepMap(ctx, &d.m, 30*time.Second, func(v any, now time.Time) bool {
		return now.Sub(v.(dialogEntry).at) > 4*time.Hour
	})
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
