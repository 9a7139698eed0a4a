package ad

import (
	"strings"
	"unicode/utf8"
)

// SameFQDN reports whether two host names name the same host: DNS names
// compare case-insensitively, and the absolute form's trailing dot
// ("pool01.contoso.com.") changes nothing.
func SameFQDN(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}

// checkHostLength refuses a host name DNS cannot hold: more than 253
// characters, or a label of more than 63.
func checkHostLength(host string) error {
	if n := utf8.RuneCountInString(host); n > 253 {
		return fieldErr(FieldAddress, shorten(host), "is too long: %d characters, a DNS name has at most 253", n)
	}
	for _, label := range strings.Split(host, ".") {
		if n := utf8.RuneCountInString(label); n > 63 {
			return fieldErr(FieldAddress, shorten(host), "has a label of %d characters (%s); a DNS label has at most 63", n, shorten(label))
		}
	}
	return nil
}
