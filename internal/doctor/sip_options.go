package doctor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strconv"

	"github.com/umctl/umctl/internal/sipprobe"
)

// SIPOptions is the sip-options check (doctor --sip): OPTIONS to every UM IP
// gateway address and every UM server FQDN the directory names, Parallel at a
// time, each bounded by Probe.Timeout. A target that does not answer 2xx, does
// not answer, or whose TLS certificate does not verify is an error.
type SIPOptions struct {
	Probe    sipprobe.Config
	Parallel int
}

// SIPChecks are the checks that send SIP (doctor --sip).
func SIPChecks(probe sipprobe.Config, parallel int) []Check {
	return []Check{SIPOptions{Probe: probe, Parallel: parallel}}
}

// ID implements Check.
func (SIPOptions) ID() string { return "sip-options" }

// Title implements Check.
func (SIPOptions) Title() string {
	return "(--sip) OPTIONS to every gateway address and UM server FQDN: no answer, not 2xx, TLS trust"
}

// Run implements Check.
func (c SIPOptions) Run(ctx context.Context, env *Env) ([]Finding, error) {
	targets, bad, err := sipTargets(ctx, env)
	if err != nil {
		return nil, err
	}
	out := bad
	for _, r := range sipprobe.Sweep(ctx, targets, c.Probe, c.Parallel) {
		if f, ok := sipFinding(r); ok {
			out = append(out, f)
		}
	}
	return out, nil
}

// sipTargets are the gateways' addresses (TLS on port 5061, TCP otherwise, as
// Exchange UM talks to them) and the UM servers' FQDNs (TLS on 5061, as Lync
// talks to them). A gateway address that is no SIP host is a finding itself.
func sipTargets(ctx context.Context, env *Env) ([]sipprobe.SweepTarget, []Finding, error) {
	gws, err := env.Gateways(ctx)
	if err != nil {
		return nil, nil, err
	}
	servers, err := env.Dir.UMServers(ctx)
	if err != nil {
		return nil, nil, err
	}
	var out []sipprobe.SweepTarget
	var bad []Finding
	for _, g := range gws {
		if g.Status == "disabled" || g.Simulator {
			continue
		}
		port, transport := g.Port, "tcp"
		if port == 0 {
			port = 5060
		}
		if port == 5061 {
			transport = "tls"
		}
		t, err := sipprobe.ParseTarget(fmt.Sprintf("sip:%s;transport=%s", net.JoinHostPort(g.Address, strconv.Itoa(port)), transport))
		if err != nil {
			bad = append(bad, Finding{Check: "sip-options", Severity: Error, Object: "gateway " + g.Name, DN: g.DN,
				Problem: fmt.Sprintf("address %q is not a SIP host", g.Address)})
			continue
		}
		out = append(out, sipprobe.SweepTarget{Name: "gateway " + g.Name, Target: t})
	}
	for _, s := range servers {
		if s.FQDN == "" {
			bad = append(bad, Finding{Check: "sip-options", Severity: Warning, Object: "UM server " + s.Name, DN: s.DN,
				Problem: "has no dNSHostName: Lync cannot reach it by name"})
			continue
		}
		t, err := sipprobe.ParseTarget("sip:" + net.JoinHostPort(s.FQDN, "5061") + ";transport=tls")
		if err != nil {
			continue
		}
		out = append(out, sipprobe.SweepTarget{Name: "UM server " + s.Name, Target: t})
	}
	return out, bad, nil
}

// sipFinding is the finding for one probe, if any.
func sipFinding(r sipprobe.SweepResult) (Finding, bool) {
	f := Finding{Check: "sip-options", Severity: Error, Object: r.Name}
	var te *sipprobe.TrustError
	switch {
	case errors.As(r.Err, &te):
		f.Problem = fmt.Sprintf("%s: %s", r.Target.URI.String(), te.Error())
	case r.Err != nil:
		f.Problem = r.Err.Error()
	case !r.Result.OK():
		f.Problem = fmt.Sprintf("%s answered OPTIONS %d %s", r.Target.URI.String(), r.Result.Status, r.Result.Reason)
	default:
		return f, false
	}
	return f, true
}
