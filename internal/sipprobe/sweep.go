package sipprobe

import (
	"context"
	"sync"
)

// SweepResult is one target's OPTIONS outcome in a sweep.
type SweepResult struct {
	Name   string         `json:"name"` // what the directory calls it (gateway, UM server)
	Target Target         `json:"-"`
	Result *OptionsResult `json:"result,omitempty"`
	Err    error          `json:"-"`
}

// SweepTarget is a target with the name of the object that names it.
type SweepTarget struct {
	Name   string
	Target Target
}

// options is the probe a sweep runs (tests wrap it to watch concurrency).
var options = Options

// Sweep sends OPTIONS to every target, at most parallel at a time, each
// bounded by c.Timeout, and returns the results in the targets' order.
func Sweep(ctx context.Context, targets []SweepTarget, c Config, parallel int) []SweepResult {
	if parallel < 1 {
		parallel = 1
	}
	out := make([]SweepResult, len(targets))
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i, t := range targets {
		out[i] = SweepResult{Name: t.Name, Target: t.Target}
		wg.Add(1)
		sem <- struct{}{}
		go func(r *SweepResult) {
			defer wg.Done()
			defer func() { <-sem }()
			r.Result, r.Err = options(ctx, r.Target, c)
		}(&out[i])
	}
	wg.Wait()
	return out
}
