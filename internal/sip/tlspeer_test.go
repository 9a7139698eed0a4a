package sip

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/kamailiotest"
	"github.com/umctl/umctl/internal/sipptest"
)

// TLS peers for tests and benchmarks (Debian's sipp has no TLS): a caller and
// a UAS that write raw SIP on TLS connections and report what reached them
// on which connection, so that tests can assert on the wire.

// wireMsg is one message read from a stream: its text and the index of the
// connection it came on.
type wireMsg struct {
	text string
	conn int
}

func (m wireMsg) first() string { l, _, _ := strings.Cut(m.text, "\r\n"); return l }

// header is the value of the first header called name (or its compact form).
func (m wireMsg) header(name, compact string) string {
	for _, l := range strings.Split(m.text, "\r\n")[1:] {
		if l == "" {
			break
		}
		n, v, _ := strings.Cut(l, ":")
		if strings.EqualFold(n, name) || (compact != "" && strings.EqualFold(n, compact)) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// headers are every header line called name, in order.
func (m wireMsg) headers(name string) []string {
	var out []string
	for _, l := range strings.Split(m.text, "\r\n")[1:] {
		if l == "" {
			break
		}
		if n, _, _ := strings.Cut(l, ":"); strings.EqualFold(n, name) {
			out = append(out, l)
		}
	}
	return out
}

// readWire reads one SIP message from a stream (framed by Content-Length).
func readWire(r *bufio.Reader) (string, error) {
	var b strings.Builder
	length := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return "", err
		}
		if b.Len() == 0 && (line == "\r\n" || line == "\n") {
			continue // keep-alives
		}
		b.WriteString(line)
		if line == "\r\n" {
			break
		}
		if n, v, ok := strings.Cut(line, ":"); ok && (strings.EqualFold(n, "Content-Length") || strings.EqualFold(n, "l")) {
			length, _ = strconv.Atoi(strings.TrimSpace(v))
		}
	}
	body := make([]byte, length)
	if _, err := io.ReadFull(r, body); err != nil {
		return "", err
	}
	b.Write(body)
	return b.String(), nil
}

// tlsUAS answers every request but ACK with 200 OK (a To-tag and a TLS
// Contact on the INVITE's) on the connection it came in on, passes every
// message it gets to got, and the index of each connection whose stream has
// ended (the relay closed it) to ended.
type tlsUAS struct {
	addr  string
	got   chan wireMsg
	ended chan int
	mu    sync.Mutex
	conns []net.Conn // accepted, in order
}

func startTLSUAS(tb testing.TB, dir string) *tlsUAS {
	tb.Helper()
	cert, err := tls.LoadX509KeyPair(filepath.Join(dir, "server.pem"), filepath.Join(dir, "server-key.pem"))
	if err != nil {
		tb.Fatal(err)
	}
	l, err := tls.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", sipptest.FreePort(tb, "tcp")), &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		tb.Fatal(err)
	}
	u := &tlsUAS{addr: l.Addr().String(), got: make(chan wireMsg, 1<<16), ended: make(chan int, 1<<10)}
	var wg sync.WaitGroup
	tb.Cleanup(func() {
		l.Close()
		u.mu.Lock()
		for _, c := range u.conns {
			c.Close()
		}
		u.mu.Unlock()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for n := 0; ; n++ {
			c, err := l.Accept()
			if err != nil {
				return
			}
			u.mu.Lock()
			u.conns = append(u.conns, c)
			u.mu.Unlock()
			wg.Add(1)
			go func() { defer wg.Done(); u.answer(c, n) }()
		}
	}()
	return u
}

func (u *tlsUAS) answer(c net.Conn, n int) {
	defer func() {
		select {
		case u.ended <- n:
		default: // a benchmark's connections, closed at the end
		}
	}()
	r := bufio.NewReader(c)
	for {
		text, err := readWire(r)
		if err != nil {
			return
		}
		m := wireMsg{text: text, conn: n}
		select {
		case u.got <- m:
		default: // a benchmark that does not read them
		}
		if strings.HasPrefix(text, "SIP/2.0 ") || strings.HasPrefix(text, "ACK ") {
			continue
		}
		var b strings.Builder
		b.WriteString("SIP/2.0 200 OK\r\n")
		for _, v := range m.headers("Via") {
			b.WriteString(v + "\r\n")
		}
		to := m.header("To", "t")
		if !strings.Contains(to, "tag=") {
			to += ";tag=uas"
		}
		fmt.Fprintf(&b, "From: %s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %s\r\nContact: <sip:um@%s;transport=tls>\r\nContent-Length: 0\r\n\r\n",
			m.header("From", "f"), to, m.header("Call-ID", "i"), m.header("CSeq", ""), u.addr)
		if _, err := c.Write([]byte(b.String())); err != nil {
			return
		}
	}
}

// send writes a raw message on the UAS's n-th connection.
func (u *tlsUAS) send(tb testing.TB, n int, msg string) {
	tb.Helper()
	u.mu.Lock()
	c := u.conns[n]
	u.mu.Unlock()
	if _, err := c.Write([]byte(msg)); err != nil {
		tb.Fatal(err)
	}
}

// hangUp closes the UAS's n-th connection as a peer that is done with it
// does: close_notify first, then, once the relay has read it and closed its
// side too (the UAS's reader sees the stream end), the connection. The wait
// fails after wait.
func (u *tlsUAS) hangUp(tb testing.TB, n int, wait time.Duration) {
	tb.Helper()
	u.mu.Lock()
	c := u.conns[n].(*tls.Conn)
	u.mu.Unlock()
	if err := c.CloseWrite(); err != nil {
		tb.Fatal(err)
	}
	deadline := time.After(wait)
	for {
		select {
		case ended := <-u.ended:
			if ended == n {
				_ = c.Close()
				return
			}
		case <-deadline:
			tb.Fatalf("the relay has not closed UM's connection %d %v after UM's close_notify", n, wait)
		}
	}
}

// next is the next message that reached the UAS, or a failure after wait.
func (u *tlsUAS) next(tb testing.TB, wait time.Duration) wireMsg {
	tb.Helper()
	select {
	case m := <-u.got:
		return m
	case <-time.After(wait):
		tb.Fatal("nothing reached the TLS UAS")
		return wireMsg{}
	}
}

// quiet fails if anything reaches the UAS within wait.
func (u *tlsUAS) quiet(tb testing.TB, wait time.Duration) {
	tb.Helper()
	select {
	case m := <-u.got:
		tb.Fatalf("the UAS got more:\n%s", m.text)
	case <-time.After(wait):
	}
}

// tlsCaller is one TLS connection from a caller to the relay; what comes
// back on it goes to got.
type tlsCaller struct {
	c     net.Conn
	local string
	wmu   sync.Mutex
	got   chan wireMsg
}

func dialTLSCaller(tb testing.TB, relay string) *tlsCaller {
	tb.Helper()
	c, err := tls.Dial("tcp", relay, &tls.Config{InsecureSkipVerify: true}) // the test's own relay
	if err != nil {
		tb.Fatal(err)
	}
	k := &tlsCaller{c: c, local: c.LocalAddr().String(), got: make(chan wireMsg, 1<<12)}
	done := make(chan struct{})
	tb.Cleanup(func() { c.Close(); <-done })
	go func() {
		defer close(done)
		r := bufio.NewReader(c)
		for {
			text, err := readWire(r)
			if err != nil {
				return
			}
			k.got <- wireMsg{text: text}
		}
	}()
	return k
}

// send writes a raw message.
func (k *tlsCaller) send(tb testing.TB, msg string) {
	tb.Helper()
	k.wmu.Lock()
	defer k.wmu.Unlock()
	if _, err := k.c.Write([]byte(msg)); err != nil {
		tb.Fatal(err)
	}
}

// request is a request of call id from this caller: branch names its
// transaction, to is the To header value, ruri the Request-URI.
func (k *tlsCaller) request(method, ruri, to, id, branch string, seq int) string {
	return fmt.Sprintf("%s %s SIP/2.0\r\nVia: SIP/2.0/TLS %s;branch=z9hG4bK-%s\r\nMax-Forwards: 70\r\n"+
		"From: <sip:+4722334455@%s>;tag=c-%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nContact: <sip:caller@%s;transport=tls>\r\nContent-Length: 0\r\n\r\n",
		method, ruri, k.local, branch, k.local, id, to, id, seq, method, k.local)
}

// final is the next final response on the connection (provisionals skipped).
func (k *tlsCaller) final(tb testing.TB, wait time.Duration) wireMsg {
	tb.Helper()
	deadline := time.After(wait)
	for {
		select {
		case m := <-k.got:
			if strings.HasPrefix(m.text, "SIP/2.0 1") {
				continue
			}
			return m
		case <-deadline:
			tb.Fatal("no final response on the caller's TLS connection")
			return wireMsg{}
		}
	}
}

// tlsRelay starts a relay that takes TLS on a free port and forwards over
// TLS to the UAS, verifying it against the test CA, with no hold unless a
// change to the config says otherwise; it returns the relay, its address
// and the UAS.
func tlsRelay(tb testing.TB, change ...func(*Config)) (*Relay, string, *tlsUAS) {
	tb.Helper()
	dir := kamailiotest.TestCA(tb, time.Now().Add(time.Hour), "127.0.0.1", "localhost")
	uas := startTLSUAS(tb, dir)
	addr := fmt.Sprintf("127.0.0.1:%d", sipptest.FreePort(tb, "tcp"))
	cfg := &Config{Listen: []string{"tls://" + addr}, NextHops: []string{"tls://" + uas.addr},
		TLS: TLSConfig{Cert: filepath.Join(dir, "server.pem"), Key: filepath.Join(dir, "server-key.pem"), HopCA: filepath.Join(dir, "ca.pem")}}
	cfg.Presence.Source = "never-hold"
	for _, f := range change {
		f(cfg)
	}
	r, _ := startRelay(tb, cfg)
	return r, addr, uas
}
