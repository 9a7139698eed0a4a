package sip

import (
	"strings"

	"github.com/emiago/sipgo/sip"
)

// RFC 3326 Reason headers. A CANCEL may carry several, as separate headers or
// as one comma-separated list, e.g. Q.850 beside SIP from operators and SBCs:
//
//	Reason: Q.850;cause=16, SIP;cause=200;text="Call completed elsewhere"

// reasonValues returns every Reason value of a request, in order, trimmed.
func reasonValues(req *sip.Request) []string {
	var out []string
	for _, h := range req.GetHeaders("Reason") {
		for _, v := range splitQuoted(h.Value(), ',') {
			if v = strings.TrimSpace(v); v != "" {
				out = append(out, v)
			}
		}
	}
	return out
}

// answeredElsewhere reports whether a Reason value is SIP with cause=200
// exactly: the call was completed elsewhere (the mobile took it).
func answeredElsewhere(value string) bool {
	parts := splitQuoted(value, ';')
	if !strings.EqualFold(strings.TrimSpace(parts[0]), "SIP") {
		return false
	}
	for _, p := range parts[1:] {
		k, v, _ := strings.Cut(p, "=")
		if strings.EqualFold(strings.TrimSpace(k), "cause") && strings.TrimSpace(v) == "200" {
			return true
		}
	}
	return false
}

// splitQuoted splits s at sep outside double-quoted strings (a text="a, b"
// parameter stays whole); a backslash escapes the next character in quotes.
func splitQuoted(s string, sep byte) []string {
	var out []string
	start, quoted := 0, false
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case quoted && c == '\\':
			i++
		case c == '"':
			quoted = !quoted
		case !quoted && c == sep:
			out = append(out, s[start:i])
			start = i + 1
		}
	}
	return append(out, s[start:])
}

// cancelReason classifies a CANCEL for the log and the metrics:
// "completed_elsewhere: <values>" when any Reason value is SIP;cause=200,
// "caller: <values>" otherwise, or "caller" without a Reason.
func cancelReason(cancel *sip.Request) string {
	values := reasonValues(cancel)
	if len(values) == 0 {
		return "caller"
	}
	kind := "caller"
	for _, v := range values {
		if answeredElsewhere(v) {
			kind = reasonElsewhere
			break
		}
	}
	return kind + ": " + strings.Join(values, ", ")
}

// reasonElsewhere prefixes the cancel_reason of a call answered elsewhere.
const reasonElsewhere = "completed_elsewhere"

// isElsewhere reports whether a cancel_reason is that of a call answered elsewhere.
func isElsewhere(cancelReason string) bool { return strings.HasPrefix(cancelReason, reasonElsewhere) }
