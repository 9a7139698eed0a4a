package sip

import (
	"bytes"
	"errors"
	"net"
	"strconv"
	"time"
)

// Timeouts for the TCP and TLS connections callers open to the relay. sipgo
// reads a connection until the peer closes it, so a peer that sends half a
// message, or nothing, holds a connection and its goroutine forever. Each
// accepted connection gets two deadlines instead:
//   - message: a message (headers and body), and the TLS handshake with the
//     first message, must arrive within this time of its first byte;
//   - idle: between messages the peer may be silent this long (it must outlast
//     a call that rings until Timer C, since responses go back on it).

// timedListener wraps accepted connections in timedConn and keeps accepting
// through transient errors (out of file descriptors), which would otherwise
// end sipgo's accept loop and the listener with it.
type timedListener struct {
	net.Listener
	idle, message time.Duration
	reject        rejecter
	closed        func(peer net.Addr) // told when a connection closes
}

// rejecter answers a whole message sipgo cannot take (nocseq.go): the
// response to write back (nil for none), and whether it took the message.
type rejecter func(msg []byte, src string) ([]byte, bool)

func (l timedListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err == nil {
			return &timedConn{Conn: c, idle: l.idle, message: l.message, reject: l.reject, closed: l.closed, framer: framer{start: time.Now(), inMsg: true}}, nil
		}
		if errors.Is(err, net.ErrClosed) {
			return nil, err
		}
		time.Sleep(50 * time.Millisecond) // EMFILE, ECONNABORTED, a failed handshake: keep serving
	}
}

// timedConn sets the read deadline before each read from where the peer is
// in its message stream (framer), and takes out of a read that starts at a
// message boundary the requests reject answers itself.
type timedConn struct {
	net.Conn
	idle, message time.Duration
	reject        rejecter
	closed        func(peer net.Addr)
	framer
}

func (c *timedConn) Close() error {
	if c.closed != nil {
		c.closed(c.RemoteAddr())
	}
	return c.Conn.Close()
}

func (c *timedConn) Read(b []byte) (int, error) {
	for {
		deadline := time.Now().Add(c.idle)
		if c.inMsg {
			deadline = c.start.Add(c.message)
		}
		if err := c.SetReadDeadline(deadline); err != nil {
			return 0, err
		}
		n, err := c.Conn.Read(b)
		p := b[:n]
		if c.reject != nil && c.body == 0 && len(c.head) == 0 {
			p = c.cutNoCSeq(p)
		}
		c.feed(p, time.Now())
		if len(p) > 0 || err != nil {
			return len(p), err
		}
	}
}

// framer follows SIP message boundaries in a stream (RFC 3261 §18.3: headers
// up to an empty line, then Content-Length bytes of body).
type framer struct {
	inMsg bool      // inside a message (or waiting for the first one)
	start time.Time // when that message began
	head  []byte    // its header block so far
	body  int       // body bytes still to come
}

// maxHead caps the header block kept; sipgo rejects bigger messages anyway.
const maxHead = 64 << 10

func (f *framer) feed(p []byte, now time.Time) {
	for len(p) > 0 {
		if f.body > 0 {
			n := min(f.body, len(p))
			f.body -= n
			p = p[n:]
			if f.body == 0 {
				f.inMsg = false
			}
			continue
		}
		if !f.inMsg || len(f.head) == 0 {
			p = bytes.TrimLeft(p, "\r\n") // keep-alives between messages
			if len(p) == 0 {
				return
			}
			if !f.inMsg {
				f.inMsg, f.start = true, now
			}
		}
		from := max(0, len(f.head)-3)
		f.head = append(f.head, p...)
		end := bytes.Index(f.head[from:], []byte("\r\n\r\n"))
		if end < 0 {
			if len(f.head) > maxHead {
				f.head = f.head[len(f.head)-3:]
			}
			return
		}
		end += from + 4
		rest := f.head[end:]
		f.body = contentLength(f.head[:end])
		p = append([]byte(nil), rest...)
		f.head = f.head[:0]
		if f.body == 0 {
			f.inMsg = false
		}
	}
}

// contentLength reads Content-Length (or its compact form l) from a header block.
func contentLength(head []byte) int {
	value, _ := headerField(head, "Content-Length", "l")
	n, err := strconv.Atoi(string(value))
	if err == nil && n > 0 {
		return n
	}
	return 0
}

// headerField returns the value of the first header named name (or its
// compact form, if not "") in a header block, and whether there was one.
func headerField(head []byte, name, compact string) ([]byte, bool) {
	_, head, ok := bytes.Cut(head, []byte("\r\n")) // past the start line
	if !ok {
		return nil, false
	}
	for len(head) > 0 {
		var line []byte
		line, head, _ = bytes.Cut(head, []byte("\r\n"))
		field, value, ok := bytes.Cut(line, []byte(":"))
		if !ok || len(field) == 0 || field[0] == ' ' || field[0] == '\t' {
			continue
		}
		field = bytes.TrimSpace(field)
		if bytes.EqualFold(field, []byte(name)) || compact != "" && bytes.EqualFold(field, []byte(compact)) {
			return bytes.TrimSpace(value), true
		}
	}
	return nil, false
}
