package sipprobe

import (
	"context"
	"errors"
	"time"

	"github.com/emiago/sipgo/sip"
)

// OptionsResult is what an OPTIONS probe learned.
type OptionsResult struct {
	Target    string        `json:"target"`
	Transport string        `json:"transport"`
	Address   string        `json:"address"`
	Status    int           `json:"status"`
	Reason    string        `json:"reason"`
	RTT       time.Duration `json:"rtt_ns"`
	UserAgent string        `json:"user_agent,omitempty"`
	Server    string        `json:"server,omitempty"`
	Allow     string        `json:"allow,omitempty"`
	Supported string        `json:"supported,omitempty"`
	Chain     []CertInfo    `json:"chain,omitempty"`
}

// OK reports a 2xx answer.
func (r *OptionsResult) OK() bool { return r.Status >= 200 && r.Status < 300 }

// Options sends OPTIONS to t and returns the answer. Over TLS it first checks
// the server's certificate chain; a trust failure is a *TrustError (the
// result still holds the chain). No answer in time is an error saying so.
func Options(ctx context.Context, t Target, c Config) (*OptionsResult, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	res := &OptionsResult{Target: t.URI.String(), Transport: t.Transport, Address: t.Addr()}
	pc, err := newClient(ctx, t, c)
	if err != nil {
		return nil, err
	}
	defer pc.Close()
	if t.Transport == "TLS" {
		conf, _ := c.TLSConfig() // checked by newClient
		if res.Chain, err = inspectTLS(ctx, t, conf); err != nil {
			return res, err
		}
	}
	req := t.request(sip.OPTIONS)
	req.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	setFrom(req, c, pc.local)
	start := time.Now()
	answer, err := pc.client.Do(ctx, req)
	if err != nil {
		return res, requestError(t, err)
	}
	res.RTT = time.Since(start)
	res.Status, res.Reason = answer.StatusCode, answer.Reason
	res.UserAgent, res.Server = headerValue(answer, "User-Agent"), headerValue(answer, "Server")
	res.Allow, res.Supported = headerValue(answer, "Allow"), headerValue(answer, "Supported")
	return res, nil
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
