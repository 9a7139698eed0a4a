// The part of the config a reload (SIGHUP) can change.

package sip

import (
	"github.com/umctl/umctl/internal/routing"
)

// rules are what a reload can change: the hold policy, presence and target headers.
type rules struct {
	policy   routing.Policy
	presence routing.Source
	headers  []string
	ringing  bool
	numbers  routing.StaticResolver
	// rejectUnknown: unknown_numbers: reject (a number neither numbers: nor directory: maps gets 404)
	rejectUnknown bool
}

// newRules builds the rules of a config being checked, with its numbers: table.
func newRules(cfg *Config, numbers routing.StaticResolver) (*rules, error) {
	policy, src, err := cfg.Policy()
	if err != nil {
		return nil, err
	}
	return &rules{policy: policy, presence: src, headers: cfg.TargetHeaders, ringing: *cfg.Ringing, numbers: numbers, rejectUnknown: cfg.UnknownNumbers == "reject"}, nil
}
