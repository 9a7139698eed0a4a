package cli

import (
	"fmt"
	"strings"

	"github.com/umctl/umctl/internal/ad"
)

// warningsShown is how many warnings of one kind are named before they are
// summarised: a bulk plan (2,000 contacts whose number is not their dial
// plan's access number) would otherwise bury the rest of stderr.
const warningsShown = 3

// PrintWarnings writes the plan's warnings from index from on standard
// error. Warnings made from one format (one per object) that come more than
// warningsShown times are one line: the count, the first of them in full and
// the objects of the next few; verbose writes every one (-o json always
// carries them all).
func PrintWarnings(s *IOStreams, p *ad.Plan, from int, verbose bool) {
	for _, g := range groupWarnings(p, from) {
		if verbose || len(g) <= warningsShown {
			for _, w := range g {
				fmt.Fprintf(s.ErrOut, "warning: %s\n", EscapeTerminal(w))
			}
			continue
		}
		var next []string
		for _, w := range g[1:warningsShown] {
			next = append(next, subject(w))
		}
		fmt.Fprintf(s.ErrOut, "warning: %d warnings like this one: %s (also %s and %d more; -v or -o json lists them all)\n",
			len(g), EscapeTerminal(g[0]), EscapeTerminal(strings.Join(next, ", ")), len(g)-warningsShown)
	}
}

// groupWarnings groups the warnings from index from by their format, in the
// order each format first appears; warnings of unknown format stand alone.
func groupWarnings(p *ad.Plan, from int) [][]string {
	var groups [][]string
	index := map[string]int{}
	for i := from; i < len(p.Warnings); i++ {
		f := p.WarningFormat(i)
		if j, ok := index[f]; ok && f != "" {
			groups[j] = append(groups[j], p.Warnings[i])
			continue
		}
		index[f] = len(groups)
		groups = append(groups, []string{p.Warnings[i]})
	}
	return groups
}

// subject is what a warning is about: the text before its first ": " (the
// object), or the warning cut short.
func subject(w string) string {
	if s, _, ok := strings.Cut(w, ": "); ok && len(s) <= 100 {
		return s
	}
	if r := []rune(w); len(r) > 60 {
		return string(r[:57]) + "..."
	}
	return w
}
