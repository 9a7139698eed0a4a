// Small helpers on SIP messages and addresses.

package sip

import (
	"crypto/rand"
	"encoding/hex"
	"net"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/umctl/umctl/internal/routing"
)

func newTag() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func headerValues(req *sip.Request) routing.Headers {
	return func(name string) []string {
		var out []string
		for _, h := range req.GetHeaders(name) {
			out = append(out, h.Value())
		}
		return out
	}
}

func respond(req *sip.Request, tx sip.ServerTransaction, code int, reason string, hdrs ...sip.Header) {
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	_ = tx.Respond(res)
}

// route addresses a request to a hop; UDP goes out of the listening socket.
func (r *Relay) route(req *sip.Request, addr, transport string) {
	req.SetDestination(addr)
	req.SetTransport(strings.ToUpper(transport))
	if transport == "udp" && r.udpLaddr.IP != nil {
		req.Laddr = r.udpLaddr
	}
}

func hostOf(addr string) string { h, _, _ := net.SplitHostPort(addr); return h }

func portOf(addr string) int {
	_, p, _ := net.SplitHostPort(addr)
	n, _ := strconv.Atoi(p)
	return n
}

// headerValue is the first value of a header in a request or response, or "".
func headerValue(m interface{ GetHeader(string) sip.Header }, name string) string {
	if h := m.GetHeader(name); h != nil {
		return h.Value()
	}
	return ""
}
