package ad

import "testing"

// CheckText: UTF-8 with tab and line breaks passes; invalid UTF-8, NUL, ESC,
// DEL and C1 do not; a literal U+FFFD is valid text.
func TestCheckText(t *testing.T) {
	for v, ok := range map[string]bool{"Sørvis\tline\r\nnext": true, "a\uFFFDb": true, "S\xf8rvis": false,
		"a\x00b": false, "a\x1b[2J": false, "a\x7f": false, "a\u0085b": false} {
		if err := CheckText(FieldDescription, v); (err == nil) != ok {
			t.Errorf("CheckText(%q) = %v, want ok=%v", v, err, ok)
		}
	}
}
