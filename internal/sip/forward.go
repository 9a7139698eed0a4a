// Forwarding a call to the next hops: one attempt per hop, the responses
// relayed upstream, CANCEL downstream, Timer C, late answers.

package sip

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// forward tries the hops in order, one attempt each, and relays the responses upstream.
func (r *Relay) forward(h *call, hops []Listener) {
	c := h.c
	for i, hop := range hops {
		if cancel := h.cancelledBetween(); cancel != nil { // the caller left while the last hop failed
			c.cancelReason = cancelReason(cancel)
			r.Metrics.cancel("forwarded", c.cancelReason)
			c.outcome = OutcomeCancelledFwd
			return
		}
		a, err := r.newAttempt(h, hop)
		if err != nil {
			r.log.Warn("forward", "call_id", c.callID, "hop", hop.Addr, "error", err)
			r.Metrics.um(hop.Addr, "error")
			c.failovers = i + 1
			continue
		}
		c.hop = hop.Addr
		next := a.run()
		a.done()
		if next && a.callerLeft.Load() != nil { // sipgo has answered 487: the call is over
			c.outcome = OutcomeCancelledFwd
			return
		}
		if next {
			c.failovers = i + 1
			r.Metrics.failover()
			continue
		}
		return
	}
	c.outcome, c.status = OutcomeUMDown, 503
	respond(h.req, h.tx, 503, "Service Unavailable", sip.NewHeader("Retry-After", strconv.Itoa(r.cfg.RetryAfter)))
}

// cancelledBetween returns the caller's CANCEL if it came while no attempt was reading.
func (h *call) cancelledBetween() *sip.Request {
	select {
	case cancel := <-h.cancelled:
		return cancel
	default:
		return nil
	}
}

// attempt is one try of a call at one hop: the forwarded INVITE, its client
// transaction, and what the hop and the caller have said so far.
type attempt struct {
	r           *Relay
	call        *call
	hop         Listener
	fwd         *sip.Request // the INVITE as sent to the hop
	tx          sip.ClientTransaction
	done        context.CancelFunc
	provisional bool                        // the hop has sent a provisional (other than 100)
	gotAny      bool                        // the hop has sent anything at all
	callerLeft  atomic.Pointer[sip.Request] // the caller's CANCEL, once it came
	timerC      <-chan time.Time
	// answered takes the hop's 2xx from the read filter (stream.go) when
	// both sides are TCP or TLS, before sipgo's client transaction sees it.
	answered chan *sip.Response
	branch   string // the forwarded INVITE's, while it is registered for that
}

// newAttempt sends the call's INVITE to hop in a new client transaction.
func (r *Relay) newAttempt(h *call, hop Listener) (*attempt, error) {
	fwd := h.req.Clone()
	if !h.inDialog {
		fwd.To().Params.Remove("tag") // the tag was ours, for our own responses only
	}
	r.route(fwd, hop.Addr, hop.Transport)
	ctx, cancel := context.WithCancel(context.Background())
	a := &attempt{r: r, call: h, hop: hop, fwd: fwd}
	opts := []sipgo.ClientRequestOption{addVia, decMaxForwards}
	if reliable(h.req.Transport()) && reliable(hop.Transport) {
		a.answered = make(chan *sip.Response, 1)
		opts = append(opts, a.register) // before the INVITE is sent: the 2xx may come at once
	}
	tx, err := r.client.TransactionRequest(ctx, fwd, opts...)
	if err != nil {
		a.unregister()
		cancel()
		return nil, err
	}
	a.tx = tx
	a.done = func() { a.unregister(); cancel() }
	return a, nil
}

// reliable reports whether a transport is a stream (TCP, TLS), which
// retransmits nothing itself (RFC 3261 §17.1.1.2, §17.2.1).
func reliable(transport string) bool { return !strings.EqualFold(transport, "udp") }

// run reads the hop's responses until the attempt ends. next reports that the
// hop failed before any provisional response and the next hop should be tried.
func (a *attempt) run() (next bool) {
	r, h := a.r, a.call
	first := time.NewTimer(time.Duration(r.cfg.HopTimeout))
	defer first.Stop()
	cancelled := h.cancelled
	a.tx.OnRetransmission(func(res *sip.Response) { // 2xx retransmissions reach us only here
		if res.IsSuccess() && a.callerLeft.Load() == nil {
			r.relay(h.req, h.tx, res)
			r.Metrics.retrans.Add(1)
		}
	})
	for {
		select {
		case <-first.C:
			if !a.gotAny {
				a.tx.Terminate()
				r.Metrics.um(a.hop.Addr, "timeout")
				return true
			}
		case <-a.timerC:
			r.sendCancel(a.fwd, nil, `SIP;cause=408;text="Timer C"`)
			h.c.outcome, h.c.status = OutcomeTimerC, 408
			respond(h.req, h.tx, 408, "Request Timeout")
			return false
		case cancel := <-cancelled:
			a.callerCancelled(cancel)
			cancelled = nil
		case <-a.tx.Done():
			if !a.gotAny {
				r.Metrics.um(a.hop.Addr, "error")
				return true
			}
			if a.callerLeft.Load() != nil {
				h.c.outcome = OutcomeCancelledFwd
			}
			return false
		case res, ok := <-a.tx.Responses():
			if !ok {
				return !a.gotAny
			}
			if end, next := a.response(res); end {
				return next
			}
		case res := <-a.answered: // a 2xx ends the attempt
			r.Metrics.fast[fastInvite2xx].Add(1) // here, not in the read filter: before it goes upstream
			a.tx.Terminate()
			_, next := a.response(res)
			return next
		}
	}
}

// callerCancelled takes the caller's CANCEL: passed on at once if the hop has
// sent a provisional, else as soon as it does (RFC 3261 §9.1).
func (a *attempt) callerCancelled(cancel *sip.Request) {
	a.callerLeft.Store(cancel)
	c := a.call.c
	c.cancelReason = cancelReason(cancel)
	a.r.Metrics.cancel("forwarded", c.cancelReason)
	if a.provisional {
		a.r.sendCancel(a.fwd, cancel, "")
	}
}

// response handles one response from the hop; end reports that the attempt
// is over, next that the next hop should be tried.
func (a *attempt) response(res *sip.Response) (end, next bool) {
	r, h, c := a.r, a.call, a.call.c
	if !wellFormed(res, a.fwd.Method) {
		r.logLimited("malformed response dropped", a.hop.Addr, "call_id", c.callID, "status", res.StatusCode)
		return false, false
	}
	a.gotAny = true
	code := int(res.StatusCode)
	r.Metrics.um(a.hop.Addr, fmt.Sprintf("%dxx", code/100))
	callerCancel := a.callerLeft.Load()
	switch {
	case code == 100:
	case res.IsProvisional():
		a.timerC = time.After(time.Duration(r.cfg.TimerC)) // reset by every provisional (RFC 3261 §16.7)
		if !a.provisional {
			a.provisional = true
			if callerCancel != nil { // the caller cancelled before UM said anything
				r.sendCancel(a.fwd, callerCancel, "")
				return false, false
			}
		}
		if callerCancel == nil {
			r.relay(h.req, h.tx, res)
		}
	case !a.provisional && (code == 408 || code >= 500) && callerCancel == nil:
		return true, true // fail over: UM refused before it started on the call
	case res.IsSuccess() && callerCancel != nil:
		r.ackAndBye(a.fwd, res) // UM answered after the caller left
		c.outcome, c.status = OutcomeLateAnswer, code
		r.Metrics.late.Add(1)
		return true, false
	default:
		c.status = code
		switch {
		case callerCancel != nil:
			c.outcome = OutcomeCancelledFwd
		case res.IsSuccess():
			c.outcome = OutcomeAnswered
			// Before the 2xx goes upstream: the caller's ACK may be back at once.
			// (Not for a late answer: the relay ends that dialog itself.)
			r.dialogs.remember(c.callID, h.dialogHop(a.hop), h.req.CSeq().SeqNo, legsOf(h.tx, h.req.Transport(), a.tx, a.hop.Transport))
		default:
			c.outcome = OutcomeRejected
		}
		if callerCancel == nil {
			r.relay(h.req, h.tx, res)
		}
		return true, false
	}
	return false, false
}

// relay sends a downstream response upstream: our Via popped, addressed to the caller.
// Provisional and 2xx responses are changed in place (nothing else reads them
// afterwards); a non-2xx final to an INVITE is copied, since sipgo's client
// transaction reads it again to ACK retransmissions.
//
// A 2xx to an INVITE that came over TCP or TLS ends the server transaction:
// it is written on the caller's connection and the transaction terminated,
// where sipgo would keep it 32 s in RFC 6026's Accepted state (Timer L), to
// absorb retransmitted INVITEs that a stream transport never carries (RFC
// 3261 §17.1.1.2; the relay absorbs a stray copy itself, call.go). The ACK
// to a 2xx is end-to-end and never belonged to the transaction.
func (r *Relay) relay(req *sip.Request, tx sip.ServerTransaction, res *sip.Response) {
	up := res
	if req.IsInvite() && res.StatusCode >= 300 {
		up = res.Clone()
	}
	up.RemoveHeader("Via")
	up.SetDestination(req.Source())
	if c := connOf(tx); c != nil && req.IsInvite() && res.IsSuccess() {
		tx.Terminate() // first: the caller's ACK may be back before Terminate returns
		if err := c.WriteMsg(up); err != nil {
			r.log.Warn("relay response", "status", res.StatusCode, "call_id", headerValue(req, "Call-ID"), "error", err)
		}
		return
	}
	_ = tx.Respond(up)
}

// sendCancel cancels the forwarded INVITE: same Request-URI, From, To, Call-ID,
// CSeq number and the forwarded INVITE's own top Via, to the same destination,
// carrying the caller's Reason headers (RFC 3326), or reason when the relay
// itself gives up (Timer C).
func (r *Relay) sendCancel(fwd *sip.Request, callerCancel *sip.Request, reason string) {
	cancel := sip.NewRequest(sip.CANCEL, fwd.Recipient)
	cancel.AppendHeader(sip.HeaderClone(fwd.Via()))
	cancel.AppendHeader(sip.HeaderClone(fwd.From()))
	cancel.AppendHeader(sip.HeaderClone(fwd.To()))
	cancel.AppendHeader(sip.HeaderClone(fwd.CallID()))
	cancel.AppendHeader(&sip.CSeqHeader{SeqNo: fwd.CSeq().SeqNo, MethodName: sip.CANCEL})
	cancel.AppendHeader(sip.NewHeader("Max-Forwards", "70"))
	sip.CopyHeaders("Route", fwd, cancel)
	if callerCancel != nil {
		for _, h := range callerCancel.GetHeaders("Reason") {
			cancel.AppendHeader(sip.HeaderClone(h))
		}
	}
	if reason != "" {
		cancel.AppendHeader(sip.NewHeader("Reason", reason))
	}
	cancel.SetDestination(fwd.Destination())
	cancel.SetTransport(fwd.Transport())
	cancel.Laddr = fwd.Laddr
	ctx, done := context.WithTimeout(context.Background(), 32*time.Second)
	go func() {
		defer done()
		_, _ = r.client.Do(ctx, cancel)
	}()
}

// ackAndBye ends a dialog UM answered after the caller had cancelled.
func (r *Relay) ackAndBye(fwd *sip.Request, res *sip.Response) {
	target := fwd.Recipient
	if ct := res.Contact(); ct != nil {
		target = ct.Address
	}
	mk := func(m sip.RequestMethod, seq uint32) *sip.Request {
		q := sip.NewRequest(m, target)
		q.AppendHeader(sip.HeaderClone(fwd.From()))
		q.AppendHeader(sip.HeaderClone(res.To()))
		q.AppendHeader(sip.HeaderClone(fwd.CallID()))
		q.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: m})
		q.AppendHeader(sip.NewHeader("Max-Forwards", "70"))
		q.SetDestination(fwd.Destination())
		q.SetTransport(fwd.Transport())
		q.Laddr = fwd.Laddr
		return q
	}
	_ = r.client.WriteRequest(mk(sip.ACK, fwd.CSeq().SeqNo), sipgo.ClientRequestAddVia)
	ctx, done := context.WithTimeout(context.Background(), 32*time.Second)
	go func() {
		defer done()
		_, _ = r.client.Do(ctx, mk(sip.BYE, fwd.CSeq().SeqNo+1), sipgo.ClientRequestAddVia)
	}()
}
