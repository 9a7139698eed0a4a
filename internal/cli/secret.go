package cli

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// ReadPasswordFile returns the first line of a password file, as editors on
// every platform write it: a UTF-8 byte order mark is dropped, UTF-16 with a
// byte order mark (Windows Notepad's "Unicode") is decoded, and the line ends
// at LF, CRLF or CR. flag names the setting in messages.
func ReadPasswordFile(flag, path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("%s: %w", flag, err)
	}
	text, err := decodeText(b)
	if err != nil {
		return "", fmt.Errorf("%s %s %w", flag, path, err)
	}
	pw := text
	if i := strings.IndexAny(text, "\r\n"); i >= 0 {
		pw = text[:i]
	}
	if pw == "" {
		return "", fmt.Errorf("%s %s: the first line is empty", flag, path)
	}
	return pw, nil
}

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

func decodeText(b []byte) (string, error) {
	switch {
	case bytes.HasPrefix(b, bomUTF8):
		b = b[len(bomUTF8):]
	case bytes.HasPrefix(b, bomUTF16LE), bytes.HasPrefix(b, bomUTF16BE):
		return decodeUTF16(b[2:], b[0] == 0xFF)
	}
	if !utf8.Valid(b) {
		return "", errors.New("is neither UTF-8 nor UTF-16 with a byte order mark: save it as UTF-8")
	}
	return string(b), nil
}

func decodeUTF16(b []byte, little bool) (string, error) {
	if len(b)%2 != 0 {
		return "", errors.New("is UTF-16 with an odd number of bytes: save it as UTF-8")
	}
	u := make([]uint16, len(b)/2)
	for i := range u {
		if little {
			u[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
		} else {
			u[i] = uint16(b[2*i])<<8 | uint16(b[2*i+1])
		}
	}
	return string(utf16.Decode(u)), nil
}
