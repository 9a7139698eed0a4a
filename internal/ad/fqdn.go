package ad

import "strings"

// SameFQDN reports whether two host names name the same host: DNS names
// compare case-insensitively, and the absolute form's trailing dot
// ("pool01.contoso.com.") changes nothing.
func SameFQDN(a, b string) bool {
	return strings.EqualFold(strings.TrimSuffix(a, "."), strings.TrimSuffix(b, "."))
}
