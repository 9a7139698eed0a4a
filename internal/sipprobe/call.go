package sipprobe

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// MaxRedirects bounds how many 3xx a test call follows.
const MaxRedirects = 5

// Hop is one INVITE of a test call and its final answer.
type Hop struct {
	Answer
	Provisional []int  `json:"provisional,omitempty"` // 1xx statuses, in order
	Contact     string `json:"contact,omitempty"`     // where a 3xx points
}

// CallResult is a test call: each hop, and the BYE's answer when it was answered.
type CallResult struct {
	Hops      []Hop         `json:"hops"`
	Answered  bool          `json:"answered"`
	Held      time.Duration `json:"held_ns,omitempty"`
	ByeStatus int           `json:"bye_status,omitempty"`
}

// Final is the last hop's answer.
func (r *CallResult) Final() *Hop { return &r.Hops[len(r.Hops)-1] }

// Call places a test call to t, the equivalent of Test-CsExUmConnectivity: an
// INVITE with an SDP offer (no media follows), following 3xx redirects (the
// Exchange 2013+ call router answers 302 toward the mailbox server); on 2xx it
// sends ACK, waits hangupAfter and sends BYE. Each hop waits c.Timeout for
// its final answer (a call that rang is cancelled then).
func Call(ctx context.Context, t Target, c Config, hangupAfter time.Duration) (*CallResult, error) {
	res := &CallResult{}
	seen := map[string]bool{}
	for {
		hop, dialog, pc, err := inviteHop(ctx, t, c)
		if hop != nil {
			res.Hops = append(res.Hops, *hop)
		}
		if err != nil {
			return res, err
		}
		switch {
		case hop.OK():
			defer pc.Close()
			return res, hangUp(ctx, dialog, c, hangupAfter, res)
		case hop.Status >= 300 && hop.Status < 400 && hop.Contact != "":
			pc.Close()
			seen[t.URI.String()] = true
			if t, err = redirectTarget(hop.Contact, seen, len(res.Hops)); err != nil {
				return res, err
			}
		default:
			pc.Close()
			return res, nil
		}
	}
}

// redirectTarget is the next hop from a 3xx Contact.
func redirectTarget(contact string, seen map[string]bool, hops int) (Target, error) {
	if hops > MaxRedirects {
		return Target{}, fmt.Errorf("more than %d redirects; last to %s", MaxRedirects, contact)
	}
	next, err := ParseTarget(contact)
	if err != nil {
		return Target{}, fmt.Errorf("redirect to %q: not a SIP URI the call can follow", contact)
	}
	if seen[next.URI.String()] {
		return Target{}, fmt.Errorf("redirect loop: back to %s", contact)
	}
	return next, nil
}

// inviteHop sends one INVITE and waits for its final answer.
func inviteHop(ctx context.Context, t Target, c Config) (*Hop, *sipgo.DialogClientSession, *probeClient, error) {
	hop := &Hop{Answer: Answer{Target: t.URI.String(), Transport: t.Transport, Address: t.Addr()}}
	pc, err := newClient(ctx, t, c)
	if err != nil {
		return nil, nil, nil, err
	}
	if err := checkTLS(ctx, t, c, &hop.Answer); err != nil {
		pc.Close()
		return hop, nil, nil, err
	}
	ua := &sipgo.DialogUA{Client: pc.client, ContactHDR: sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "umctl", Host: pc.local}}}
	req := t.request(sip.INVITE)
	setFrom(req, c, pc.local)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	req.SetBody([]byte(offer(pc.local)))
	start := time.Now()
	dialog, err := ua.WriteInvite(ctx, req)
	if err != nil {
		pc.Close()
		return hop, nil, nil, requestError(t, err)
	}
	err = waitAnswer(ctx, dialog, c.timeout(), hop)
	hop.RTT = time.Since(start)
	if err != nil {
		pc.Close()
		return hop, nil, nil, err
	}
	return hop, dialog, pc, nil
}

// waitAnswer waits for the final answer and records it in hop. At the timeout
// a call that rang is cancelled; one that got no answer at all is abandoned.
func waitAnswer(ctx context.Context, d *sipgo.DialogClientSession, timeout time.Duration, hop *Hop) error {
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var rang atomic.Bool
	timer := time.AfterFunc(timeout, func() {
		if rang.Load() {
			cancel(context.DeadlineExceeded) // sipgo sends CANCEL
		} else {
			cancel(sipgo.WaitAnswerForceCancelErr) // nothing to cancel
		}
	})
	defer timer.Stop()
	err := d.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(r *sip.Response) error {
		if r.IsProvisional() {
			hop.Provisional = append(hop.Provisional, r.StatusCode)
			rang.Store(r.StatusCode > 100)
		}
		return nil
	}})
	if r := d.InviteResponse; r != nil && !r.IsProvisional() {
		hop.Status, hop.Reason = r.StatusCode, r.Reason
		if ct := r.Contact(); ct != nil && r.StatusCode >= 300 && r.StatusCode < 400 {
			hop.Contact = ct.Address.String()
		}
	}
	var dr *sipgo.ErrDialogResponse
	if err == nil || errors.As(err, &dr) || hop.Status != 0 {
		return nil
	}
	if ctx.Err() != nil {
		return fmt.Errorf("%s: no final answer from %s over %s within %s (%s)", hop.Target, hop.Address, hop.Transport, timeout, waitedFor(hop))
	}
	return fmt.Errorf("%s: %v", hop.Target, err)
}

func waitedFor(hop *Hop) string {
	if len(hop.Provisional) == 0 {
		return "no answer at all"
	}
	s := make([]string, len(hop.Provisional))
	for i, p := range hop.Provisional {
		s[i] = fmt.Sprint(p)
	}
	return "got " + strings.Join(s, ", ") + "; cancelled"
}

// hangUp acknowledges the 2xx, holds the call for after, then sends BYE.
func hangUp(ctx context.Context, d *sipgo.DialogClientSession, c Config, after time.Duration, res *CallResult) error {
	res.Answered = true
	if err := d.Ack(ctx); err != nil {
		return fmt.Errorf("ACK: %w", err)
	}
	start := time.Now()
	select {
	case <-time.After(after):
	case <-ctx.Done():
	}
	res.Held = time.Since(start)
	bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout())
	defer cancel()
	err := d.Bye(bctx)
	var dr sipgo.ErrDialogResponse
	switch {
	case err == nil:
		res.ByeStatus = 200
	case errors.As(err, &dr):
		res.ByeStatus = dr.Res.StatusCode
	default:
		return fmt.Errorf("BYE: %w", err)
	}
	return nil
}

// offer is an SDP audio offer (G.711, DTMF events). No media is sent.
func offer(local string) string {
	ip := "IP4"
	if strings.Contains(local, ":") {
		ip = "IP6"
	}
	return fmt.Sprintf("v=0\r\no=umctl %d 1 IN %s %s\r\ns=umctl sip call\r\nc=IN %s %s\r\nt=0 0\r\n"+
		"m=audio 40000 RTP/AVP 0 8 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\na=rtpmap:101 telephone-event/8000\r\na=sendrecv\r\n",
		time.Now().Unix(), ip, local, ip, local)
}
