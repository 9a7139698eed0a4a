package cli

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Output formats for -o/--output. The empty format means: a table on a
// terminal (fitted to its width), TSV (with a header row) when piped. wide is
// the table with every column, nothing shortened. ldif is for plans only.
var OutputFormats = []string{"table", "wide", "tsv", "csv", "json", "yaml", "ldif"}

// ValidateOutput checks an -o value.
func ValidateOutput(format string) error {
	if format == "" {
		return nil
	}
	if slices.Contains(OutputFormats, format) {
		return nil
	}
	return FlagErrorf("invalid value %q for --output: expected one of %s", format, strings.Join(OutputFormats, ", "))
}

// Table is the human form of a result.
type Table struct {
	Headers []string
	Rows    [][]string
	// Records, when set, is what -o csv writes instead: for objects that a
	// --from-csv reads, exactly its columns, so that an export can be fed back.
	// Otherwise -o csv writes the table with ColumnNames as the header.
	Records *Table
	// Keep are the columns (indexes) that a terminal table never shortens, besides
	// the first: identities such as a number.
	Keep []int
	// WideOnly are the columns (indexes) a terminal table shows only with
	// -o wide; TSV and CSV always have them.
	WideOnly []int
	// Wrap: cells too wide for the terminal wrap at word boundaries instead of
	// being truncated (views of one object, where every word matters).
	Wrap bool
}

// ColumnNames are the headers as CSV/TSV column names: "dial plan" → dial_plan.
func (t Table) ColumnNames() []string {
	out := make([]string, len(t.Headers))
	for i, h := range t.Headers {
		out[i] = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(h)), " ", "_")
	}
	return out
}

// Print writes data in the chosen format: JSON and YAML render data itself
// (field names are the stable `json` tags), table and TSV render tbl.
func Print(s *IOStreams, format string, data any, tbl Table) error {
	switch format {
	case "ldif":
		return FlagErrorf("-o ldif is for changes (a plan or --dry-run); use -o json or -o yaml for reads")
	case "json":
		return WriteJSON(s.Out, data)
	case "yaml":
		return WriteYAML(s.Out, data)
	case "tsv":
		return writeTSV(s.Out, tbl, !s.NoHeaders)
	case "csv":
		return writeCSV(s, tbl)
	case "table":
		return writeTable(s.Out, tbl, s.TerminalWidth())
	case "wide":
		return writeTable(s.Out, tbl, 0)
	default:
		if s.IsStdoutTTY() {
			return writeTable(s.Out, tbl, s.TerminalWidth())
		}
		return writeTSV(s.Out, tbl, !s.NoHeaders)
	}
}

// WriteJSON writes v as indented JSON.
func WriteJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

// WriteYAML writes v as YAML with the same field names and order as the JSON form.
func WriteYAML(w io.Writer, v any) error { return WriteYAMLAnnotated(w, v, nil) }

// WriteYAMLAnnotated is WriteYAML with a hook that may add comments to the document.
func WriteYAMLAnnotated(w io.Writer, v any, annotate func(*yaml.Node)) error {
	var buf bytes.Buffer
	if err := json.NewEncoder(&buf).Encode(v); err != nil {
		return err
	}
	var node yaml.Node
	if err := yaml.Unmarshal(buf.Bytes(), &node); err != nil {
		return err
	}
	blockStyle(&node)
	if annotate != nil {
		annotate(&node)
	}
	enc := yaml.NewEncoder(w)
	enc.SetIndent(2)
	if err := enc.Encode(&node); err != nil {
		return err
	}
	return enc.Close()
}

// blockStyle turns the flow style that parsing JSON leaves into YAML block style,
// keeping quotes only where strings need them.
func blockStyle(n *yaml.Node) {
	n.Style &^= yaml.FlowStyle | yaml.DoubleQuotedStyle
	for _, c := range n.Content {
		blockStyle(c)
	}
}

// writeTSV writes a header row (the column names) unless told not to, then one
// line per row. Control characters, tab and newline included, are escaped
// (\x09), so a value never splits a line or a field nor reaches a terminal raw.
func writeTSV(w io.Writer, t Table, header bool) error {
	if header {
		if _, err := fmt.Fprintln(w, strings.Join(t.ColumnNames(), "\t")); err != nil {
			return err
		}
	}
	for _, r := range t.Rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = EscapeTerminal(c)
		}
		if _, err := fmt.Fprintln(w, strings.Join(cells, "\t")); err != nil {
			return err
		}
	}
	return nil
}

// writeCSV writes RFC 4180 CSV with a header row: t.Records if set, else the
// table. Values are written as they are (quoted where needed), so that they
// read back unchanged; on a terminal control characters are escaped instead.
func writeCSV(s *IOStreams, t Table) error {
	header, rows := t.ColumnNames(), t.Rows
	if t.Records != nil {
		header, rows = t.Records.Headers, t.Records.Rows
	}
	w := csv.NewWriter(s.Out)
	if !s.NoHeaders {
		if err := w.Write(header); err != nil {
			return err
		}
	}
	for _, r := range rows {
		rec := make([]string, len(r))
		for i, c := range r {
			rec[i] = c
			if s.IsStdoutTTY() {
				rec[i] = EscapeTerminal(c)
			}
		}
		if err := w.Write(rec); err != nil {
			return err
		}
	}
	w.Flush()
	return w.Error()
}

// EscapeTerminal makes control characters visible, so that directory values
// (descriptions, display names) cannot drive the terminal.
func EscapeTerminal(s string) string {
	if !strings.ContainsFunc(s, isControl) {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		if isControl(r) {
			fmt.Fprintf(&b, "\\x%02x", r)
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func isControl(r rune) bool { return r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0) }
