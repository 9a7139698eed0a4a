package cli

import (
	"bytes"
	"io"
	"slices"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/pkg/twwidth"
	"github.com/olekukonko/tablewriter/renderer"
	"github.com/olekukonko/tablewriter/tw"
)

// colGap is the space between two columns.
const colGap = 2

// minColumn is the narrowest a shortened column gets (unless its content is narrower).
const minColumn = 6

// writeTable renders t for a terminal of width columns (0: no limit, every
// column): borderless, kubectl style, one line per row. When the table is too
// wide, the first column (the identity) stays whole (wrapping at word
// boundaries only if it alone takes more than half the width) and the others
// shrink: truncated with "…", or wrapped at word boundaries when t.Wrap is set.
// Words are never broken across lines, and no line is blank.
func writeTable(w io.Writer, t Table, width int) error {
	headers, rows, keep := visibleColumns(t, width == 0)
	for i, h := range headers {
		headers[i] = strings.ToUpper(h)
	}
	for _, r := range rows {
		for i, c := range r {
			r[i] = EscapeTerminal(c)
		}
	}
	if width > 0 {
		widths := fitColumns(headers, rows, keep, width)
		for i, h := range headers {
			headers[i] = truncate(h, widths[i])
		}
		for _, r := range rows {
			for i, c := range r {
				switch {
				case twwidth.Width(c) <= widths[i]:
				case i == 0 || t.Wrap:
					r[i] = wrapWords(c, widths[i])
				default:
					r[i] = truncate(c, widths[i])
				}
			}
		}
	}
	return render(w, headers, rows)
}

// visibleColumns copies the table's headers and rows, without the wide-only
// columns unless wide, and says which of the columns left are to be kept whole.
func visibleColumns(t Table, wide bool) ([]string, [][]string, []int) {
	keep := func(i int) bool { return wide || !slices.Contains(t.WideOnly, i) }
	var headers []string
	var whole []int
	for i, h := range t.Headers {
		if keep(i) {
			if slices.Contains(t.Keep, i) {
				whole = append(whole, len(headers))
			}
			headers = append(headers, h)
		}
	}
	rows := make([][]string, 0, len(t.Rows))
	for _, r := range t.Rows {
		row := make([]string, 0, len(headers)) // tablewriter keeps the slice: never reuse it
		for i, c := range r {
			if keep(i) {
				row = append(row, c)
			}
		}
		rows = append(rows, row)
	}
	return headers, rows, whole
}

// fitColumns chooses column widths that fit width: the natural widths when
// they fit; otherwise one cap for the widest columns, as high as fits above a
// floor. Identities are whole: the keep columns, and the first column (which
// may wrap at word boundaries down to half the width). The other columns are
// as wide as their values (a longer header is cut to minColumn first) and no
// narrower than their header if that fits, else minColumn, else 3 ("a…");
// when even that is too wide the table is wider than the terminal rather than
// cut an identity.
func fitColumns(headers []string, rows [][]string, keep []int, width int) []int {
	natural := make([]int, len(headers))
	longestWord0 := 0
	for i, h := range headers {
		natural[i] = twwidth.Width(h)
	}
	for _, r := range rows {
		for i, c := range r {
			natural[i] = max(natural[i], twwidth.Width(c))
		}
		for _, w := range words(r[0]) {
			longestWord0 = max(longestWord0, twwidth.Width(strings.TrimSpace(w)))
		}
	}
	avail := width - colGap*(len(headers)-1)
	if sum(natural) <= avail || len(natural) == 0 {
		return natural
	}
	// Shrinking: a header longer than its column's values may be cut first
	// (DIAL P… over SipDP), so that the values keep the room.
	for i := range natural {
		if i > 0 && !slices.Contains(keep, i) {
			natural[i] = max(contentWidth(rows, i), min(twwidth.Width(headers[i]), minColumn))
		}
	}
	var floor []int
	for _, least := range []func(i int) int{
		func(i int) int { return max(minColumn, twwidth.Width(headers[i])) },
		func(int) int { return minColumn },
		func(int) int { return 3 },
	} {
		floor = make([]int, len(natural))
		for i, n := range natural {
			floor[i] = min(n, least(i))
		}
		floor[0] = min(natural[0], max(longestWord0, avail/2, twwidth.Width(headers[0])))
		for _, i := range keep {
			floor[i] = natural[i]
		}
		if sum(floor) <= avail {
			break
		}
	}
	widthsAt := func(limit int) []int {
		out := make([]int, len(natural))
		for i, n := range natural {
			out[i] = max(floor[i], min(n, limit))
		}
		return out
	}
	limit := 0
	for l := 1; l <= slices.Max(natural); l++ {
		if sum(widthsAt(l)) > avail {
			break
		}
		limit = l
	}
	widths := widthsAt(limit)
	for i := range widths { // what the cap leaves over goes to the first capped columns
		if extra := min(avail-sum(widths), natural[i]-widths[i]); extra > 0 {
			widths[i] += extra
		}
	}
	return widths
}

// contentWidth is the width of column i's widest value.
func contentWidth(rows [][]string, i int) int {
	w := 0
	for _, r := range rows {
		w = max(w, twwidth.Width(r[i]))
	}
	return w
}

func sum(v []int) int {
	n := 0
	for _, x := range v {
		n += x
	}
	return n
}

// truncate shortens s to width display columns, ending in "…".
func truncate(s string, width int) string {
	if twwidth.Width(s) <= width {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if twwidth.Width(b.String()+string(r)) > width-1 {
			break
		}
		b.WriteRune(r)
	}
	return b.String() + "…"
}

// wrapWords breaks s into lines of at most width columns at word boundaries:
// spaces, and after "," and ";" (DNs, lists). A word longer than a line is truncated.
func wrapWords(s string, width int) string {
	var lines []string
	line := ""
	for _, word := range words(s) {
		switch {
		case line == "":
			line = strings.TrimLeft(word, " ")
		case twwidth.Width(line+word) <= width:
			line += word
		default:
			lines = append(lines, truncate(strings.TrimRight(line, " "), width))
			line = strings.TrimLeft(word, " ")
		}
	}
	if line != "" {
		lines = append(lines, truncate(strings.TrimRight(line, " "), width))
	}
	return strings.Join(lines, "\n")
}

// words splits s before every space and after every "," or ";", keeping all characters.
func words(s string) []string {
	var out []string
	start := 0
	for i, r := range s {
		switch {
		case r == ' ' && i > start:
			out = append(out, s[start:i])
			start = i
		case r == ',' || r == ';':
			out = append(out, s[start:i+1])
			start = i + 1
		}
	}
	if start < len(s) {
		out = append(out, s[start:])
	}
	return out
}

// render draws the table with tablewriter: no borders or lines, left-aligned,
// headers verbatim, no wrapping of its own; two spaces between columns and
// none at the ends of lines.
func render(w io.Writer, headers []string, rows [][]string) error {
	var buf bytes.Buffer
	table := tablewriter.NewTable(&buf,
		tablewriter.WithRenderer(renderer.NewBlueprint(tw.Rendition{
			Borders:  tw.BorderNone,
			Settings: tw.Settings{Separators: tw.SeparatorsNone, Lines: tw.LinesNone},
		})),
		tablewriter.WithPadding(tw.Padding{Left: "", Right: strings.Repeat(" ", colGap), Overwrite: true}),
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithHeaderAlignment(tw.AlignLeft),
		tablewriter.WithRowAlignment(tw.AlignLeft),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithHeaderAutoWrap(tw.WrapNone),
		tablewriter.WithTrimSpace(tw.Off),
	)
	table.Header(headers)
	for _, r := range rows {
		if err := table.Append(r); err != nil {
			return err
		}
	}
	if err := table.Render(); err != nil {
		return err
	}
	for _, line := range strings.Split(buf.String(), "\n") {
		if line = strings.TrimRight(line, " "); line == "" {
			continue
		}
		if _, err := io.WriteString(w, line+"\n"); err != nil {
			return err
		}
	}
	return nil
}
