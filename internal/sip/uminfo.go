package sip

import (
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync/atomic"
	"time"
	"unicode/utf8"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// The identity Lync/OCS uses for its notification sessions to Exchange UM, and
// the body type of the events it sends in them. Sources: the OCS team blog
// "Missed Called Notifications" (OCS sends UM a SIP INFO when the caller hangs
// up first) and how Exchange 2013/2016 UM accepts such a session and reads the
// <UserNotification> document (From, SDP, content type, elements).
const (
	umNotificationUser   = "A410AA79-D874-4e56-9B46-709BDD0EB850"
	userNotificationType = "application/ms-rtc-usernotification+xml"
)

// umInfo sends Exchange UM the missed-call notification Lync sends when a
// caller hangs up before UM answered: an INFO with
// application/ms-rtc-usernotification+xml inside a notification session, an
// INVITE from sip:A410AA79-D874-4e56-9B46-709BDD0EB850 whose SDP is
// "m=application 9 SIP *". One session is kept open to the first hop that
// accepts it and opened again when UM ends it (BYE, after 12 idle minutes) or
// an INFO fails. Notifications are queued and sent one at a time, so the
// relay's call handling never waits for UM.
type umInfo struct {
	r      umRelay
	client umClient
	log    *slog.Logger
	note   func(result string) // counts a notification's result (sent, failed, dropped)
	queue  chan MissedCall
	sess   atomic.Pointer[umSession]
}

// umRelay is what the notifier needs from the relay: its hops, its own
// address, routing, the directory's EUM addresses and the hop timeout.
type umRelay interface {
	order() []Listener                              // the next hops, those up first
	self(transport string) Listener                 // the relay's address for From and Contact
	route(req *sip.Request, addr, transport string) // address a request to a hop
	eumOf(user string) string                       // the user's EUM proxy address, or ""
	hopTimeout() time.Duration                      // no response within it: next hop
}

// umClient sends the session's requests (sipgo's client).
type umClient interface {
	Do(ctx context.Context, req *sip.Request, opts ...sipgo.ClientRequestOption) (*sip.Response, error)
	TransactionRequest(ctx context.Context, req *sip.Request, opts ...sipgo.ClientRequestOption) (sip.ClientTransaction, error)
	WriteRequest(req *sip.Request, opts ...sipgo.ClientRequestOption) error
}

// eumOf finds the user's EUM proxy address in the directory table, if any.
func (r *Relay) eumOf(user string) string {
	if r.directory == nil || user == "" {
		return ""
	}
	e, _ := r.directory.Resolve(user)
	return e
}

func (r *Relay) hopTimeout() time.Duration { return time.Duration(r.cfg.HopTimeout) }

// umSession is the notification dialog, as its UAC.
type umSession struct {
	hop    Listener
	from   *sip.FromHeader
	to     *sip.ToHeader
	callID sip.CallIDHeader
	target sip.Uri // UM's Contact
	cseq   atomic.Uint32
}

func newUMInfo(r umRelay, client umClient, log *slog.Logger, note func(string)) *umInfo {
	return &umInfo{r: r, client: client, log: log, note: note, queue: make(chan MissedCall, 1024)}
}

// MissedCall queues the notification (dropped with a warning if 1,024 are waiting).
func (u *umInfo) MissedCall(m MissedCall) {
	select {
	case u.queue <- m:
	default:
		u.log.Warn("um_info: queue full, notification dropped", "call_id", m.CallID)
		u.note("dropped")
	}
}

// run sends queued notifications until ctx ends, then closes the session.
func (u *umInfo) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			if s := u.sess.Swap(nil); s != nil {
				bctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				_, _ = u.client.Do(bctx, s.request(sip.BYE, u.r))
				cancel()
			}
			return
		case m := <-u.queue:
			u.send(ctx, m)
		}
	}
}

func (u *umInfo) send(ctx context.Context, m MissedCall) {
	body, err := notificationBody(m, u.r.eumOf(m.User))
	if err != nil {
		u.note("failed")
		u.log.Warn("um_info failed", "call_id", m.CallID, "error", err)
		return
	}
	for attempt := 0; attempt < 2; attempt++ { // a stale session gets one fresh retry
		s := u.sess.Load()
		if s == nil {
			if s, err = u.open(ctx); err != nil {
				break
			}
			u.sess.Store(s)
		}
		req := s.request(sip.INFO, u.r)
		req.AppendHeader(sip.NewHeader("Content-Type", userNotificationType))
		req.SetBody(body)
		rctx, cancel := context.WithTimeout(ctx, 32*time.Second)
		res, derr := u.client.Do(rctx, req)
		cancel()
		if derr == nil && res.IsSuccess() {
			u.note("sent")
			u.log.Info("um_info sent", "call_id", m.CallID, "user", m.User, "hop", s.hop.Addr)
			return
		}
		if derr == nil {
			derr = fmt.Errorf("UM answered %d %s %s", res.StatusCode, res.Reason, headerValue(res, "ms-diagnostics"))
		}
		err = derr
		u.sess.CompareAndSwap(s, nil)
	}
	u.note("failed")
	u.log.Warn("um_info failed", "call_id", m.CallID, "user", m.User, "error", err)
}

// open sends the session INVITE to each hop in turn and ACKs the first 2xx.
func (u *umInfo) open(ctx context.Context) (*umSession, error) {
	errs := []error{}
	for _, hop := range u.r.order() {
		s, err := u.invite(ctx, hop)
		if err == nil {
			return s, nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", hop.Addr, err))
	}
	return nil, fmt.Errorf("no notification session: %w", errors.Join(errs...))
}

func (u *umInfo) invite(ctx context.Context, hop Listener) (*umSession, error) {
	r := u.r
	self := r.self(hop.Transport)
	uri := sipURI("", hop)
	req := sip.NewRequest(sip.INVITE, uri)
	from := &sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: umNotificationUser, Host: hostOf(self.Addr)}}
	from.Params.Add("tag", newTag())
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: sip.Uri{Scheme: "sip", Host: uri.Host, Port: uri.Port}})
	req.AppendHeader(&sip.ContactHeader{Address: sipURI("", self)})
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	ip := hostOf(self.Addr)
	req.SetBody([]byte("v=0\r\no=- 0 0 IN IP4 " + ip + "\r\ns=session\r\nc=IN IP4 " + ip + "\r\nt=0 0\r\n" +
		"m=application 9 SIP *\r\na=accept-types:" + userNotificationType + "\r\n"))
	r.route(req, hop.Addr, hop.Transport)
	ictx, cancel := context.WithTimeout(ctx, 32*time.Second)
	defer cancel()
	tx, err := u.client.TransactionRequest(ictx, req)
	if err != nil {
		return nil, err
	}
	defer tx.Terminate()
	first := time.NewTimer(r.hopTimeout())
	defer first.Stop()
	for {
		select {
		case <-first.C:
			return nil, errors.New("no response")
		case <-tx.Done():
			return nil, fmt.Errorf("transaction ended: %v", tx.Err())
		case <-ictx.Done():
			return nil, ictx.Err()
		case res := <-tx.Responses():
			first.Stop()
			if res.IsProvisional() {
				continue
			}
			if !res.IsSuccess() {
				return nil, fmt.Errorf("UM answered %d %s %s", res.StatusCode, res.Reason, headerValue(res, "ms-diagnostics"))
			}
			s := &umSession{hop: hop, from: req.From(), to: res.To(), callID: *req.CallID(), target: uri}
			if c := res.Contact(); c != nil {
				s.target = c.Address
			}
			s.cseq.Store(req.CSeq().SeqNo)
			ack := sip.NewRequest(sip.ACK, s.target)
			s.fill(ack, req.CSeq().SeqNo, r)
			if err := u.client.WriteRequest(ack); err != nil {
				return nil, err
			}
			return s, nil
		}
	}
}

// request makes an in-dialog request (INFO, BYE) with the next CSeq.
func (s *umSession) request(m sip.RequestMethod, r umRelay) *sip.Request {
	req := sip.NewRequest(m, s.target)
	s.fill(req, s.cseq.Add(1), r)
	return req
}

func (s *umSession) fill(req *sip.Request, seq uint32, r umRelay) {
	req.AppendHeader(sip.HeaderClone(s.from))
	req.AppendHeader(sip.HeaderClone(s.to))
	id := s.callID
	req.AppendHeader(&id)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: req.Method})
	req.AppendHeader(sip.NewHeader("Max-Forwards", "70"))
	r.route(req, s.hop.Addr, s.hop.Transport)
}

// owns reports whether a request from UM belongs to the notification session;
// a BYE ends it (the next notification opens a new one).
// isSession reports whether a Call-ID is the notification session's.
func (u *umInfo) isSession(callID string) bool {
	s := u.sess.Load()
	return s != nil && s.callID.Value() == callID
}

func (u *umInfo) owns(req *sip.Request, tx sip.ServerTransaction) bool {
	s := u.sess.Load()
	if s == nil || req.CallID() == nil || req.CallID().Value() != s.callID.Value() {
		return false
	}
	if req.Method == sip.BYE {
		u.sess.CompareAndSwap(s, nil)
	}
	if !req.IsAck() {
		respond(req, tx, 200, "OK")
	}
	return true
}

// notificationBody is the <UserNotification> document of a missed call, in
// the shape Exchange UM itself writes for one (as a Microsoft UC consultant
// published it from UM's pickup folder):
//
//	<?xml version="1.0" encoding="us-ascii"?><UserNotification><User>sip:tluk@domain.com</User>
//	<EumProxyAddress>EUM:tluk@domain.com;phone-context=DialPlanName.domain.com</EumProxyAddress>
//	<Time>2011-02-11 01:29:39Z</Time><Template>RtcDefault</Template><Event type="missed">
//	<CallId>f46b6940-…</CallId><From>sip:+12892596319@domain.com;user=phone</From>
//	<MissedReason>CallerReleased</MissedReason></Event></UserNotification>
//
// (one line). Empty elements are left out; Subject and Priority, which the
// sample lacks, come after From when the INVITE had them.
func notificationBody(m MissedCall, eum string) ([]byte, error) {
	user := m.User
	if user == "" && strings.HasPrefix(strings.ToLower(m.TargetURI), "sip:") {
		user = m.TargetURI
	}
	if user == "" {
		return nil, fmt.Errorf("target %q has no SIP address (map the number with numbers: or directory:)", m.Target)
	}
	type event struct {
		Type         string `xml:"type,attr"`
		CallID       string `xml:"CallId"`
		From         string `xml:"From"`
		Subject      string `xml:"Subject,omitempty"`
		Priority     string `xml:"Priority,omitempty"`
		MissedReason string `xml:"MissedReason,omitempty"`
	}
	doc := struct {
		XMLName  xml.Name `xml:"UserNotification"`
		User     string   `xml:"User"`
		EUM      string   `xml:"EumProxyAddress,omitempty"`
		Time     string   `xml:"Time"`
		Template string   `xml:"Template"`
		Event    event    `xml:"Event"`
	}{User: user, EUM: eum, Time: m.At.UTC().Format("2006-01-02 15:04:05Z"), Template: "RtcDefault",
		Event: event{Type: "missed", CallID: m.CallID, From: m.From, Subject: m.Subject, Priority: m.Priority, MissedReason: m.MissedReason}}
	out, err := xml.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return append([]byte(`<?xml version="1.0" encoding="us-ascii"?>`), asciiOnly(out)...), nil
}

// asciiOnly writes every non-ASCII character as a character reference, as
// the us-ascii declaration promises (markup is ASCII, so this only touches
// text and attribute values).
func asciiOnly(b []byte) []byte {
	var out []byte
	for i, r := range string(b) {
		if r < utf8.RuneSelf {
			if out != nil {
				out = append(out, byte(r))
			}
			continue
		}
		if out == nil {
			out = append([]byte{}, b[:i]...)
		}
		out = fmt.Appendf(out, "&#%d;", r)
	}
	if out == nil {
		return b
	}
	return out
}

// sipURI addresses a listener or hop (;transport= unless UDP).
func sipURI(user string, l Listener) sip.Uri {
	u := sip.Uri{Scheme: "sip", User: user, Host: hostOf(l.Addr), Port: portOf(l.Addr)}
	if l.Transport != "udp" {
		u.UriParams = sip.HeaderParams{{K: "transport", V: l.Transport}}
	}
	return u
}
