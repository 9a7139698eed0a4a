package sip

import (
	"bytes"
	"encoding/hex"
	"errors"
	"hash/fnv"
	"net"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// Stateless forwarding (RFC 3261 §16.11) of the ACK and the BYE of an answered
// call, on UDP (stream.go does it on TCP and TLS).
//
// Neither needs state in the relay: the ACK to a 2xx gets no response, and
// for the BYE UM's server transaction absorbs the caller's retransmissions,
// which the relay passes on as they come, while the response finds its way
// back by the Via headers. Taking them out of the transaction layer saves
// three transactions per call (the BYE's server transaction would linger
// for 32 s on UDP, Timer J).
//
// They are taken in sipgo's read loop, before the transaction layer, and only
// in the plain case: over UDP, to a UDP hop, Max-Forwards allowing another
// hop, and for an ACK, one that acknowledges the 2xx of an INVITE the relay
// forwarded (its dialog and CSeq number); an ACK to a non-2xx answer belongs
// to the INVITE's server transaction. Everything else (the notification
// session to UM, a request that cannot be parsed) takes the transaction
// path in onOther, which routes it the same way.

// statelessBranch marks the Via of a request the relay forwarded statelessly.
const statelessBranch = sip.RFC3261BranchMagicCookie + "-umctl-sl-"

// isStatelessBranch reports whether a Via branch is one of the relay's stateless ones.
func isStatelessBranch(branch string) bool { return strings.HasPrefix(branch, statelessBranch) }

// readFilter sees every UDP datagram, and every read from a TCP or TLS
// connection, before sipgo parses it. It returns nil for a datagram it has
// forwarded itself, and for a stream what is left of the read.
func (r *Relay) readFilter(info sip.TransportReadProps, data []byte) (out []byte, err error) {
	defer func() {
		if v := recover(); v != nil {
			r.recovered("read filter", v)
			out, err = nil, nil
		}
	}()
	if reliable(info.Transport) {
		return r.streamFilter(info, data), nil
	}
	if !plausible(data) {
		r.Metrics.parseErrors.Add(1)
		r.logLimited("unparsable datagram dropped", info.RemoteAddr.String(), "bytes", len(data), "start", clip(data, 64))
		return nil, nil
	}
	if r.answerNoCSeqDatagram(info, data) {
		return nil, nil
	}
	ack := bytes.HasPrefix(data, []byte("ACK "))
	if !(ack || bytes.HasPrefix(data, []byte("BYE "))) || r.udpConn == nil {
		return data, nil
	}
	msg, err := r.parser.ParseSIP(data)
	if err != nil {
		return data, nil // sipgo logs it
	}
	req, ok := msg.(*sip.Request)
	if !ok || (r.um != nil && r.um.isSession(req.CallID().Value())) {
		return data, nil
	}
	if code, _ := r.check(req); code != 0 {
		return data, nil // the transaction path answers what is wrong
	}
	if ack && !r.acksAnswer(req) {
		return data, nil
	}
	src := info.RemoteAddr.String()
	req.SetSource(src)
	hop := r.inDialogHop(req)
	if hop.Transport != "udp" || !r.statelessHop(req, src, "UDP") {
		return data, nil
	}
	req.SetTransport("UDP")
	r.route(req, hop.Addr, hop.Transport)
	if err := r.ua.TransportLayer().WriteMsg(req); err != nil {
		r.log.Warn("forward", "method", req.Method, "call_id", req.CallID().Value(), "hop", hop.Addr, "error", err)
	}
	return nil, nil
}

// statelessHop readies a request that came from src for stateless
// forwarding over transport: Max-Forwards decremented (70 where it is
// missing), the source marked on the sender's Via, the relay's Via on top.
// It reports false, changing nothing, when Max-Forwards allows no other hop
// (the transaction path answers 483).
func (r *Relay) statelessHop(req *sip.Request, src, transport string) bool {
	if mf := req.MaxForwards(); mf != nil {
		if mf.Val() <= 1 {
			return false
		}
		mf.Dec()
	} else {
		v := sip.MaxForwardsHeader(70)
		req.AppendHeader(&v)
	}
	markReceived(req.Via(), src)
	req.PrependHeader(r.statelessVia(req.Via(), transport))
	return true
}

// acksAnswer reports whether an ACK acknowledges the 2xx of a call the relay forwarded.
func (r *Relay) acksAnswer(ack *sip.Request) bool {
	e, ok := r.dialogs.lookup(ack.CallID().Value())
	return ok && e.cseq == ack.CSeq().SeqNo
}

// markReceived notes where a request really came from in its top Via
// (RFC 3261 §18.2.1, RFC 3581), so that the response can follow the Via.
func markReceived(via *sip.ViaHeader, src string) {
	host, port, err := net.SplitHostPort(src)
	if err != nil {
		return
	}
	if via.Params.Has("rport") {
		via.Params.Add("rport", port)
		via.Params.Add("received", host)
	} else if via.Host != host {
		via.Params.Add("received", host)
	}
}

// statelessVia is the relay's Via for a request forwarded statelessly over
// transport (UDP, TCP, TLS). Its branch is derived from the caller's, so a
// retransmission gets the same one.
func (r *Relay) statelessVia(caller *sip.ViaHeader, transport string) *sip.ViaHeader {
	branch, _ := caller.Params.Get("branch")
	h := fnv.New64a()
	h.Write([]byte(branch))
	h.Write([]byte(caller.Host))
	ln := r.self(strings.ToLower(transport))
	via := &sip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: transport, Host: hostOf(ln.Addr), Port: portOf(ln.Addr)}
	via.Params.Add("branch", statelessBranch+hex.EncodeToString(h.Sum(nil)))
	return via
}

// onStrayResponse takes the responses that match no client transaction: those
// to statelessly forwarded requests go back by their next Via; the rest are
// retransmissions the transactions have already dealt with.
func (r *Relay) onStrayResponse(res *sip.Response) {
	defer func() {
		if v := recover(); v != nil {
			r.recovered("response", v)
		}
	}()
	if !wellFormed(res, "") {
		r.logLimited("malformed response dropped", res.Source(), "status", res.StatusCode)
		return
	}
	via := res.Via()
	if b, _ := via.Params.Get("branch"); !isStatelessBranch(b) {
		r.log.Debug("stray response dropped", "status", res.StatusCode, "call_id", headerValue(res, "Call-ID"))
		return
	}
	res.RemoveHeader("Via")
	next := res.Via()
	if next == nil {
		return
	}
	host := next.Params.GetOr("received", next.Host)
	port := next.Port
	if p, err := strconv.Atoi(next.Params.GetOr("rport", "")); err == nil {
		port = p
	}
	if port == 0 {
		port = int(sip.DefaultPort(next.Transport))
	}
	ip := net.ParseIP(host)
	if ip == nil {
		r.log.Warn("stray response dropped: the next Via is not an IP address", "via", next.Value())
		return
	}
	if cseq := res.CSeq(); cseq != nil && cseq.MethodName == sip.BYE && !res.IsProvisional() && res.CallID() != nil {
		r.dialogs.forget(res.CallID().Value())
	}
	if err := r.sendByVia(res, ip, port, next.Transport); err != nil {
		r.log.Warn("relay response", "status", res.StatusCode, "error", err)
	}
}

// sendByVia sends a response to the address of its next Via: over UDP from
// the listening socket, over TCP or TLS on the connection from that address
// (the stream fast path uses this when the call's own connection is gone).
func (r *Relay) sendByVia(res *sip.Response, ip net.IP, port int, transport string) error {
	if reliable(transport) {
		res.SetDestination(net.JoinHostPort(ip.String(), strconv.Itoa(port)))
		res.SetTransport(strings.ToUpper(transport))
		return r.ua.TransportLayer().WriteMsg(res)
	}
	if r.udpConn == nil {
		return errors.New("no UDP listener")
	}
	_, err := r.udpConn.WriteTo([]byte(res.String()), &net.UDPAddr{IP: ip, Port: port})
	return err
}
