package sip

import (
	"bytes"
	"context"
	"net"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// The fast path on TCP and TLS (stateless.go has UDP's): what a call needs
// after its INVITE, taken out of the stream in sipgo's read filter before its
// transaction layer, and written on the call's own connections (legs,
// dialogs.go) with no connection lookup, no transaction and no goroutine:
//   - the hop's 2xx to the INVITE, handed to the call's attempt, which ends
//     sipgo's client transaction at once (it would otherwise sit 32 s in RFC
//     6026's Accepted state, Timer M, and keep the whole call in memory;
//     a stream carries no retransmitted 2xx to absorb);
//   - the ACK to that 2xx and a BYE, forwarded statelessly (RFC 3261
//     §16.11) to the other side of the call, with the relay's Via on top;
//   - the response to such a BYE, back by that Via to the other side.
// Only whole messages in one read are taken, and only in the plain case (the
// checks and the Max-Forwards rule of stateless.go); anything else, or a
// write that fails, goes the transaction way, which routes it the same.

// streamState follows the message boundaries of one TCP or TLS connection.
type streamState struct {
	framer
	used atomic.Int64 // the last read (Unix ns), for sweepStreams
}

// streamFilter is the read filter for TCP and TLS: it returns the chunk
// without the messages it has forwarded itself.
func (r *Relay) streamFilter(info sip.TransportReadProps, data []byte) []byte {
	v, ok := r.streams.Load(info.RemoteAddr)
	if !ok {
		v, _ = r.streams.LoadOrStore(info.RemoteAddr, &streamState{})
	}
	s := v.(*streamState)
	now := time.Now()
	s.used.Store(now.UnixNano())
	if s.body == 0 && len(s.head) == 0 {
		data = cutWhole(data, func(head, msg []byte) bool { return r.takeStream(info.RemoteAddr, head, msg) })
	}
	s.feed(data, now)
	return data
}

// forgetStream drops the state of a connection that has closed.
func (r *Relay) forgetStream(peer net.Addr) { r.streams.Delete(peer) }

// sweepStreams drops the state of connections idle for an hour (those the
// relay dialed to its hops; accepted ones are dropped when they close).
func (r *Relay) sweepStreams(ctx context.Context) {
	sweepMap(ctx, &r.streams, time.Minute, func(v any, now time.Time) bool {
		return now.Sub(time.Unix(0, v.(*streamState).used.Load())) > time.Hour
	})
}

// takeStream forwards one whole message read from peer if it is on the fast
// path, and reports whether it did.
func (r *Relay) takeStream(peer net.Addr, head, msg []byte) bool {
	var want bool
	if bytes.HasPrefix(head, []byte("SIP/")) {
		// An answer to a BYE forwarded here, or a 2xx to an INVITE.
		want = bytes.Contains(head, []byte(statelessBranch)) || bytes.HasPrefix(head, []byte("SIP/2.0 2")) && answersInvite(head)
	} else {
		want = bytes.HasPrefix(head, []byte("ACK ")) || bytes.HasPrefix(head, []byte("BYE "))
	}
	if !want {
		return false // not worth a parse: sipgo parses it again
	}
	m, err := r.parser.ParseSIP(msg)
	if err != nil {
		return false // sipgo logs it
	}
	switch m := m.(type) {
	case *sip.Request:
		return r.forwardInDialog(m, peer)
	case *sip.Response:
		return r.takeResponse(m, peer)
	}
	return false
}

// answersInvite reports whether a response's header block has CSeq method INVITE.
func answersInvite(head []byte) bool {
	cseq, _ := headerField(head, "CSeq", "")
	return bytes.HasSuffix(cseq, []byte("INVITE")) // takeResponse checks the parsed method
}

// forwardInDialog forwards an ACK to a 2xx or a BYE that came on one of a
// call's connections to the other.
func (r *Relay) forwardInDialog(req *sip.Request, peer net.Addr) bool {
	if code, _ := r.check(req); code != 0 {
		return false // the transaction path answers what is wrong
	}
	callID := req.CallID().Value()
	if r.um != nil && r.um.isSession(callID) {
		return false
	}
	e, ok := r.dialogs.lookup(callID)
	if !ok || (req.IsAck() && e.cseq != req.CSeq().SeqNo) {
		return false // an ACK to a non-2xx belongs to the INVITE's server transaction
	}
	out, ok := e.across(peer)
	if !ok || !r.statelessHop(req, peer.String(), out.transport) {
		return false
	}
	kind := fastBYE
	if req.IsAck() {
		kind = fastACK
	}
	r.Metrics.fast[kind].Add(1) // before the write: /metrics never lags the wire
	if err := out.conn.WriteMsg(req); err != nil {
		r.resend(req, e, out, err)
	}
	return true
}

// resend sends a request whose connection to the hop failed (UM closed it)
// to the hop through the transport layer, which connects again; the answer
// finds its way back by the Via (onStrayResponse). Toward the caller there
// is no address to connect to: the request is lost, and logged.
func (r *Relay) resend(req *sip.Request, e dialogEntry, out leg, err error) {
	callID := req.CallID().Value()
	if out.conn != e.down.conn {
		r.log.Warn("forward", "method", req.Method, "call_id", callID, "error", err)
		return
	}
	r.route(req, e.hop.Addr, e.hop.Transport)
	if err := r.ua.TransportLayer().WriteMsg(req); err != nil {
		r.log.Warn("forward", "method", req.Method, "call_id", callID, "hop", e.hop.Addr, "error", err)
	}
}

// takeResponse takes the hop's 2xx to a forwarded INVITE (to its attempt)
// and the answer to a request forwarded statelessly (to the other side).
func (r *Relay) takeResponse(res *sip.Response, peer net.Addr) bool {
	if !wellFormed(res, "") {
		return false // dropped on the transaction path, and logged
	}
	branch := res.Via().Params.GetOr("branch", "")
	if res.CSeq().MethodName == sip.INVITE {
		v, ok := r.attempts.Load(branch)
		if !ok {
			return false
		}
		select {
		case v.(*attempt).answered <- res:
		default: // a second 2xx while the first is handled: the transaction path drops it
			return false
		}
		return true
	}
	if !isStatelessBranch(branch) {
		return false
	}
	callID := res.CallID().Value()
	e, _ := r.dialogs.lookup(callID)
	out, ok := e.across(peer)
	if !ok {
		return false // onStrayResponse sends it by the Via
	}
	res.RemoveHeader("Via")
	if res.CSeq().MethodName == sip.BYE {
		r.dialogs.forget(callID)
	}
	r.Metrics.fast[fastResponse].Add(1)
	if err := out.conn.WriteMsg(res); err != nil {
		r.log.Warn("relay response", "status", res.StatusCode, "call_id", callID, "error", err)
	}
	return true
}

// attempts are the attempts waiting for a 2xx on the fast path, by the branch
// of their forwarded INVITE.
type attempts struct{ sync.Map }

// register is a client request option (after addVia) that lets the read
// filter hand the attempt its 2xx.
func (a *attempt) register(_ *sipgo.Client, req *sip.Request) error {
	a.branch = req.Via().Params.GetOr("branch", "")
	a.r.attempts.Store(a.branch, a)
	return nil
}

func (a *attempt) unregister() {
	if a.branch != "" {
		a.r.attempts.Delete(a.branch)
	}
}
