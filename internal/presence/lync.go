package presence

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/umctl/umctl/internal/routing"
)

// LyncConfig is how the relay subscribes to Lync / Skype for Business Server
// presence as a trusted application.
type LyncConfig struct {
	Servers    []string      // tls://pool01.contoso.com:5061 (tcp:// only to loopback, for tests)
	Subscriber string        // sip:umctl-relay@contoso.com: From and To of the batched SUBSCRIBEs
	Batch      int           // at most this many users per subscription
	Expires    time.Duration // asked for in each SUBSCRIBE (the server may grant less)
	Confirm    time.Duration // refresh at least this often: a live subscription confirms its users' states
	TLS        *tls.Config   // the relay's certificate (mutual TLS) and the CA that issued the pool's
	Parser     Parser
	Log        *slog.Logger
	Rescan     time.Duration // how often the watched set is compared with the subscriptions
}

// Lync keeps batched [MS-PRES] subscriptions to the `state` category of every
// watched user and writes what the NOTIFYs and BENOTIFYs say into the cache.
type Lync struct {
	cfg    LyncConfig
	cache  *routing.Cache
	feed   *routing.Feed
	ua     *sipgo.UserAgent
	client *sipgo.Client
	srv    *sipgo.Server
	subURI sip.Uri
	mu     sync.Mutex
	subs   map[string]*subscription // by Call-ID
}

// ParseServer reads tls://host:port, or tcp://host:port for a loopback host.
func ParseServer(s string) (transport, addr string, err error) {
	u, perr := url.Parse(s)
	if perr != nil || u.Hostname() == "" || u.Port() == "" || (u.Scheme != "tls" && u.Scheme != "tcp") {
		return "", "", fmt.Errorf("presence.lync.servers %q: expected tls://host:port, e.g. tls://pool01.contoso.com:5061", s)
	}
	if u.Scheme == "tcp" && !isLoopback(u.Hostname()) {
		return "", "", fmt.Errorf("presence.lync.servers %q: Lync pools accept a trusted application over mutual TLS only; tcp:// is allowed for loopback (tests) only", s)
	}
	return u.Scheme, u.Host, nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || (ip != nil && ip.IsLoopback())
}

// NewLync prepares the subscriber; Run starts it.
func NewLync(cfg LyncConfig, cache *routing.Cache) (*Lync, error) {
	var uri sip.Uri
	if err := sip.ParseUri(cfg.Subscriber, &uri); err != nil || uri.User == "" || uri.Host == "" {
		return nil, fmt.Errorf("presence.lync.subscriber %q: expected a SIP URI such as sip:umctl-relay@contoso.com", cfg.Subscriber)
	}
	for _, s := range cfg.Servers {
		if _, _, err := ParseServer(s); err != nil {
			return nil, err
		}
	}
	if len(cfg.Servers) == 0 {
		return nil, fmt.Errorf("presence.lync.servers: at least one pool is required, e.g. tls://pool01.contoso.com:5061")
	}
	if cfg.Batch <= 0 {
		cfg.Batch = 500
	}
	if cfg.Expires <= 0 {
		cfg.Expires = time.Hour
	}
	if cfg.Rescan <= 0 {
		cfg.Rescan = 30 * time.Second
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	if cfg.TLS == nil {
		cfg.TLS = &tls.Config{MinVersion: tls.VersionTLS12}
	}
	l := &Lync{cfg: cfg, cache: cache, feed: cache.Feed("lync", true), subURI: uri, subs: map[string]*subscription{}}
	var err error
	// A batched NOTIFY for 500 users is about 300 KiB: far above sipgo's
	// default 64 KiB message limit, which drops the connection. Allow a body
	// up to MaxBody (and larger ones reach Parse, which counts them).
	parser := sip.NewParser()
	parser.MaxMessageLength = MaxBody + 128<<10
	if l.ua, err = sipgo.NewUA(sipgo.WithUserAgent("umctl-relay"), sipgo.WithUserAgentParser(parser), sipgo.WithUserAgenTLSConfig(cfg.TLS)); err != nil {
		return nil, err
	}
	if l.srv, err = sipgo.NewServer(l.ua); err != nil {
		return nil, err
	}
	if l.client, err = sipgo.NewClient(l.ua); err != nil {
		return nil, err
	}
	l.srv.OnNotify(l.onNotify)
	l.srv.OnRequest("BENOTIFY", l.onNotify)
	return l, nil
}

// Feed is the cache handle the subscriber writes through (its counters are the metrics).
func (l *Lync) Feed() *routing.Feed { return l.feed }

// Run subscribes every watched SIP URI in batches and keeps the subscriptions
// until ctx ends; when the watched set changes, only the batches whose
// members changed are subscribed again.
func (l *Lync) Run(ctx context.Context) {
	defer l.ua.Close()
	var wg sync.WaitGroup
	defer wg.Wait()
	bs := &batchSet{size: l.cfg.Batch}
	running := map[int]context.CancelFunc{}
	apply := func(changed []int) {
		for _, n := range changed {
			if stop := running[n]; stop != nil {
				stop() // its keep unsubscribes the old dialog
				delete(running, n)
			}
			if len(bs.members[n]) == 0 {
				continue
			}
			bctx, cancel := context.WithCancel(ctx)
			running[n] = cancel
			batch := append([]string(nil), bs.members[n]...)
			wg.Add(1)
			go func() { defer wg.Done(); l.keep(bctx, n, batch) }()
		}
	}
	apply(bs.update(sipKeys(l.cache.Watched())))
	t := time.NewTicker(l.cfg.Rescan)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if changed := bs.update(sipKeys(l.cache.Watched())); len(changed) > 0 {
				l.cfg.Log.Info("presence: the watched users changed; subscribing those batches again", "source", "lync", "batches", changed)
				apply(changed)
			}
		}
	}
}

// sipKeys are the watched keys that can be subscribed (SIP URIs, not numbers).
func sipKeys(keys []string) []string {
	var out []string
	for _, k := range keys {
		if strings.HasPrefix(k, "sip:") {
			out = append(out, k)
		}
	}
	return out
}

// keep holds one batch's subscription: subscribe, refresh before it expires,
// and subscribe again with backoff after a failure or a termination.
func (l *Lync) keep(ctx context.Context, n int, uris []string) {
	backoff, server := time.Second, n%len(l.cfg.Servers)
	for ctx.Err() == nil {
		s := l.newSubscription(uris, l.cfg.Servers[server])
		granted, err := s.request(ctx, l.cfg.Expires)
		if err != nil {
			l.feed.Error()
			l.cfg.Log.Warn("presence: subscription failed; retrying", "source", "lync", "batch", n, "server", s.server, "error", err, "retry_in", backoff.String())
			l.forget(s)
			server = (server + 1) % len(l.cfg.Servers)
			if !sleep(ctx, backoff) {
				return
			}
			backoff = min(2*backoff, time.Minute)
			continue
		}
		backoff = time.Second
		l.cfg.Log.Info("presence: subscribed", "source", "lync", "batch", n, "users", len(uris), "server", s.server, "expires", granted.String())
		reason := s.hold(ctx, granted)
		l.forget(s)
		if ctx.Err() != nil {
			uctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			_, _ = s.request(uctx, 0) // unsubscribe
			cancel()
			return
		}
		l.cfg.Log.Warn("presence: subscription ended; subscribing again", "source", "lync", "batch", n, "reason", reason)
		if !sleep(ctx, backoff) {
			return
		}
	}
}

func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

func (l *Lync) forget(s *subscription) {
	l.mu.Lock()
	delete(l.subs, s.callID)
	l.mu.Unlock()
}

func (l *Lync) lookup(callID string) *subscription {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.subs[callID]
}

// onNotify takes NOTIFY (answered 200) and BENOTIFY (best effort, unanswered).
func (l *Lync) onNotify(req *sip.Request, tx sip.ServerTransaction) {
	s := l.lookup(req.CallID().Value())
	if s == nil {
		if req.Method == sip.NOTIFY {
			_ = tx.Respond(sip.NewResponseFromRequest(req, 481, "Subscription Does Not Exist", nil))
		}
		l.feed.Error()
		l.cfg.Log.Warn("presence: notification for no subscription of ours", "source", "lync", "method", req.Method.String(), "call_id", req.CallID().Value())
		return
	}
	if req.Method == sip.NOTIFY {
		_ = tx.Respond(sip.NewResponseFromRequest(req, 200, "OK", nil))
	}
	s.apply(req.Method.String(), req)
	if st := req.GetHeader("Subscription-State"); st != nil && strings.HasPrefix(strings.ToLower(strings.TrimSpace(st.Value())), "terminated") {
		s.end("terminated by the server: " + st.Value())
	}
}
