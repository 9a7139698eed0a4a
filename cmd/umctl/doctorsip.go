package main

import (
	"time"

	"github.com/spf13/cobra"

	"github.com/umctl/umctl/internal/cli"
	"github.com/umctl/umctl/internal/doctor"
	"github.com/umctl/umctl/internal/sipprobe"
)

// sipDoctorFlags are doctor's --sip flags.
type sipDoctorFlags struct {
	on       bool
	probe    sipprobe.Config
	parallel int
}

func (s *sipDoctorFlags) register(cmd *cobra.Command) {
	f := cmd.Flags()
	f.BoolVar(&s.on, "sip", false, "also send OPTIONS to every gateway and UM server the directory names (check sip-options)")
	f.DurationVar(&s.probe.Timeout, "sip-timeout", 3*time.Second, "how long each OPTIONS waits for its answer")
	f.IntVar(&s.parallel, "sip-parallel", 8, "how many OPTIONS are in flight at once")
	registerTLSFlags(cmd, &s.probe)
}

// apply puts the configured SIP checks in selected (dropping them without
// --sip unless --only named them) and checks the flags (exit 2 naming one).
func (s *sipDoctorFlags) apply(selected []doctor.Check, named bool) ([]doctor.Check, error) {
	out := selected[:0:0]
	sip := map[string]bool{}
	for _, c := range doctor.SIPChecks(s.probe, s.parallel) {
		sip[c.ID()] = true
		for _, sel := range selected {
			if sel.ID() == c.ID() && (s.on || named) {
				out = append(out, c)
			}
		}
	}
	var dir []doctor.Check
	for _, c := range selected {
		if !sip[c.ID()] {
			dir = append(dir, c)
		}
	}
	out = append(dir, out...)
	if len(out) == len(dir) {
		return out, nil
	}
	if s.probe.Timeout <= 0 {
		return nil, cli.FlagErrorf("--sip-timeout %s: want a positive duration, e.g. 3s", s.probe.Timeout)
	}
	if s.parallel < 1 || s.parallel > 256 {
		return nil, cli.FlagErrorf("--sip-parallel %d: want 1 to 256", s.parallel)
	}
	if err := checkTLSFlags(s.probe); err != nil {
		return nil, err
	}
	return out, nil
}
