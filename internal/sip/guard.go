package sip

import (
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"runtime/debug"
	"strconv"
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// The relay must survive whatever arrives: every header it reads may be
// missing or malformed. Requests are checked once, here, before any handler
// reads them (RFC 3261 §16.3 request validation); a recover at each message
// boundary is the last resort.

// onRequest is the per-message boundary for new server transactions.
func (r *Relay) onRequest(req *sip.Request, tx *sip.ServerTx) {
	defer func() {
		if v := recover(); v != nil {
			r.recovered("request "+string(req.Method), v)
			func() {
				defer func() { _ = recover() }()
				if !req.IsAck() {
					respond(req, tx, 500, "Server Internal Error")
				}
			}()
			tx.TerminateGracefully()
		}
	}()
	if code, reason := r.check(req); code != 0 {
		r.Metrics.rejected(code)
		r.logLimited("bad request", req.Source(), "method", string(req.Method), "status", code, "reason", reason)
		if !req.IsAck() {
			res := sip.NewResponseFromRequest(req, code, reason, nil)
			res.SipVersion = "SIP/2.0" // a 505 too: the version the relay speaks
			_ = tx.Respond(res)
		}
		tx.TerminateGracefully()
		return
	}
	r.dispatch(req, tx)
}

// check validates a request the relay is about to handle: 0 if it is fine,
// else the status and reason phrase to answer with.
func (r *Relay) check(req *sip.Request) (int, string) {
	switch {
	case req.SipVersion != "SIP/2.0":
		return 505, "Version Not Supported"
	case req.Via() == nil:
		return 400, "Missing Via"
	case !viasWellFormed(req): // the responses could not find their way back
		return 400, "Malformed Via"
	case req.Recipient.Scheme == "":
		return 400, "Malformed Request-URI"
	case req.Recipient.Scheme != "sip" && req.Recipient.Scheme != "sips" && req.Recipient.Scheme != "tel":
		return 416, "Unsupported URI Scheme"
	case req.Recipient.Scheme != "tel" && req.Recipient.Host == "":
		return 400, "Malformed Request-URI"
	case req.CallID() == nil || req.CallID().Value() == "":
		return 400, "Missing Call-ID"
	case strings.ContainsAny(req.CallID().Value(), " \t"):
		return 400, "Malformed Call-ID"
	case req.From() == nil:
		return 400, "Missing From"
	case !uriScheme(req.From().Address):
		return 400, "Malformed From"
	case req.To() == nil:
		return 400, "Missing To"
	case !uriScheme(req.To().Address):
		return 400, "Malformed To"
	case req.CSeq() == nil:
		return 400, "Missing CSeq"
	case req.CSeq().MethodName != req.Method:
		return 400, "CSeq Method Does Not Match"
	}
	if mf := req.MaxForwards(); mf != nil && mf.Val() == 0 && !(req.Method == sip.OPTIONS && r.forSelf(req)) {
		return 483, "Too Many Hops"
	}
	if r.looped(req) {
		return 482, "Loop Detected"
	}
	return 0, ""
}

// uriScheme reports whether a From or To address is a SIP, SIPS or tel URI.
func uriScheme(u sip.Uri) bool {
	switch strings.ToLower(u.Scheme) {
	case "sip", "sips":
		return u.Host != ""
	case "tel":
		return true
	}
	return false
}

// viaTransports are the transports a Via may name (RFC 3261, 4168, 7118).
var viaTransports = map[string]bool{"UDP": true, "TCP": true, "TLS": true, "SCTP": true, "TLS-SCTP": true, "WS": true, "WSS": true}

// viasWellFormed reports whether every Via is SIP/2.0 over a known transport, with a
// sent-by host (sipgo's parser lets "Via: // 0" through).
func viasWellFormed(m interface{ GetHeaders(string) []sip.Header }) bool {
	for _, h := range m.GetHeaders("Via") {
		via, ok := h.(*sip.ViaHeader)
		if !ok || via.Host == "" || !strings.EqualFold(via.ProtocolName, "SIP") || via.ProtocolVersion != "2.0" || !viaTransports[strings.ToUpper(via.Transport)] {
			return false
		}
	}
	return true
}

// wellFormed reports whether a response from a hop may be relayed: the
// headers the relay and the caller read, a status code SIP knows, the
// method of the request it answers. Anything else is dropped.
func wellFormed(res *sip.Response, method sip.RequestMethod) bool {
	return res.SipVersion == "SIP/2.0" && res.StatusCode >= 100 && res.StatusCode <= 699 &&
		res.Via() != nil && viasWellFormed(res) && res.From() != nil && res.To() != nil && res.CallID() != nil &&
		res.CSeq() != nil && (method == "" || res.CSeq().MethodName == method)
}

// recovered counts a panic and logs it, the stack only the first time.
func (r *Relay) recovered(where string, v any) {
	r.Metrics.panics.Add(1)
	if r.panicked.CompareAndSwap(false, true) {
		r.log.Error("panic recovered", "in", where, "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
		return
	}
	r.logLimited("panic recovered", "", "in", where, "panic", fmt.Sprint(v))
}

// safely runs f, recovering a panic (for timers and goroutines the relay starts).
func (r *Relay) safely(where string, f func()) {
	defer func() {
		if v := recover(); v != nil {
			r.recovered(where, v)
		}
	}()
	f()
}

// loopBranch starts the branch of every Via the relay adds to a request it
// forwards in a transaction; the hash after it covers what identifies the
// request (RFC 3261 §16.6 step 8), so the same request coming back is a loop
// and a changed one (a spiral) is not.
const loopBranch = sip.RFC3261BranchMagicCookie + "-umctl-"

// loopHash hashes the fields that identify a request for loop detection.
func loopHash(req *sip.Request) string {
	h := fnv.New64a()
	h.Write([]byte(req.Recipient.String()))
	if f := req.From(); f != nil {
		h.Write([]byte(f.Params.GetOr("tag", "")))
	}
	if t := req.To(); t != nil {
		h.Write([]byte(t.Params.GetOr("tag", "")))
	}
	if c := req.CallID(); c != nil {
		h.Write([]byte(c.Value()))
	}
	if c := req.CSeq(); c != nil {
		h.Write([]byte(strconv.FormatUint(uint64(c.SeqNo), 10)))
	}
	return hex.EncodeToString(h.Sum(nil))
}

// looped reports whether a Via the relay itself added, for this same
// request, is already on it.
func (r *Relay) looped(req *sip.Request) bool {
	var want string
	for _, h := range req.GetHeaders("Via") {
		via, ok := h.(*sip.ViaHeader)
		if !ok || !strings.HasPrefix(via.Params.GetOr("branch", ""), loopBranch) || !r.isSelfAddr(via.Host, via.Port) {
			continue
		}
		if want == "" {
			want = loopBranch + loopHash(req) + "."
		}
		if strings.HasPrefix(via.Params.GetOr("branch", ""), want) {
			return true
		}
	}
	return false
}

// addVia is sipgo's ClientRequestAddVia with the relay's loop-detecting branch.
func addVia(c *sipgo.Client, req *sip.Request) error {
	if err := sipgo.ClientRequestAddVia(c, req); err != nil {
		return err
	}
	req.Via().Params.Add("branch", loopBranch+loopHash(req)+"."+newTag())
	return nil
}

var errTooManyHops = errors.New("max-forwards reached 0")

// decMaxForwards decrements Max-Forwards, or adds 70 where it is missing
// (RFC 3261 §16.6 step 3). A request at 0 never gets here (check answers 483).
func decMaxForwards(_ *sipgo.Client, req *sip.Request) error {
	mf := req.MaxForwards()
	if mf == nil {
		v := sip.MaxForwardsHeader(70)
		req.AppendHeader(&v)
		return nil
	}
	if mf.Val() == 0 {
		return errTooManyHops
	}
	mf.Dec()
	return nil
}

// isSelfAddr reports whether host:port is one of the relay's listeners.
func (r *Relay) isSelfAddr(host string, port int) bool {
	for _, ln := range r.listen {
		p := port
		if p == 0 {
			p = int(sip.DefaultPort(ln.Transport))
		}
		if strings.EqualFold(hostOf(ln.Addr), host) && portOf(ln.Addr) == p {
			return true
		}
	}
	return false
}

// forSelf reports whether a request is addressed to the relay itself.
func (r *Relay) forSelf(req *sip.Request) bool {
	return req.Recipient.User == "" || r.isSelf(req.Recipient.Host)
}
