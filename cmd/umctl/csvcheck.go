package main

import (
	"fmt"
	"strings"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/cli"
)

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
	more := ""
	if total > len(bad) {
		more = fmt.Sprintf("\n  … and %d more", total-len(bad))
	}
	return cli.WithCode(cli.ExitUsage, fmt.Errorf("--from-csv %s: %d cell(s) not valid UTF-8 (was the file saved as Latin-1 or Windows-1252? save it as UTF-8); nothing was written:\n  %s%s",
		path, total, strings.Join(bad, "\n  "), more))
}

// indexOf is the index of s in list, or -1.
func indexOf(list []string, s string) int {
	for i, v := range list {
		if v == s {
			return i
		}
	}
	return -1
}
