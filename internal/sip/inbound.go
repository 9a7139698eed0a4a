// Requests other than a new INVITE: OPTIONS, in-dialog requests, and what
// comes from Exchange UM (position B).

package sip

import (
	"context"
	"net"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// dispatch takes every new server transaction from sipgo's transaction layer
// (in place of sipgo.Server, which ends a transaction when its handler returns).
// That lets a held INVITE wait on a timer alone, with no goroutine parked.
func (r *Relay) dispatch(req *sip.Request, tx *sip.ServerTx) {
	switch req.Method {
	case sip.INVITE:
		r.onInvite(req, tx) // ends tx itself, possibly after the hold
		return
	case sip.OPTIONS:
		r.onOptions(req, tx)
	case sip.CANCEL: // a CANCEL that matched no INVITE transaction
		respond(req, tx, 481, "Call/Transaction Does Not Exist")
	default:
		r.onOther(req, tx)
	}
	tx.TerminateGracefully()
}

// onOptions answers OPTIONS addressed to the relay itself (keep-alives) and
// forwards the others.
func (r *Relay) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	if req.Recipient.User == "" || r.isSelf(req.Recipient.Host) {
		respond(req, tx, 200, "OK", sip.NewHeader("Allow", "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, MESSAGE, UPDATE, REFER, SUBSCRIBE, PRACK, SERVICE"))
		return
	}
	r.onOther(req, tx)
}

// self is the relay's own address for Contact and From: the first listener
// with the transport given, else the first listener.
func (r *Relay) self(transport string) Listener {
	for _, ln := range r.listen {
		if ln.Transport == transport {
			return ln
		}
	}
	return r.listen[0]
}

func (r *Relay) isSelf(host string) bool {
	for _, ln := range r.listen {
		if strings.EqualFold(hostOf(ln.Addr), host) {
			return true
		}
	}
	return false
}

// onOther passes ACK, BYE and every other request to the hop that answered the
// call (or the first hop), and relays the response back.
func (r *Relay) onOther(req *sip.Request, tx sip.ServerTransaction) {
	if r.um != nil && r.um.owns(req, tx) {
		return
	}
	hop := r.inDialogHop(req)
	fwd := req
	if !req.IsAck() { // the server transaction builds its responses from req
		fwd = req.Clone()
	}
	r.route(fwd, hop.Addr, hop.Transport)
	if req.IsAck() {
		_ = r.client.WriteRequest(fwd, addVia, decMaxForwards)
		return
	}
	if req.Method == sip.BYE {
		defer r.dialogs.forget(req.CallID().Value())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
	defer cancel()
	res, err := r.client.Do(ctx, fwd, addVia, decMaxForwards)
	if err != nil {
		respond(req, tx, 408, "Request Timeout")
		return
	}
	r.relay(req, tx, res)
}

// fromUM reports whether a request comes from Exchange UM (upstream.from, by
// default the next hops' addresses) while an upstream is configured.
func (r *Relay) fromUM(req *sip.Request) bool {
	if len(r.umNets) == 0 {
		return false
	}
	ip := net.ParseIP(hostOf(req.Source()))
	for _, n := range r.umNets {
		if ip != nil && n.Contains(ip) {
			return true
		}
	}
	return false
}
