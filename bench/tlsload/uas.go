package main

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net"
	"strings"
	"sync"
)

// serveUAS answers every INVITE, BYE, OPTIONS (and any other request but ACK)
// with 200 OK on the connection it came in on, with a Contact over TLS.
func serveUAS(listen, certFile, keyFile string) error {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return err
	}
	l, err := tls.Listen("tcp", listen, &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		return err
	}
	for {
		c, err := l.Accept()
		if err != nil {
			return err
		}
		go answer(c, listen)
	}
}

func answer(c net.Conn, self string) {
	defer c.Close()
	r := bufio.NewReaderSize(c, 64<<10)
	var mu sync.Mutex
	for {
		m, err := readMessage(r)
		if err != nil {
			return
		}
		if m.status() != 0 || m.method() == "ACK" {
			continue
		}
		var b strings.Builder
		b.WriteString("SIP/2.0 200 OK\r\n")
		m.copyHeaders(&b, "via", "v", "from", "f", "call-id", "i", "cseq")
		to := m.header("To", "t")
		if !strings.Contains(to, "tag=") {
			to += ";tag=uas"
		}
		fmt.Fprintf(&b, "To: %s\r\nContact: <sip:%s;transport=tls>\r\nContent-Length: 0\r\n\r\n", to, self)
		mu.Lock()
		_, err = c.Write([]byte(b.String()))
		mu.Unlock()
		if err != nil {
			return
		}
	}
}
