package sip

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
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

// Relay holds and forwards INVITEs to Exchange UM.
type Relay struct {
	cfg      *Config
	rules    atomic.Pointer[rules] // swapped by Reload (SIGHUP)
	listen   []Listener            // cfg.Listen, parsed
	hops     []Listener
	upstream []Listener   // position B: where requests from Exchange UM go
	umNets   []*net.IPNet // the sources that count as Exchange UM
	log      *slog.Logger
	notifier Notifier
	um       *umInfo // notify.um_info: the Lync-style INFO to Exchange UM

	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	client *sipgo.Client

	directory routing.Resolver // the AD number → user lookup, if enabled
	down      sync.Map         // hop address → true while OPTIONS pings fail
	udpLaddr  sip.Addr         // send UDP from the listening socket (else sipgo opens one per request)
	udpConn   net.PacketConn   // that socket, for stateless forwarding
	parser    *sip.Parser
	dialogs   sync.Map // Call-ID → dialogEntry: the hop that answered (in-dialog routing)
	draining  chan struct{}
	heldMu    sync.Mutex
	held      map[*heldCall]struct{} // for Drain
	drainOne  sync.Once
	panicked  atomic.Bool // the first recovered panic's stack is logged, later ones are not
	limit     *limiter    // rate-limited logs of bad input, per source
	Metrics   *Metrics
}

// rules are what a reload can change: the hold policy, presence and target headers.
type rules struct {
	policy   routing.Policy
	presence routing.Source
	headers  []string
	ringing  bool
	numbers  routing.StaticResolver
	// rejectUnknown: unknown_numbers: reject (a number neither numbers: nor directory: maps gets 404)
	rejectUnknown bool
}

func newRules(cfg *Config) (*rules, error) {
	policy, src, err := cfg.Policy()
	if err != nil {
		return nil, err
	}
	numbers, _ := routing.NewStaticResolver(cfg.Numbers)
	return &rules{policy: policy, presence: src, headers: cfg.TargetHeaders, ringing: *cfg.Ringing, numbers: numbers, rejectUnknown: cfg.UnknownNumbers == "reject"}, nil
}

// Reload takes the policy, presence source and target headers of a new config;
// listeners and next hops need a restart.
func (r *Relay) Reload(cfg *Config) error {
	ru, err := newRules(cfg)
	if err != nil {
		return err
	}
	r.rules.Store(ru)
	return nil
}

// New builds a relay from a checked config.
func New(cfg *Config, log *slog.Logger, n Notifier) (*Relay, error) {
	ru, err := newRules(cfg)
	if err != nil {
		return nil, err
	}
	r := &Relay{cfg: cfg, log: log, notifier: n, draining: make(chan struct{}), held: map[*heldCall]struct{}{}, Metrics: NewMetrics(), limit: newLimiter()}
	r.rules.Store(ru)
	if cfg.Notify.UMInfo {
		r.um = newUMInfo(r)
		r.notifier = Notifiers{n, r.um}
	}
	for _, l := range cfg.Listen {
		ln, _ := ParseListen(l)
		r.listen = append(r.listen, ln)
	}
	for _, h := range cfg.NextHops {
		hop, _ := ParseHop(h)
		r.hops = append(r.hops, hop)
	}
	for _, h := range cfg.Upstream.Hops {
		hop, _ := ParseHop(h)
		r.upstream = append(r.upstream, hop)
	}
	if len(r.upstream) > 0 {
		if r.umNets, err = cfg.Upstream.Sources(cfg.NextHops); err != nil {
			return nil, err
		}
	}
	r.Metrics.hopUp = func() []hopState {
		var out []hopState
		for _, h := range r.hops {
			_, d := r.down.Load(h.Addr)
			out = append(out, hopState{h.Addr, !d})
		}
		return out
	}
	clientTLS, err := cfg.TLS.ClientConfig()
	if err != nil {
		return nil, err
	}
	r.parser = sip.NewParser()
	sipLog := slog.New(&sipgoLog{next: log.Handler(), limit: r.limit, m: r.Metrics})
	if r.ua, err = sipgo.NewUA(sipgo.WithUserAgent("umctl-relay"), sipgo.WithUserAgenTLSConfig(clientTLS), sipgo.WithUserAgentParser(r.parser),
		sipgo.WithUserAgentTransportLayerOptions(sip.WithTransportLayerReadFilter(r.readFilter), sip.WithTransportLayerLogger(sipLog)),
		sipgo.WithUserAgentTransactionLayerOptions(sip.WithTransactionLayerUnhandledResponseHandler(r.onStrayResponse), sip.WithTransactionLayerLogger(sipLog))); err != nil {
		return nil, err
	}
	if r.srv, err = sipgo.NewServer(r.ua); err != nil {
		return nil, err
	}
	first := r.listen[0]
	if r.client, err = sipgo.NewClient(r.ua, sipgo.WithClientHostname(hostOf(first.Addr)), sipgo.WithClientPort(portOf(first.Addr)),
		sipgo.WithClientConnectionAddr(first.Addr)); err != nil {
		return nil, err
	}
	if ln := r.self("udp"); ln.Transport == "udp" {
		r.udpLaddr = sip.Addr{IP: net.ParseIP(hostOf(ln.Addr)), Port: portOf(ln.Addr)}
	}
	r.ua.TransactionLayer().OnRequest(r.onRequest)
	return r, nil
}

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

// UseDirectory adds a number → user lookup (AD msRTCSIP-Line) after the static table.
func (r *Relay) UseDirectory(res routing.Resolver) { r.directory = res }

// Close releases the transports.
func (r *Relay) Close() error {
	r.client.Close()
	r.srv.Close()
	return r.ua.Close()
}

// Serve listens on the configured addresses until ctx ends. ready, if set, is
// called once every listener is up.
func (r *Relay) Serve(ctx context.Context, tlsConf TLSFiles, ready func()) error {
	go r.sweepDialogs(ctx)
	if r.um != nil {
		go r.um.run(ctx)
	}
	for _, h := range r.hops {
		go r.checkHop(ctx, h)
	}
	errc := make(chan error, len(r.listen))
	var wg sync.WaitGroup
	for _, ln := range r.listen {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var err error
			switch ln.Transport {
			case "tls":
				conf, cerr := tlsConf.ServerConfig()
				if cerr != nil {
					errc <- cerr
					return
				}
				var l net.Listener
				if l, err = r.listenTCP(ctx, ln.Addr); err == nil {
					err = r.srv.ServeTLS(r.timed(tls.NewListener(l, conf)))
				}
			case "tcp":
				var l net.Listener
				if l, err = r.listenTCP(ctx, ln.Addr); err == nil {
					err = r.srv.ServeTCP(r.timed(l))
				}
			case "udp":
				var pc net.PacketConn
				if pc, err = net.ListenPacket("udp", ln.Addr); err == nil {
					if uc, ok := pc.(*net.UDPConn); ok {
						_ = uc.SetReadBuffer(4 << 20) // the default drops datagrams under load
					}
					go func() { <-ctx.Done(); pc.Close() }()
					if ln == r.self("udp") {
						r.udpConn = pc
					}
					// One reader per CPU: sipgo parses in its read loop, and a single
					// loop falls behind under load, the socket overflows and UM's
					// answers are lost (then the call fails over or gets 503).
					for range runtime.GOMAXPROCS(0) - 1 {
						go func() { _ = r.srv.ServeUDP(pc) }()
					}
					err = r.srv.ServeUDP(pc)
				}
			}
			if err != nil && ctx.Err() == nil {
				errc <- fmt.Errorf("listen %s://%s: %w", ln.Transport, ln.Addr, err)
			}
		}()
	}
	if ready != nil {
		go func() {
			for _, ln := range r.listen {
				waitListening(ctx, ln)
			}
			ready()
		}()
	}
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
		wg.Wait()
		return nil
	}
}

// listenTCP listens on addr until ctx ends.
func (r *Relay) listenTCP(ctx context.Context, addr string) (net.Listener, error) {
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, err
	}
	go func() { <-ctx.Done(); l.Close() }()
	return l, nil
}

// timed gives each accepted connection the idle and message timeouts (conn.go).
func (r *Relay) timed(l net.Listener) net.Listener {
	return timedListener{Listener: l, idle: time.Duration(r.cfg.TCPIdleTimeout), message: time.Duration(r.cfg.TCPMessageTimeout)}
}

func waitListening(ctx context.Context, ln Listener) {
	for ctx.Err() == nil {
		if ln.Transport == "udp" {
			time.Sleep(50 * time.Millisecond) // no way to probe UDP; give the socket a moment
			return
		}
		if c, err := net.DialTimeout("tcp", ln.Addr, 100*time.Millisecond); err == nil {
			c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func newTag() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

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

func headerValues(req *sip.Request) routing.Headers {
	return func(name string) []string {
		var out []string
		for _, h := range req.GetHeaders(name) {
			out = append(out, h.Value())
		}
		return out
	}
}

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

// Call states: a held call is taken exactly once, by the timer (or a drain)
// or by the caller's CANCEL.
const (
	stateHolding int32 = iota
	stateTaken
)

// heldCall is a call waiting out its hold: a timer and the transaction, no goroutine.
type heldCall struct {
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
	h := &heldCall{req: req, tx: tx, start: time.Now(), cancelled: make(chan *sip.Request, 1),
		c: &callLog{callID: req.CallID().Value(), from: req.From().Address.String()}}
	// One To-tag for every response this relay makes itself (sipgo would mint a new one each time).
	if _, h.inDialog = req.To().Params.Get("tag"); !h.inDialog {
		req.To().Params.Add("tag", newTag())
	}
	respond(req, tx, 100, "Trying")
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

// decide finds the call's target, its presence and the policy's answer, and
// returns how long to hold (0: forward now) and whether to ring meanwhile.
func (r *Relay) decide(h *heldCall) (time.Duration, bool) {
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
		d = ru.policy.Decide(context.Background(), ru.presence, target)
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
func (r *Relay) release(h *heldCall) {
	if !h.state.CompareAndSwap(stateHolding, stateTaken) {
		return
	}
	r.unhold(h)
	r.proceed(h)
}

func (r *Relay) unhold(h *heldCall) {
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
func (r *Relay) cancelledInHold(h *heldCall, cancel *sip.Request) {
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
func (r *Relay) proceed(h *heldCall) {
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
	if h.c.outcome == OutcomeAnswered { // the callee's in-dialog requests go back to UM
		r.dialogs.Store(h.c.callID, dialogEntry{hop: Listener{Transport: strings.ToLower(h.req.Transport()), Addr: h.req.Source()}, cseq: h.req.CSeq().SeqNo, at: time.Now()})
	}
}

// finish logs the call and releases its transaction.
func (r *Relay) finish(h *heldCall) {
	h.c.setup = time.Since(h.start)
	r.logCall(h.c)
	h.tx.TerminateGracefully()
}

// Drain sends every held call on to UM at once (SIGTERM); new calls are no longer held.
func (r *Relay) Drain() {
	r.drainOne.Do(func() { close(r.draining) })
	r.heldMu.Lock()
	var all []*heldCall
	for h := range r.held {
		all = append(all, h)
	}
	r.heldMu.Unlock()
	for _, h := range all {
		if h.timer.Stop() {
			go r.safely("drain", func() { r.release(h) })
		}
	}
}

func (r *Relay) isDraining() bool {
	select {
	case <-r.draining:
		return true
	default:
		return false
	}
}

func respond(req *sip.Request, tx sip.ServerTransaction, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res)
}

// route addresses a request to a hop; UDP goes out of the listening socket.
func (r *Relay) route(req *sip.Request, addr, transport string) {
	req.SetDestination(addr)
	req.SetTransport(strings.ToUpper(transport))
	if transport == "udp" && r.udpLaddr.IP != nil {
		req.Laddr = r.udpLaddr
	}
}

func hostOf(addr string) string { h, _, _ := net.SplitHostPort(addr); return h }
func portOf(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

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

// headerValue is the first value of a header in a request or response, or "".
func headerValue(m interface{ GetHeader(string) sip.Header }, name string) string {
	if h := m.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
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
		defer r.dialogs.Delete(req.CallID().Value())
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

// Held reports the number of calls on hold now.
func (r *Relay) Held() int64 { return r.Metrics.held.Load() }
