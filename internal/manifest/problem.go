package manifest

import (
	"fmt"
	"strings"
)

// Problem is one mistake in a manifest, where it was written.
type Problem struct {
	Location
	Msg string
}

func (p Problem) String() string {
	var b strings.Builder
	b.WriteString(p.File)
	if p.Line > 0 {
		fmt.Fprintf(&b, ":%d", p.Line)
	}
	if p.Path != "" {
		b.WriteString(": " + p.Path)
	}
	return b.String() + ": " + p.Msg
}

// Problems are every mistake found; as an error it lists them one a line.
type Problems []Problem

func (ps Problems) Error() string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.String()
	}
	return strings.Join(lines, "\n")
}

// add records a problem at l.
func (ps *Problems) add(l Location, format string, a ...any) {
	*ps = append(*ps, Problem{Location: l, Msg: fmt.Sprintf(format, a...)})
}

// err is ps as an error, nil when empty.
func (ps Problems) err() error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// field is the location of one field of the entry at l.
func (l Location) field(name string) Location {
	l.Path += "." + name
	return l
}

// addOnce records p unless a problem at the same line and path is recorded.
func (ps *Problems) addOnce(p Problem) {
	for _, q := range *ps {
		if q.Line == p.Line && q.Path == p.Path {
			return
		}
	}
	*ps = append(*ps, p)
}
