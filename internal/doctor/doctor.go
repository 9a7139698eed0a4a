// Package doctor finds what breaks Exchange UM with Lync before users do: it
// checks across the pieces (gateways, hunt groups, dial plans, contacts, EUM
// addresses, permissions) that each Microsoft tool sees only one of. Each check
// has a stable id, reports findings with a severity and, where umctl can fix
// it, the umctl command that does. The checks share one read of the catalog
// (ad.Catalog) and of the gateways, contacts and EUM users (Env), so a run
// costs a fixed number of searches plus searches targeted at what was found.
package doctor

import (
	"context"
	"fmt"
	"strings"
)

// Severity of a finding: errors break calls, voicemail or MWI; warnings are
// risks or leftovers.
type Severity string

// Severities.
const (
	Error   Severity = "error"
	Warning Severity = "warning"
)

// Finding is one defect a check found.
type Finding struct {
	Check    string   `json:"check"` // the check id, or a sub-id such as eum-duplicate
	Severity Severity `json:"severity"`
	Object   string   `json:"object"` // what is wrong: a gateway, user, contact, dial plan … by name
	DN       string   `json:"dn,omitempty"`
	Problem  string   `json:"problem"`
	Fix      string   `json:"fix,omitempty"` // the umctl command that fixes it, when one does
}

// Check is one kind of defect. A group of checks (the directory checks, and
// others such as SIP probes) is a []Check; Run takes any mix of them.
type Check interface {
	// ID is stable: scripts and --only use it. A check whose findings have
	// sub-ids (eum → eum-duplicate) reports them as ID()+"-"+…
	ID() string
	// Title says in one line what the check looks for.
	Title() string
	// Run returns the check's findings (none when all is well); an error is a
	// failure to check, not a finding.
	Run(ctx context.Context, env *Env) ([]Finding, error)
}

// DirectoryChecks are the checks that read the directory, in the order they run.
func DirectoryChecks() []Check {
	return []Check{staleGateway{}, huntGroupOrphan{}, contactBroken{}, digitsMismatch{}, eumCheck{},
		permissions{}, gatewayFlags{}, dialPlanUnserved{}, sipURICase{}}
}

// Report is the result of a run.
type Report struct {
	Checks   []string  `json:"checks"` // the ids of the checks that ran
	Errors   int       `json:"errors"`
	Warnings int       `json:"warnings"`
	Findings []Finding `json:"findings"`
}

// Run runs the checks in order and collects their findings. A check that
// cannot run (the directory fails) stops the run with an error naming it.
func Run(ctx context.Context, env *Env, checks []Check) (*Report, error) {
	r := &Report{Checks: []string{}, Findings: []Finding{}}
	for _, c := range checks {
		r.Checks = append(r.Checks, c.ID())
		fs, err := c.Run(ctx, env)
		if err != nil {
			return nil, fmt.Errorf("check %s: %w", c.ID(), err)
		}
		for _, f := range fs {
			if f.Check == "" {
				f.Check = c.ID()
			}
			switch f.Severity {
			case Error:
				r.Errors++
			case Warning:
				r.Warnings++
			}
			r.Findings = append(r.Findings, f)
		}
	}
	return r, nil
}

// Select returns the checks that only names (check ids; "eum-*" or any
// eum-… sub-id selects the eum check), in their usual order; all of them when
// only is empty. unknown is the first name no check has.
func Select(all []Check, only []string) (selected []Check, unknown string) {
	if len(only) == 0 {
		return all, ""
	}
	want := map[string]bool{}
	for _, name := range only {
		n := strings.ToLower(strings.TrimSpace(name))
		c := find(all, n)
		if c == nil {
			return nil, name
		}
		want[c.ID()] = true
	}
	for _, c := range all {
		if want[c.ID()] {
			selected = append(selected, c)
		}
	}
	return selected, ""
}

// Only keeps the findings that names select: a check id keeps all of its
// findings, a sub-id (eum-duplicate) only those; the counts follow.
func (r *Report) Only(names []string) {
	if len(names) == 0 {
		return
	}
	keep := r.Findings[:0]
	r.Errors, r.Warnings = 0, 0
	for _, f := range r.Findings {
		if !selects(names, f.Check) {
			continue
		}
		keep = append(keep, f)
		switch f.Severity {
		case Error:
			r.Errors++
		case Warning:
			r.Warnings++
		}
	}
	r.Findings = keep
}

func selects(names []string, id string) bool {
	for _, n := range names {
		n = strings.TrimSuffix(strings.ToLower(strings.TrimSpace(n)), "-*")
		if id == n || strings.HasPrefix(id, n+"-") && !isCheckID(id) {
			return true
		}
	}
	return false
}

// isCheckID reports an id that is a check's own (stale-gateway), not a sub-id.
func isCheckID(id string) bool {
	for _, c := range DirectoryChecks() {
		if c.ID() == id {
			return true
		}
	}
	return false
}

func find(all []Check, name string) Check {
	for _, c := range all {
		if name == c.ID() || name == c.ID()+"-*" {
			return c
		}
	}
	for _, c := range all { // a sub-id: eum-duplicate
		for _, s := range subIDs(c) {
			if name == s {
				return c
			}
		}
	}
	return nil
}

// IDs lists the ids --only takes for checks: each check's id, and the sub-ids of those that have them.
func IDs(checks []Check) []string {
	var out []string
	for _, c := range checks {
		out = append(out, c.ID())
		out = append(out, subIDs(c)...)
	}
	return out
}

// Completions are IDs with each check's title, "id\ttitle", for shell completion.
func Completions(checks []Check) []string {
	var out []string
	for _, c := range checks {
		for _, id := range append([]string{c.ID()}, subIDs(c)...) {
			out = append(out, id+"\t"+c.Title())
		}
	}
	return out
}

func subIDs(c Check) []string {
	if p, ok := c.(interface{ SubIDs() []string }); ok {
		return p.SubIDs()
	}
	return nil
}
