// A call: the INVITE the relay is handling, its hold state machine (held on a
// timer, taken exactly once by the timer, a drain or the caller's CANCEL), the
// decision to hold, forward or reject, and the one log line per call.

package sip

import (
	"context"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/umctl/umctl/internal/routing"
)

// Outcomes of a call, for the log line and the metrics.
const (
	OutcomeAnswered      = "answered"
	OutcomeRejected      = "rejected"
	OutcomeCancelledHold = "cancelled_in_hold"
	OutcomeCancelledFwd  = "cancelled_fwd"
	OutcomeLateAnswer    = "late_answer"
	OutcomeUMDown        = "um_down"
	OutcomeTimerC        = "timer_c"
	OutcomeRedirected    = "redirected"
	OutcomeUnknownNumber = "unknown_number" // unknown_numbers: reject answered 404
)

// callLog is the one structured line logged per call.
type callLog struct {
	callID, from, target, targetUser, targetSource, presence, decision, outcome, cancelReason, hop string
	hold, setup                                                                                    time.Duration
	failovers, status                                                                              int
}

func (r *Relay) logCall(c *callLog) {
	r.Metrics.call(c.outcome)
	r.log.Info("call", "call_id", c.callID, "from", c.from, "target", c.target, "target_user", c.targetUser, "target_source", c.targetSource,
		"presence", c.presence, "decision", c.decision, "hold_ms", c.hold.Milliseconds(), "outcome", c.outcome,
		"cancel_reason", c.cancelReason, "hop", c.hop, "failovers", c.failovers, "final_status", c.status, "setup_ms", c.setup.Milliseconds())
}

// Call states: a held call is taken exactly once, by the timer (or a drain)
// or by the caller's CANCEL.
const (
	stateHolding int32 = iota
	stateTaken
)

// call is one INVITE the relay handles, from its arrival to its final
// response. While held it is only a timer and the transaction, no goroutine;
// state says who took it (stateHolding until the timer, a drain or the
// caller's CANCEL takes it, once).
type call struct {
	req       *sip.Request
	tx        *sip.ServerTx
	c         *callLog
	target    routing.Target
	start, t0 time.Time
	timer     *time.Timer
	state     atomic.Int32
	cancelled chan *sip.Request
	fromUM    bool // an INVITE from Exchange UM: straight upstream, never held
	unknown   bool // unknown_numbers: reject, and the target is a number no table maps
	inDialog  bool // a re-INVITE (To-tag): to the dialog's hop, never held
}

func (r *Relay) onInvite(req *sip.Request, tx *sip.ServerTx) {
	if r.answeredAlready(req) {
		tx.Terminate()
		return
	}
	h := &call{req: req, tx: tx, start: time.Now(), cancelled: make(chan *sip.Request, 1),
		c: &callLog{callID: req.CallID().Value(), from: req.From().Address.String()}}
	// 100 Trying at once: over UDP it stops the caller's retransmissions
	// early. Over TCP and TLS it stops sipgo's 200 ms timer (RFC 3261
	// §17.2.1) before the To-tag below is added to the request: that timer
	// builds its own 100 from the request on a goroutine of its own, with
	// nothing ordering its read after this write (the race detector caught
	// it for held calls).
	respond(req, tx, 100, "Trying")
	// One To-tag for every response this relay makes itself (sipgo would mint a new one each time).
	if _, h.inDialog = req.To().Params.Get("tag"); !h.inDialog {
		req.To().Params.Add("tag", newTag())
	}
	registered := tx.OnCancel(func(cancel *sip.Request) { // under the transaction's lock: only signal
		select {
		case h.cancelled <- cancel:
		default:
		}
		r.heldMu.Lock()
		won := h.state.CompareAndSwap(stateHolding, stateTaken)
		timer := h.timer
		r.heldMu.Unlock()
		if won && timer != nil { // held: stop the hold; before that, onInvite takes it
			timer.Stop()
			go r.safely("cancel in hold", func() { r.cancelledInHold(h, cancel) })
		}
	})
	if !registered { // the CANCEL beat us to it; sipgo has answered 200 and 487
		h.state.Store(stateTaken)
		h.c.outcome, h.c.cancelReason = OutcomeCancelledHold, "unknown"
		r.finish(h)
		return
	}

	if h.fromUM = r.fromUM(req); h.fromUM {
		h.c.decision = "upstream"
	} else if h.inDialog {
		h.c.decision = "in-dialog"
	} else if hold, ringing := r.decide(h); hold > 0 {
		if ringing {
			respond(req, tx, 180, "Ringing")
		}
		r.heldMu.Lock()
		armed := h.state.Load() == stateHolding
		if armed {
			r.held[h] = struct{}{}
			r.Metrics.held.Add(1)
			h.t0 = time.Now()
			h.timer = time.AfterFunc(hold, func() { r.safely("release", func() { r.release(h) }) })
		}
		r.heldMu.Unlock()
		if !armed {
			r.cancelledInHold(h, <-h.cancelled)
		}
		return
	}
	if !h.state.CompareAndSwap(stateHolding, stateTaken) { // cancelled while presence was looked up
		r.cancelledInHold(h, <-h.cancelled)
		return
	}
	r.proceed(h)
}

// answeredAlready reports whether an INVITE (no To-tag) repeats one the relay
// has forwarded and got a 2xx for: the same Call-ID and CSeq number. On UDP
// sipgo's server transaction absorbs such a retransmission in its Accepted
// state (RFC 6026 §7.1); over TCP and TLS that transaction ends with the 2xx
// (relay, forward.go), so a copy arriving later (a peer that retransmits on a
// stream, RFC 3261 §17.1.1.2 says it must not) is absorbed here, instead of
// reaching UM again as a new call.
func (r *Relay) answeredAlready(req *sip.Request) bool {
	if _, tagged := req.To().Params.Get("tag"); tagged {
		return false
	}
	e, ok := r.dialogs.lookup(req.CallID().Value())
	return ok && e.cseq == req.CSeq().SeqNo
}

// decide finds the call's target, its presence and the policy's answer, and
// returns how long to hold (0: forward now) and whether to ring meanwhile.
func (r *Relay) decide(h *call) (time.Duration, bool) {
	c, ru := h.c, r.rules.Load()
	target, err := routing.ExtractTarget(ru.headers, headerValues(h.req), h.req.Recipient.String())
	d := routing.Decision{State: routing.Unknown, Hold: ru.policy.Hold, Reason: "no target: " + fmt.Sprint(err)}
	if err == nil {
		resolvers := routing.Resolvers{ru.numbers}
		if r.directory != nil {
			resolvers = append(resolvers, r.directory)
		}
		target = routing.WithUser(target, resolvers)
		if h.unknown = ru.rejectUnknown && target.User == "" && routing.NormalizeNumber(target.Key) != ""; h.unknown {
			h.target = target
			c.target, c.targetSource, c.decision = target.Key, target.Source, "reject (unknown number)"
			return 0, false
		}
		d = ru.policy.Decide(context.Background(), r.presenceSource(ru), target)
	}
	h.target = target
	c.target, c.targetUser, c.targetSource, c.presence = target.Key, target.User, target.Source, string(d.State)
	c.decision = "forward"
	switch {
	case d.Hold <= 0:
		return 0, false
	case r.isDraining():
		c.decision = "forward (stopping)"
		return 0, false
	case r.Metrics.held.Load() >= int64(r.cfg.MaxHeld):
		c.decision = "forward (max_held reached)"
		return 0, false
	}
	c.decision = "hold"
	return d.Hold, ru.ringing
}

// release ends a hold (timer or drain) and sends the call on.
func (r *Relay) release(h *call) {
	if !h.state.CompareAndSwap(stateHolding, stateTaken) {
		return
	}
	r.unhold(h)
	r.proceed(h)
}

func (r *Relay) unhold(h *call) {
	r.heldMu.Lock()
	_, was := r.held[h]
	delete(r.held, h)
	r.heldMu.Unlock()
	if was {
		r.Metrics.held.Add(-1)
		h.c.hold = time.Since(h.t0)
	}
}

// cancelledInHold ends a call the caller (or the mobile) cancelled during the
// hold: sipgo has answered 200 to the CANCEL and 487 to the INVITE.
func (r *Relay) cancelledInHold(h *call, cancel *sip.Request) {
	r.unhold(h)
	c := h.c
	c.outcome, c.cancelReason = OutcomeCancelledHold, cancelReason(cancel)
	r.Metrics.cancel("hold", c.cancelReason)
	if !isElsewhere(c.cancelReason) {
		r.notifier.MissedCall(MissedCall{CallID: c.callID, From: c.from, Target: h.target.Key, TargetURI: h.target.URI, User: h.target.User,
			Subject: headerValue(h.req, "Subject"), Priority: headerValue(h.req, "Priority"), MissedReason: "CallerReleased", Held: c.hold, At: time.Now()})
	}
	r.finish(h)
}

// proceed forwards (or redirects) a call whose hold is over.
func (r *Relay) proceed(h *call) {
	defer r.finish(h)
	if h.unknown { // DID sharing: the gateway routes the call on to the other PBX
		warning := sip.NewHeader("Warning", fmt.Sprintf(`399 %s "Unassigned number %s: in neither numbers: nor the directory"`, hostOf(r.self("udp").Addr), h.target.Key))
		respond(h.req, h.tx, 404, "Not Found", warning)
		h.c.outcome, h.c.status = OutcomeUnknownNumber, 404
		return
	}
	if h.inDialog {
		r.forward(h, []Listener{r.inDialogHop(h.req)})
		return
	}
	if r.cfg.Mode == "redirect" {
		hop := r.order()[0] // the first hop that is up
		contact := &sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: h.req.Recipient.User, Host: hostOf(hop.Addr), Port: portOf(hop.Addr),
			UriParams: sip.HeaderParams{{K: "transport", V: hop.Transport}}}}
		respond(h.req, h.tx, 302, "Moved Temporarily", contact)
		h.c.outcome, h.c.status = OutcomeRedirected, 302
		return
	}
	if !h.fromUM {
		r.forward(h, r.order())
		return
	}
	r.forward(h, r.upstream)
}

// dialogHop is where the other side's in-dialog requests go once hop has
// answered: that hop, or for a call from UM (position B) back to UM.
func (h *call) dialogHop(hop Listener) Listener {
	if h.fromUM {
		return Listener{Transport: strings.ToLower(h.req.Transport()), Addr: h.req.Source()}
	}
	return hop
}

// finish logs the call and releases its transaction.
func (r *Relay) finish(h *call) {
	h.c.setup = time.Since(h.start)
	r.logCall(h.c)
	h.tx.TerminateGracefully()
}
