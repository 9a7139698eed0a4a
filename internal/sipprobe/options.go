package sipprobe

import (
	"context"
	"errors"

	"github.com/emiago/sipgo/sip"
)

// OptionsResult is what an OPTIONS probe learned.
type OptionsResult struct {
	Answer
	UserAgent string `json:"user_agent,omitempty"`
	Server    string `json:"server,omitempty"`
	Allow     string `json:"allow,omitempty"`
	Supported string `json:"supported,omitempty"`
}

// Options sends OPTIONS to t and returns the answer. Over TLS it first checks
// the server's certificate chain; a trust failure is a *TrustError (the
// result still holds the chain). No answer in time is an error saying so.
func Options(ctx context.Context, t Target, c Config) (*OptionsResult, error) {
	ans, res, err := exchange(ctx, t, c, func(local string) *sip.Request {
		req := t.request(sip.OPTIONS)
		req.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
		setFrom(req, c, local)
		return req
	})
	if ans == nil {
		return nil, err
	}
	out := &OptionsResult{Answer: *ans}
	if res != nil {
		out.UserAgent, out.Server = headerValue(res, "User-Agent"), headerValue(res, "Server")
		out.Allow, out.Supported = headerValue(res, "Allow"), headerValue(res, "Supported")
	}
	return out, err
}

func headerValue(m sip.Message, name string) string {
	var vals []string
	for _, h := range m.GetHeaders(name) {
		vals = append(vals, h.Value())
	}
	if len(vals) == 0 {
		return ""
	}
	out := vals[0]
	for _, v := range vals[1:] {
		out += ", " + v
	}
	return out
}

// requestError explains a request that got no answer.
func requestError(t Target, err error) error {
	var te *TrustError
	if errors.As(err, &te) {
		return err
	}
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, sip.ErrTransactionTimeout) {
		return connectError(t, context.DeadlineExceeded)
	}
	return dialError(t, err)
}

// setFrom sets the From header: c.From or sip:umctl@<local address>.
func setFrom(req *sip.Request, c Config, local string) {
	from := sip.Uri{Scheme: "sip", User: "umctl", Host: local}
	if c.From != "" {
		_ = sip.ParseUri(c.From, &from) // validated by the caller (ParseFrom)
	}
	h := &sip.FromHeader{Address: from, Params: sip.NewParams()}
	h.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(h)
}

// ParseFrom checks a From URI (sip:, sips: or tel:).
func ParseFrom(s string) error {
	if s == "" {
		return nil
	}
	_, err := ParseTarget(s)
	return err
}
