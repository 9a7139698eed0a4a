package routing

import (
	"context"
	"errors"
	"time"
)

// Policy says which calls are held, and for how long.
type Policy struct {
	Hold     time.Duration
	HoldWhen []State
	// Users overrides per target key (a number or sip:user@host).
	Users map[string]UserPolicy
	// Timeout is the presence lookup deadline; on timeout or error the state is Unknown.
	Timeout time.Duration
}

// UserPolicy overrides the hold time and states for one user.
type UserPolicy struct {
	Hold     *time.Duration
	HoldWhen []State
}

// Decision is what to do with one call.
type Decision struct {
	Target   Target        `json:"target"`
	State    State         `json:"presence"`
	Hold     time.Duration `json:"hold"`
	Reason   string        `json:"reason"`
	Lookup   time.Duration `json:"lookupTime"`
	TimedOut bool          `json:"timedOut,omitempty"`
}

// Decide looks up presence within the deadline and applies the policy.
// Holding only delays voicemail, while not holding loses the call; so an
// unanswered lookup counts as Unknown, which the default policy holds.
func (p Policy) Decide(ctx context.Context, src Source, t Target) Decision {
	d := Decision{Target: t, State: Unknown}
	if _, ok := src.(instant); ok { // answered from memory: no deadline machinery
		if s, err := src.Lookup(ctx, t); err == nil {
			d.State = s
		}
		return p.apply(d)
	}
	timeout := p.Timeout
	if timeout <= 0 {
		timeout = 250 * time.Millisecond
	}
	lctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	start := time.Now()
	type answer struct {
		s   State
		err error
	}
	ch := make(chan answer, 1)
	go func() {
		s, err := src.Lookup(lctx, t)
		ch <- answer{s, err}
	}()
	select {
	case a := <-ch:
		if a.err == nil {
			d.State = a.s
		} else if errors.Is(a.err, context.DeadlineExceeded) {
			d.TimedOut = true
		}
	case <-lctx.Done():
		d.TimedOut = true
	}
	d.Lookup = time.Since(start)
	return p.apply(d)
}

// instant marks sources that answer from memory at once (constant, file).
type instant interface{ instant() }

func (Constant) instant()    {}
func (*FileSource) instant() {}

func (p Policy) apply(d Decision) Decision {
	t := d.Target
	hold, when := p.Hold, p.HoldWhen
	for _, k := range t.Keys() {
		if u, ok := p.Users[k]; ok {
			if u.Hold != nil {
				hold = *u.Hold
			}
			if u.HoldWhen != nil {
				when = u.HoldWhen
			}
			break
		}
	}
	for _, s := range when {
		if s == d.State {
			d.Hold, d.Reason = hold, "presence "+string(d.State)
			return d
		}
	}
	d.Reason = "presence " + string(d.State) + " is not in hold_when"
	return d
}
