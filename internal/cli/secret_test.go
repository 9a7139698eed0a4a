package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf16"
)

func utf16File(s string, little bool) []byte {
	out := []byte{0xFE, 0xFF}
	if little {
		out = []byte{0xFF, 0xFE}
	}
	for _, u := range utf16.Encode([]rune(s)) {
		if little {
			out = append(out, byte(u), byte(u>>8))
		} else {
			out = append(out, byte(u>>8), byte(u))
		}
	}
	return out
}

func TestReadPasswordFile(t *testing.T) {
	const pw = "Sé cret!9"
	for name, data := range map[string][]byte{
		"LF":                 []byte(pw + "\n"),
		"no newline":         []byte(pw),
		"CRLF":               []byte(pw + "\r\nsecond line\r\n"),
		"CR":                 []byte(pw + "\r"),
		"UTF-8 BOM and CRLF": append([]byte{0xEF, 0xBB, 0xBF}, pw+"\r\n"...),
		"UTF-16LE (Notepad)": utf16File(pw+"\r\n", true),
		"UTF-16BE":           utf16File(pw+"\n", false),
	} {
		path := filepath.Join(t.TempDir(), "pw")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if got, err := ReadPasswordFile("--bind-password-file", path); err != nil || got != pw {
			t.Errorf("%s: got %q, %v; want %q", name, got, err, pw)
		}
	}
	for name, tc := range map[string]struct {
		data []byte
		want string
	}{
		"empty":      {[]byte("\r\nx\n"), "the first line is empty"},
		"BOM only":   {[]byte{0xEF, 0xBB, 0xBF}, "the first line is empty"},
		"Latin-1":    {[]byte("S\xe9cret\n"), "is neither UTF-8 nor UTF-16 with a byte order mark: save it as UTF-8"},
		"odd UTF-16": {[]byte{0xFF, 0xFE, 'a'}, "odd number of bytes"},
	} {
		path := filepath.Join(t.TempDir(), "pw")
		if err := os.WriteFile(path, tc.data, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := ReadPasswordFile("--bind-password-file", path)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "--bind-password-file "+path) {
			t.Errorf("%s: %v, want an error naming the flag, the file and %q", name, err, tc.want)
		}
	}
}
