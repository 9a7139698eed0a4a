package sipprobe

import (
	"context"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Answer is the outcome of one request: where it went and what came back.
type Answer struct {
	Target    string        `json:"target"`
	Transport string        `json:"transport"`
	Address   string        `json:"address"`
	Status    int           `json:"status"`
	Reason    string        `json:"reason"`
	RTT       time.Duration `json:"rtt_ns"`
	Chain     []CertInfo    `json:"chain,omitempty"`
}

// OK reports a 2xx answer.
func (a *Answer) OK() bool { return a.Status >= 200 && a.Status < 300 }

// exchange sends the request that build makes (given the local address) to t
// and waits for its final answer within the timeout. Over TLS it first checks
// the server's chain (a *TrustError; the answer still holds the chain).
func exchange(ctx context.Context, t Target, c Config, build func(local string) *sip.Request) (*Answer, *sip.Response, error) {
	ctx, cancel := context.WithTimeout(ctx, c.timeout())
	defer cancel()
	ans := &Answer{Target: t.URI.String(), Transport: t.Transport, Address: t.Addr()}
	pc, err := newClient(ctx, t, c)
	if err != nil {
		return nil, nil, err
	}
	defer pc.Close()
	if err := checkTLS(ctx, t, c, ans); err != nil {
		return ans, nil, err
	}
	req := build(pc.local)
	start := time.Now()
	res, err := pc.client.Do(ctx, req)
	if err != nil {
		return ans, nil, requestError(t, err)
	}
	ans.RTT = time.Since(start)
	ans.Status, ans.Reason = res.StatusCode, res.Reason
	return ans, res, nil
}

// checkTLS fills ans.Chain over TLS and reports a trust failure.
func checkTLS(ctx context.Context, t Target, c Config, ans *Answer) error {
	if t.Transport != "TLS" {
		return nil
	}
	conf, err := c.TLSConfig()
	if err != nil {
		return err
	}
	ans.Chain, err = inspectTLS(ctx, t, conf)
	return err
}
