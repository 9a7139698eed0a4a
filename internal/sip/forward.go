// Forwarding a call to the next hops: one attempt per hop, the responses
// relayed upstream, CANCEL downstream, Timer C, late answers.

package sip

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// forward tries the hops in order and relays the responses upstream.
func (r *Relay) forward(h *heldCall, hops []Listener) {
	req, tx, c := h.req, h.tx, h.c
	for i, hop := range hops {
		fwd := req.Clone()
		if !h.inDialog {
			fwd.To().Params.Remove("tag") // the tag was ours, for our own responses only
		}
		r.route(fwd, hop.Addr, hop.Transport)
		ctx, cancelCtx := context.WithCancel(context.Background())
		clTx, err := r.client.TransactionRequest(ctx, fwd, addVia, decMaxForwards)
		if err != nil {
			cancelCtx()
			r.log.Warn("forward", "call_id", c.callID, "hop", hop.Addr, "error", err)
			r.Metrics.um(hop.Addr, "error")
			c.failovers = i + 1
			continue
		}
		c.hop = hop.Addr
		next := r.await(req, tx, fwd, clTx, hop, c, h.cancelled)
		cancelCtx()
		if next {
			c.failovers = i + 1
			r.Metrics.failover()
			continue
		}
		if c.outcome == OutcomeAnswered { // not a late answer: the relay has ended that dialog itself
			r.dialogs.Store(c.callID, dialogEntry{hop: hop, cseq: req.CSeq().SeqNo, at: time.Now()})
		}
		return
	}
	c.outcome, c.status = OutcomeUMDown, 503
	respond(req, tx, 503, "Service Unavailable", sip.NewHeader("Retry-After", strconv.Itoa(r.cfg.RetryAfter)))
}

// await reads one hop's responses. next reports that the hop failed before any
// provisional response and the next hop should be tried.
func (r *Relay) await(req *sip.Request, tx sip.ServerTransaction, fwd *sip.Request, clTx sip.ClientTransaction, hop Listener,
	c *callLog, cancelled chan *sip.Request) (next bool) {
	first := time.NewTimer(time.Duration(r.cfg.HopTimeout))
	defer first.Stop()
	var timerC <-chan time.Time
	provisional, gotAny := false, false
	var callerCancel *sip.Request
	clTx.OnRetransmission(func(res *sip.Response) { // 2xx retransmissions reach us only here
		if res.IsSuccess() && callerCancel == nil {
			r.relay(req, tx, res)
			r.Metrics.retrans.Add(1)
		}
	})
	for {
		select {
		case <-first.C:
			if !gotAny {
				clTx.Terminate()
				r.Metrics.um(hop.Addr, "timeout")
				return true
			}
		case <-timerC:
			r.sendCancel(fwd, nil, `SIP;cause=408;text="Timer C"`)
			c.outcome, c.status = OutcomeTimerC, 408
			respond(req, tx, 408, "Request Timeout")
			return false
		case cancel := <-cancelled:
			callerCancel = cancel
			c.cancelReason = cancelReason(cancel)
			r.Metrics.cancel("forwarded", c.cancelReason)
			if provisional {
				r.sendCancel(fwd, cancel, "")
			}
			cancelled = nil
		case <-clTx.Done():
			if !gotAny {
				r.Metrics.um(hop.Addr, "error")
				return true
			}
			if callerCancel != nil {
				c.outcome = OutcomeCancelledFwd
			}
			return false
		case res, ok := <-clTx.Responses():
			if !ok {
				return !gotAny
			}
			if !wellFormed(res, fwd.Method) {
				r.logLimited("malformed response dropped", hop.Addr, "call_id", c.callID, "status", res.StatusCode)
				continue
			}
			gotAny = true
			code := int(res.StatusCode)
			r.Metrics.um(hop.Addr, fmt.Sprintf("%dxx", code/100))
			switch {
			case code == 100:
				continue
			case res.IsProvisional():
				timerC = time.After(time.Duration(r.cfg.TimerC)) // reset by every provisional (RFC 3261 §16.7)
				if !provisional {
					provisional = true
					if callerCancel != nil { // the caller cancelled before UM said anything
						r.sendCancel(fwd, callerCancel, "")
						continue
					}
				}
				if callerCancel == nil {
					r.relay(req, tx, res)
				}
			case !provisional && (code == 408 || code >= 500) && callerCancel == nil:
				return true // fail over: UM refused before it started on the call
			case res.IsSuccess() && callerCancel != nil:
				r.ackAndBye(fwd, res) // UM answered after the caller left
				c.outcome, c.status = OutcomeLateAnswer, code
				r.Metrics.late.Add(1)
				return false
			default:
				c.status = code
				switch {
				case callerCancel != nil:
					c.outcome = OutcomeCancelledFwd
				case res.IsSuccess():
					c.outcome = OutcomeAnswered
				default:
					c.outcome = OutcomeRejected
				}
				if callerCancel == nil {
					r.relay(req, tx, res)
				}
				return false
			}
		}
	}
}

// relay sends a downstream response upstream: our Via popped, addressed to the caller.
// Provisional and 2xx responses are changed in place (nothing else reads them
// afterwards); a non-2xx final to an INVITE is copied, since sipgo's client
// transaction reads it again to ACK retransmissions.
func (r *Relay) relay(req *sip.Request, tx sip.ServerTransaction, res *sip.Response) {
	up := res
	if req.IsInvite() && res.StatusCode >= 300 {
		up = res.Clone()
	}
	up.RemoveHeader("Via")
	up.SetDestination(req.Source())
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
