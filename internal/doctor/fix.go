package doctor

import (
	"regexp"
	"strings"
)

var plainArg = regexp.MustCompile(`^[A-Za-z0-9@%+=:,./_-]+$`)

// Command renders a umctl command line, quoting each argument for a POSIX shell when it needs it.
func Command(args ...string) string {
	out := make([]string, 0, len(args)+1)
	out = append(out, "umctl")
	for _, a := range args {
		if plainArg.MatchString(a) {
			out = append(out, a)
			continue
		}
		out = append(out, "'"+strings.ReplaceAll(a, "'", `'\''`)+"'")
	}
	return strings.Join(out, " ")
}
