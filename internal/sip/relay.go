package sip

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/umctl/umctl/internal/routing"
)

// Relay holds and forwards INVITEs to Exchange UM.
type Relay struct {
	cfg       *Config
	rules     atomic.Pointer[rules] // swapped by Reload (SIGHUP)
	listen    []Listener            // cfg.Listen, parsed
	hopHealth                       // the next hops, and which are down
	upstream  []Listener            // position B: where requests from Exchange UM go
	umNets    []*net.IPNet          // the sources that count as Exchange UM
	log       *slog.Logger
	notifier  Notifier
	um        *umInfo // notify.um_info: the Lync-style INFO to Exchange UM

	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	client *sipgo.Client

	presenceCache atomic.Pointer[routing.Cache] // presence served from memory (StartPresence)

	directory routing.Resolver // the AD number → user lookup, if enabled
	udpLaddr  sip.Addr         // send UDP from the listening socket (else sipgo opens one per request)
	udpConn   net.PacketConn   // that socket, for stateless forwarding
	udpConns  sync.Map         // every UDP socket by its local address, for answers from the read filter
	parser    *sip.Parser
	dialogs   dialogTable // the hop that answered each call (in-dialog routing)
	streams   sync.Map    // the peer's net.Addr → *streamState of each TCP/TLS connection (stream.go)
	attempts  attempts    // attempts waiting for a 2xx on the TCP/TLS fast path, by branch
	draining  chan struct{}
	heldMu    sync.Mutex
	held      map[*call]struct{} // for Drain
	drainOne  sync.Once
	panicked  atomic.Bool // the first recovered panic's stack is logged, later ones are not
	limit     *limiter    // rate-limited logs of bad input, per source
	Metrics   *Metrics
}

// Reload takes the policy, presence source and target headers of a new config;
// listeners and next hops need a restart.
func (r *Relay) Reload(cfg *Config) error {
	p, err := cfg.checked()
	if err != nil {
		return err
	}
	r.rules.Store(p.rules)
	return nil
}

// New builds a relay from a config, in the form its Check parsed.
func New(cfg *Config, log *slog.Logger, n Notifier) (*Relay, error) {
	p, err := cfg.checked()
	if err != nil {
		return nil, err
	}
	r := &Relay{cfg: cfg, log: log, notifier: n, draining: make(chan struct{}), held: map[*call]struct{}{}, Metrics: NewMetrics(), limit: newLimiter(),
		listen: p.listen, upstream: p.upstream, umNets: p.umNets, hopHealth: hopHealth{hops: p.hops}}
	r.rules.Store(p.rules)
	r.Metrics.hopUp = r.states
	r.parser = sip.NewParser()
	sipLog := slog.New(&sipgoLog{next: log.Handler(), limit: r.limit, m: r.Metrics})
	if r.ua, err = sipgo.NewUA(sipgo.WithUserAgent("umctl-relay"), sipgo.WithUserAgenTLSConfig(p.clientTLS), sipgo.WithUserAgentParser(r.parser),
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
	if cfg.Notify.UMInfo {
		r.um = newUMInfo(r, r.client, r.log, r.Metrics.note)
		r.notifier = Notifiers{n, r.um}
	}
	r.ua.TransactionLayer().OnRequest(r.onRequest)
	return r, nil
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
	go r.dialogs.sweep(ctx)
	go r.sweepStreams(ctx)
	if r.um != nil {
		go r.um.run(ctx)
	}
	for _, h := range r.hops {
		go r.checkHop(ctx, h)
	}
	udp, err := r.openUDP(ctx)
	if err != nil {
		return err
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
				pc := udp[ln]
				// One reader per CPU: sipgo parses in its read loop, and a single
				// loop falls behind under load, the socket overflows and UM's
				// answers are lost (then the call fails over or gets 503).
				for range runtime.GOMAXPROCS(0) - 1 {
					go func() { _ = r.srv.ServeUDP(pc) }()
				}
				err = r.srv.ServeUDP(pc)
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

// openUDP opens every UDP listener before anything reads: the read filter of
// each reads udpConn and udpConns, so they are set before the readers start
// (with two UDP listeners, one's readers started while the other set them).
func (r *Relay) openUDP(ctx context.Context) (map[Listener]net.PacketConn, error) {
	out := map[Listener]net.PacketConn{}
	for _, ln := range r.listen {
		if ln.Transport != "udp" {
			continue
		}
		pc, err := net.ListenPacket("udp", ln.Addr)
		if err != nil {
			for _, c := range out {
				c.Close()
			}
			return nil, fmt.Errorf("listen %s://%s: %w", ln.Transport, ln.Addr, err)
		}
		if uc, ok := pc.(*net.UDPConn); ok {
			_ = uc.SetReadBuffer(4 << 20) // the default drops datagrams under load
		}
		go func() { <-ctx.Done(); pc.Close() }()
		r.udpConns.Store(pc.LocalAddr().String(), pc)
		if ln == r.self("udp") {
			r.udpConn = pc
		}
		out[ln] = pc
	}
	return out, nil
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
	return timedListener{Listener: l, idle: time.Duration(r.cfg.TCPIdleTimeout), message: time.Duration(r.cfg.TCPMessageTimeout), reject: r.rejectNoCSeq, closed: r.forgetStream}
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

// Drain sends every held call on to UM at once (SIGTERM); new calls are no longer held.
func (r *Relay) Drain() {
	r.drainOne.Do(func() { close(r.draining) })
	r.heldMu.Lock()
	var all []*call
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

// Held reports the number of calls on hold now.
func (r *Relay) Held() int64 { return r.Metrics.held.Load() }
