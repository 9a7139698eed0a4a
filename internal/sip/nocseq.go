package sip

import (
	"bytes"
	"net"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Requests without CSeq. sipgo's transaction layer keys a transaction on the
// CSeq method and, without one, answers a bare "400 Bad Request" itself before
// the relay's check (guard.go) sees the request: not counted, and not named.
// The relay takes such requests out first, where it reads the wire: its read
// filter for UDP datagrams and its connection wrapper for TCP and TLS streams
// (conn.go), and answers them as check would (RFC 3261 §16.3).

// lacksCSeq reports whether a header block is a request's without a CSeq
// header (it has no compact form).
func lacksCSeq(head []byte) bool {
	if bytes.HasPrefix(head, []byte("SIP/")) {
		return false
	}
	_, ok := headerField(head, "CSeq", "")
	return !ok
}

// rejectNoCSeq answers a whole message that lacks CSeq: it returns the 400
// to send back (nil for an ACK, absorbed uncounted, or when no Via says
// where to), and false when the message is not a request it can read (sipgo
// then deals with it).
func (r *Relay) rejectNoCSeq(msg []byte, src string) (res []byte, took bool) {
	defer func() { // it runs in sipgo's read loops
		if v := recover(); v != nil {
			r.recovered("request without CSeq", v)
			res, took = nil, true
		}
	}()
	m, err := r.parser.ParseSIP(msg)
	req, ok := m.(*sip.Request)
	if err != nil || !ok {
		return nil, false
	}
	if req.IsAck() {
		return nil, true // acknowledges a 400 of ours (sipsak sends it without CSeq too): absorbed, as a UAS does
	}
	req.SetSource(src)
	if req.Via() == nil || !viasWellFormed(req) {
		r.Metrics.parseErrors.Add(1)
		r.logLimited("bad request", src, "method", string(req.Method), "reason", "Missing CSeq, no Via to answer")
		return nil, true
	}
	r.Metrics.rejected(400)
	r.logLimited("bad request", src, "method", string(req.Method), "status", 400, "reason", "Missing CSeq")
	bad := sip.NewResponseFromRequest(req, 400, "Missing CSeq", nil)
	bad.SipVersion = "SIP/2.0"
	return []byte(bad.String()), true
}

// answerNoCSeqDatagram answers a UDP datagram that is a request without
// CSeq from the socket it came in on, and reports whether it did (then the
// datagram is not passed on to sipgo).
func (r *Relay) answerNoCSeqDatagram(info sip.TransportReadProps, data []byte) bool {
	head := data
	if i := bytes.Index(data, []byte("\r\n\r\n")); i >= 0 {
		head = data[:i+4]
	}
	if !lacksCSeq(head) {
		return false
	}
	res, ok := r.rejectNoCSeq(data, info.RemoteAddr.String())
	if !ok {
		return false
	}
	if pc, found := r.udpConns.Load(info.LocalAddr.String()); found && res != nil {
		_, _ = pc.(net.PacketConn).WriteTo(res, info.RemoteAddr)
	}
	return true
}

// cutNoCSeq takes the whole requests without CSeq out of a chunk read from a
// stream that starts at a message boundary, answers them on the connection,
// and returns what is left of the chunk for sipgo.
func (c *timedConn) cutNoCSeq(p []byte) []byte {
	return cutWhole(p, func(head, msg []byte) bool {
		if !lacksCSeq(head) {
			return false
		}
		res, ok := c.reject(msg, c.RemoteAddr().String())
		if ok {
			c.answer(res)
		}
		return ok
	})
}

// cutWhole takes out of a chunk read from a stream, which starts at a
// message boundary, the whole messages take consumes (it gets each message's
// header block and the whole message), and returns what is left, in order,
// in place. It stops at the first message not wholly in the chunk.
func cutWhole(p []byte, take func(head, msg []byte) bool) []byte {
	w, pos := 0, 0
	for pos < len(p) {
		start := pos + len(p[pos:]) - len(bytes.TrimLeft(p[pos:], "\r\n"))
		end := bytes.Index(p[start:], []byte("\r\n\r\n"))
		if end < 0 {
			break
		}
		end += start + 4
		next := end + contentLength(p[start:end])
		if next > len(p) {
			break
		}
		if take(p[start:end], p[start:next]) {
			w += copy(p[w:], p[pos:start])
		} else {
			w += copy(p[w:], p[pos:next])
		}
		pos = next
	}
	w += copy(p[w:], p[pos:])
	return p[:w]
}

// answer writes a response on the connection, within the message timeout.
func (c *timedConn) answer(res []byte) {
	if res == nil {
		return
	}
	_ = c.SetWriteDeadline(time.Now().Add(c.message))
	_, _ = c.Conn.Write(res)
	_ = c.SetWriteDeadline(time.Time{})
}
