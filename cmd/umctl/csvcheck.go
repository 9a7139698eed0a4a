package main

import (
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

// readCSVColumns reads a CSV file with a header row naming known columns
// (- and _ are the same, a BOM is ignored); required columns must be present.
func readCSVColumns(stdin io.Reader, path string, known, required []string) ([]map[string]string, error) {
	r := stdin
	if path != "-" {
		f, err := os.Open(path)
		if err != nil {
			return nil, cli.FlagErrorf("--from-csv: %v", err)
		}
		defer f.Close()
		r = f
	}
	cr := csv.NewReader(r)
	cr.TrimLeadingSpace = true
	cr.FieldsPerRecord = -1
	recs, err := cr.ReadAll()
	if err != nil {
		return nil, cli.FlagErrorf("--from-csv %s: %v", path, err)
	}
	if len(recs) == 0 {
		return nil, cli.FlagErrorf("--from-csv %s: empty file (expected a header row)", path)
	}
	if err := checkUTF8(recs, path); err != nil {
		return nil, err
	}
	header := recs[0]
	for i, h := range header {
		h = strings.ReplaceAll(strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))), "-", "_")
		if !slices.Contains(known, h) {
			return nil, cli.FlagErrorf("--from-csv %s: unknown column %q (expected %s)", path, header[i], strings.Join(known, ", "))
		}
		if j := slices.Index(header[:i], h); j >= 0 {
			return nil, cli.FlagErrorf("--from-csv %s: column %s is in the header twice (columns %d and %d); nothing was written", path, h, j+1, i+1)
		}
		header[i] = h
	}
	for _, c := range required {
		if !slices.Contains(header, c) {
			return nil, cli.FlagErrorf("--from-csv %s: the header has no %s column (expected %s)", path, c, strings.Join(known, ", "))
		}
	}
	if err := checkWidths(recs, path); err != nil {
		return nil, err
	}
	var rows []map[string]string
	for _, rec := range recs[1:] {
		row := map[string]string{}
		for i, v := range rec {
			if i < len(header) {
				row[header[i]] = strings.TrimSpace(v)
			}
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// checkWidths refuses a whole CSV file with a row that has a value beyond the
// header's last column: a comma in an unquoted value ("Oslo, main") shifts the
// row's later cells one column on and pushes the last one out, where it was
// dropped without a word. Empty cells there (a trailing comma) are harmless.
func checkWidths(recs [][]string, path string) error {
	width := len(recs[0])
	var bad []string
	total := 0
	for r, rec := range recs[1:] {
		if len(rec) <= width || strings.TrimSpace(strings.Join(rec[width:], "")) == "" {
			continue
		}
		total++
		if len(bad) < maxListed {
			bad = append(bad, fmt.Sprintf("row %d has %d cells", r+2, len(rec)))
		}
	}
	if total == 0 {
		return nil
	}
	return cli.WithCode(cli.ExitUsage, fmt.Errorf("--from-csv %s: %d row(s) with more cells than the header's %d columns (a comma in a value that is not quoted? quote it: \"Oslo, main\"); nothing was written:\n  %s",
		path, total, width, listed(bad, total)))
}

// maxListed bounds how many bad cells an error lists.
const maxListed = 20

// checkUTF8 refuses a whole CSV file with a cell that is not valid UTF-8 (a
// file saved as Latin-1 or Windows-1252): its other rows are suspect too, so
// nothing is written. The error lists the bad cells by row and column.
func checkUTF8(recs [][]string, path string) error {
	var bad []string
	total := 0
	for r, rec := range recs {
		for c, v := range rec {
			col := fmt.Sprintf("column %d", c+1)
			if r > 0 && c < len(recs[0]) && ad.CheckUTF8("", recs[0][c]) == nil {
				col = strings.TrimSpace(recs[0][c])
			}
			if err := ad.CheckUTF8(ad.Field(col), v); err != nil {
				total++
				if len(bad) < maxListed {
					fe, _ := ad.AsFieldError(err)
					bad = append(bad, fmt.Sprintf("row %d: %s", r+1, fe.Render(col)))
				}
			}
		}
	}
	if total == 0 {
		return nil
	}
	return cli.WithCode(cli.ExitUsage, fmt.Errorf("--from-csv %s: %d cell(s) not valid UTF-8 (was the file saved as Latin-1 or Windows-1252? save it as UTF-8); nothing was written:\n  %s",
		path, total, listed(bad, total)))
}

// listed is the problems listed, one a line, and how many more there are.
func listed(bad []string, total int) string {
	out := strings.Join(bad, "\n  ")
	if total > len(bad) {
		out += fmt.Sprintf("\n  … and %d more", total-len(bad))
	}
	return out
}
