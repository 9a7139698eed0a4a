package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"sync"
	"time"
)

// conn is one TLS connection to the proxy with the calls in progress on it.
type conn struct {
	c     net.Conn
	local string
	wmu   sync.Mutex
	mu    sync.Mutex
	calls map[string]*call
}

// call is one INVITE/200/ACK/BYE/200 call.
type call struct {
	id, tag string
	done    chan bool // true: ended well
}

// runUAC makes calls calls at rate per second over conns connections and
// counts those that ended well.
func runUAC(target string, rate, calls, conns int, timeout time.Duration) (ok, failed int, err error) {
	cs := make([]*conn, conns)
	for i := range cs {
		if cs[i], err = dial(target); err != nil {
			return 0, 0, err
		}
		defer cs[i].c.Close()
	}
	results := make(chan bool, calls)
	start := time.Now()
	for n := 0; n < calls; n++ {
		time.Sleep(time.Until(start.Add(time.Duration(n) * time.Second / time.Duration(rate))))
		go func(n int) { results <- cs[n%conns].run(n, target, timeout) }(n)
	}
	for range calls {
		if <-results {
			ok++
		} else {
			failed++
		}
	}
	return ok, failed, nil
}

func dial(target string) (*conn, error) {
	c, err := tls.Dial("tcp", target, &tls.Config{InsecureSkipVerify: true}) // loopback benchmark
	if err != nil {
		return nil, err
	}
	cn := &conn{c: c, local: c.LocalAddr().String(), calls: map[string]*call{}}
	go cn.read()
	return cn, nil
}

// run makes call n and reports whether it ended well within timeout.
func (cn *conn) run(n int, target string, timeout time.Duration) bool {
	k := &call{id: fmt.Sprintf("%d-%s@tlsload", n, cn.local), tag: fmt.Sprintf("t%d", n), done: make(chan bool, 1)}
	cn.mu.Lock()
	cn.calls[k.id] = k
	cn.mu.Unlock()
	defer func() { cn.mu.Lock(); delete(cn.calls, k.id); cn.mu.Unlock() }()
	cn.send(k, "INVITE", "sip:+4790000001@"+target, "<sip:+4790000001@"+target+">", 1)
	select {
	case good := <-k.done:
		return good
	case <-time.After(timeout):
		return false
	}
}

// send writes a request of the call.
func (cn *conn) send(k *call, method, ruri, to string, seq int) {
	msg := fmt.Sprintf("%s %s SIP/2.0\r\nVia: SIP/2.0/TLS %s;branch=z9hG4bK-%s-%d\r\nMax-Forwards: 70\r\n"+
		"From: <sip:+4722334455@%s>;tag=%s\r\nTo: %s\r\nCall-ID: %s\r\nCSeq: %d %s\r\nContact: <sip:caller@%s;transport=tls>\r\nContent-Length: 0\r\n\r\n",
		method, ruri, cn.local, k.tag, seq*10+len(method), cn.local, k.tag, to, k.id, seq, method, cn.local)
	cn.wmu.Lock()
	_, _ = cn.c.Write([]byte(msg))
	cn.wmu.Unlock()
}

// read drives the calls from their responses.
func (cn *conn) read() {
	r := bufio.NewReaderSize(cn.c, 64<<10)
	for {
		m, err := readMessage(r)
		if err != nil {
			return
		}
		code := m.status()
		if code < 200 {
			continue // requests (none expected) and provisionals
		}
		cn.mu.Lock()
		k := cn.calls[m.header("Call-ID", "i")]
		cn.mu.Unlock()
		if k == nil {
			continue // a retransmission after the call ended
		}
		switch {
		case code >= 300:
			k.end(false)
		case m.method() == "INVITE":
			to, ruri := m.header("To", "t"), uriOf(m.header("Contact", "m"))
			if ruri == "" {
				k.end(false)
				continue
			}
			cn.send(k, "ACK", ruri, to, 1)
			cn.send(k, "BYE", ruri, to, 2)
		case m.method() == "BYE":
			k.end(true)
		}
	}
}

// end reports the call's result once; later responses are ignored.
func (k *call) end(good bool) {
	select {
	case k.done <- good:
	default:
	}
}
