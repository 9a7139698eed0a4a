package presence

import (
	"bytes"
	"context"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/umctl/umctl/internal/routing"
)

// subscription is one batched SUBSCRIBE dialog, as its subscriber.
type subscription struct {
	l         *Lync
	uris      []string
	server    string
	transport string
	addr      string
	callID    string
	fromTag   string
	mu        sync.Mutex
	toTag     string
	cseq      uint32
	ended     chan string
}

// newSubscription registers a new dialog (so that a NOTIFY racing the 200 finds it).
func (l *Lync) newSubscription(uris []string, server string) *subscription {
	tr, addr, _ := ParseServer(server)
	s := &subscription{l: l, uris: uris, server: server, transport: tr, addr: addr, callID: sip.GenerateTagN(32),
		fromTag: sip.GenerateTagN(16), ended: make(chan string, 1)}
	l.mu.Lock()
	l.subs[s.callID] = s
	l.mu.Unlock()
	return s
}

// BatchBody is the [MS-PRES] batched category subscription for uris: the
// state category only, since every category counts against the server's limits.
func BatchBody(subscriber string, uris []string) []byte {
	var b bytes.Buffer
	b.WriteString(`<batchSub xmlns="http://schemas.microsoft.com/2006/01/sip/batch-subscribe" uri="`)
	_ = xml.EscapeText(&b, []byte(subscriber))
	b.WriteString(`" name=""><action name="subscribe" id="1"><adhocList>`)
	for _, u := range uris {
		b.WriteString(`<resource uri="`)
		_ = xml.EscapeText(&b, []byte(u))
		b.WriteString(`"/>`)
	}
	b.WriteString(`</adhocList><categoryList xmlns="http://schemas.microsoft.com/2006/09/sip/categorylist"><category name="state"/></categoryList></action></batchSub>`)
	return b.Bytes()
}

// build makes the SUBSCRIBE (initial, refresh, or with expires 0 the unsubscribe).
func (s *subscription) build(expires time.Duration) *sip.Request {
	l := s.l
	s.mu.Lock()
	s.cseq++
	cseq, toTag := s.cseq, s.toTag
	s.mu.Unlock()
	req := sip.NewRequest(sip.SUBSCRIBE, l.subURI) // an ad hoc list is addressed to the subscriber itself
	req.SetDestination(s.addr)
	req.SetTransport(strings.ToUpper(s.transport))
	from := &sip.FromHeader{Address: l.subURI, Params: sip.NewParams()}
	from.Params.Add("tag", s.fromTag)
	to := &sip.ToHeader{Address: l.subURI, Params: sip.NewParams()}
	if toTag != "" {
		to.Params.Add("tag", toTag)
	}
	callID := sip.CallIDHeader(s.callID)
	contact := &sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: l.subURI.User, Host: l.subURI.Host, UriParams: sip.NewParams()}}
	contact.Address.UriParams.Add("transport", s.transport)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&callID)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: cseq, MethodName: sip.SUBSCRIBE})
	req.AppendHeader(contact)
	for _, h := range [][2]string{
		{"Event", "presence"},
		{"Accept", CategoriesType + ", " + RLMIType + ", multipart/related"},
		{"Supported", "ms-benotify"},
		{"Proxy-Require", "ms-benotify"},
		{"Supported", "ms-piggyback-first-notify"},
		{"Require", "adhoclist, categoryList"},
		{"Supported", "eventlist"},
		{"Expires", strconv.Itoa(int(expires / time.Second))},
		{"Content-Type", BatchSubType},
	} {
		req.AppendHeader(sip.NewHeader(h[0], h[1]))
	}
	req.SetBody(BatchBody(l.subURI.String(), s.uris))
	return req
}

// request sends a SUBSCRIBE and returns the expiry the server granted.
func (s *subscription) request(ctx context.Context, expires time.Duration) (time.Duration, error) {
	rctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	res, err := s.l.client.Do(rctx, s.build(expires))
	if err != nil {
		return 0, fmt.Errorf("SUBSCRIBE to %s: %w", s.server, err)
	}
	if !res.IsSuccess() {
		diag := ""
		if h := res.GetHeader("ms-diagnostics"); h != nil {
			diag = " (ms-diagnostics: " + h.Value() + ")"
		}
		return 0, fmt.Errorf("SUBSCRIBE to %s answered %d %s%s", s.server, res.StatusCode, res.Reason, diag)
	}
	if tag, ok := res.To().Params.Get("tag"); ok {
		s.mu.Lock()
		s.toTag = tag
		s.mu.Unlock()
	}
	granted := expires
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n >= 0 {
			granted = time.Duration(n) * time.Second
		}
	}
	s.apply("200 to SUBSCRIBE", res) // ms-piggyback-first-notify: the first state rides on the 200
	return granted, nil
}

// hold keeps the dialog alive until ctx ends (reason "") or it ends.
func (s *subscription) hold(ctx context.Context, granted time.Duration) string {
	for {
		next := granted * 2 / 3
		if c := s.l.cfg.Confirm; c > 0 && c < next {
			next = c
		}
		t := time.NewTimer(max(next, time.Second))
		select {
		case <-ctx.Done():
			t.Stop()
			return ""
		case reason := <-s.ended:
			t.Stop()
			return reason
		case <-t.C:
		}
		g, err := s.request(ctx, s.l.cfg.Expires)
		if err != nil {
			s.l.feed.Error()
			return "refresh failed: " + err.Error()
		}
		s.l.feed.Confirm(s.uris, time.Now())
		granted = g
	}
}

func (s *subscription) end(reason string) {
	select {
	case s.ended <- reason:
	default:
	}
}

// apply writes what a NOTIFY, BENOTIFY or the SUBSCRIBE's 200 says into the cache.
func (s *subscription) apply(what string, msg interface {
	Body() []byte
	ContentType() *sip.ContentTypeHeader
}) {
	body := msg.Body()
	if len(body) == 0 {
		return
	}
	l, ct := s.l, ""
	if h := msg.ContentType(); h != nil {
		ct = h.Value()
	}
	ups, err := l.cfg.Parser.Parse(ct, body)
	if err != nil {
		l.feed.Error()
		l.cfg.Log.Warn("presence: unreadable body", "source", "lync", "message", what, "error", err)
	}
	now := time.Now()
	for _, u := range ups {
		key := routing.NormalizeURI(u.URI)
		if u.Err != nil {
			l.feed.Error()
			l.cfg.Log.Warn("presence: unreadable state; counted as unknown", "source", "lync", "user", u.URI, "error", u.Err)
		}
		if u.Terminated {
			l.feed.Forget(key)
			continue
		}
		if !l.feed.Set(key, u.State, now) {
			l.cfg.Log.Warn("presence: state for a user who is not watched", "source", "lync", "user", u.URI)
		}
	}
}
