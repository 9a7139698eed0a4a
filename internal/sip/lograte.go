package sip

import (
	"bytes"
	"context"
	"log/slog"
	"strconv"
	"sync"
	"time"
)

// Bad input must not flood the log: 30 MB of junk made 60 MB of log lines
// when every unparsable message was logged with its bytes. Lines about bad
// input are limited to one per kind and source per second, their data is
// clipped, and a counter keeps the total.

// limiter allows one event per key per second and counts what it suppressed.
type limiter struct {
	mu   sync.Mutex
	keys map[string]*limit
}

type limit struct {
	last       time.Time
	suppressed int
}

// maxLimitKeys bounds the limiter's memory under a flood from many sources;
// past it the table starts over.
const maxLimitKeys = 4096

func newLimiter() *limiter { return &limiter{keys: map[string]*limit{}} }

// allow reports whether an event for key may be logged now, and how many
// were suppressed since the last one that was.
func (l *limiter) allow(key string, now time.Time) (bool, int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	e := l.keys[key]
	if e == nil {
		if len(l.keys) >= maxLimitKeys {
			clear(l.keys)
		}
		e = &limit{}
		l.keys[key] = e
	}
	if now.Sub(e.last) < time.Second {
		e.suppressed++
		return false, 0
	}
	n := e.suppressed
	e.last, e.suppressed = now, 0
	return true, n
}

// logLimited logs a warning about bad input from src, at most once a second
// per message and source.
func (r *Relay) logLimited(msg, src string, args ...any) {
	ok, suppressed := r.limit.allow(msg+"\x00"+src, time.Now())
	if !ok {
		return
	}
	args = append([]any{"source", src}, args...)
	if suppressed > 0 {
		args = append(args, "suppressed", suppressed)
	}
	r.log.Warn(msg, args...)
}

// clip quotes at most n bytes of data for a log line.
func clip(data []byte, n int) string {
	if len(data) > n {
		return strconv.Quote(string(data[:n])) + "…"
	}
	return strconv.Quote(string(data))
}

// plausible is a cheap look at a datagram's first line: a status line
// (SIP/…) or a request line (token SP something SP SIP/…). Anything else is
// dropped before sipgo parses it, and logged with its source.
func plausible(data []byte) bool {
	if len(data) <= 4 && len(bytes.Trim(data, "\r\n")) == 0 {
		return true // keep-alive
	}
	line := data
	if i := bytes.IndexByte(data, '\n'); i >= 0 {
		line = data[:i]
	} else if len(line) > 1024 {
		line = line[:1024]
	}
	if bytes.HasPrefix(line, []byte("SIP/")) {
		return true
	}
	sp := bytes.IndexByte(line, ' ')
	if sp <= 0 {
		return false
	}
	for _, c := range line[:sp] {
		if !isTokenChar(c) {
			return false
		}
	}
	last := bytes.LastIndexByte(line, ' ')
	return last > sp && bytes.HasPrefix(line[last+1:], []byte("SIP/"))
}

// isTokenChar reports whether c may appear in a SIP token (RFC 3261 §25.1).
func isTokenChar(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || bytes.IndexByte([]byte("-.!%*_+`'~"), c) >= 0
}

// sipgoLog sits between sipgo and the relay's log. sipgo logs each message
// it cannot parse or match at ERROR with the raw bytes; here those lines are
// counted, limited to one a second per kind and clipped to 256 bytes.
type sipgoLog struct {
	next  slog.Handler
	limit *limiter
	m     *Metrics
}

// noisy are sipgo's messages about bad input.
var noisy = map[string]bool{
	"failed to parse":                                    true,
	"Server tx failed to handle request":                 true,
	"Client tx failed to handle response":                true,
	"Failed to send stateless 400 for malformed request": true,
	"Read error": true, // a TCP/TLS peer gone, or timed out (conn.go)
}

func (h *sipgoLog) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *sipgoLog) Handle(ctx context.Context, rec slog.Record) error {
	if !noisy[rec.Message] {
		return h.next.Handle(ctx, rec)
	}
	if rec.Message == "failed to parse" {
		h.m.parseErrors.Add(1)
	}
	ok, suppressed := h.limit.allow("sipgo\x00"+rec.Message, rec.Time)
	if !ok {
		return nil
	}
	out := slog.NewRecord(rec.Time, slog.LevelWarn, rec.Message, rec.PC)
	rec.Attrs(func(a slog.Attr) bool {
		if v := a.Value.String(); len(v) > 256 {
			a = slog.String(a.Key, v[:256]+"…")
		}
		out.AddAttrs(a)
		return true
	})
	if suppressed > 0 {
		out.AddAttrs(slog.Int("suppressed", suppressed))
	}
	return h.next.Handle(ctx, out)
}

func (h *sipgoLog) WithAttrs(as []slog.Attr) slog.Handler {
	return &sipgoLog{next: h.next.WithAttrs(as), limit: h.limit, m: h.m}
}

func (h *sipgoLog) WithGroup(name string) slog.Handler {
	return &sipgoLog{next: h.next.WithGroup(name), limit: h.limit, m: h.m}
}
