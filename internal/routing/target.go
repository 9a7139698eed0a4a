// Package routing decides what the relay does with a call: whose call it is
// (target extraction from History-Info, Diversion, To or the Request-URI),
// what that user's presence is, and whether to hold the call before it goes on
// to Exchange UM. It knows nothing of the SIP transport.
package routing

import (
	"fmt"
	"sort"
	"strconv"
	"strings"
)

// Header names accepted in target_headers, in the configured order.
var TargetHeaders = []string{"history-info", "diversion", "to", "request-uri"}

// Target is the user a call is for.
type Target struct {
	URI    string `json:"uri"`            // as found in the header
	Key    string `json:"key"`            // normalised: +4790000001 / 4001 or sip:alice@contoso.com
	Source string `json:"source"`         // the header it came from
	User   string `json:"user,omitempty"` // sip:user@host when Key is a number a Resolver knows
}

// Keys are what presence and per-user policy are looked up by: the user first, then the key.
func (t Target) Keys() []string {
	if t.User != "" && t.User != t.Key {
		return []string{t.User, t.Key}
	}
	return []string{t.Key}
}

// Headers gives the values of a header (all occurrences, in order).
type Headers func(name string) []string

// ExtractTarget finds the target in the headers, trying them in order.
// History-Info: the entry with the lowest index (the first target, before any
// diversion); Diversion: the last entry (the original called party, RFC 5806);
// To and the Request-URI: their URI.
func ExtractTarget(order []string, h Headers, requestURI string) (Target, error) {
	for _, name := range order {
		var uri string
		switch strings.ToLower(name) {
		case "history-info":
			uri = historyInfoTarget(splitHeaderValues(h("History-Info")))
		case "diversion":
			if vals := splitHeaderValues(h("Diversion")); len(vals) > 0 {
				uri = nameAddrURI(vals[len(vals)-1])
			}
		case "to":
			if vals := h("To"); len(vals) > 0 {
				uri = nameAddrURI(vals[0])
			}
		case "request-uri":
			uri = requestURI
		default:
			return Target{}, fmt.Errorf("unknown target header %q (expected %s)", name, strings.Join(TargetHeaders, ", "))
		}
		if uri == "" {
			continue
		}
		if key := NormalizeURI(uri); key != "" {
			return Target{URI: uri, Key: key, Source: strings.ToLower(name)}, nil
		}
	}
	return Target{}, fmt.Errorf("no target in %s", strings.Join(order, ", "))
}

// splitHeaderValues splits comma-separated header values, respecting quotes and <…>.
func splitHeaderValues(vals []string) []string {
	var out []string
	for _, v := range vals {
		depth, quoted, start := 0, false, 0
		for i := 0; i < len(v); i++ {
			switch c := v[i]; {
			case c == '"' && (i == 0 || v[i-1] != '\\'):
				quoted = !quoted
			case quoted:
			case c == '<':
				depth++
			case c == '>':
				if depth > 0 {
					depth--
				}
			case c == ',' && depth == 0:
				if s := strings.TrimSpace(v[start:i]); s != "" {
					out = append(out, s)
				}
				start = i + 1
			}
		}
		if s := strings.TrimSpace(v[start:]); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// nameAddrURI returns the URI of a name-addr or addr-spec value.
func nameAddrURI(v string) string {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return strings.TrimSpace(v[i+1 : i+j])
		}
		return ""
	}
	uri, _, _ := strings.Cut(v, ";") // addr-spec: header parameters follow ';'
	return strings.TrimSpace(uri)
}

// historyInfoTarget picks the entry with the lowest index (1 < 1.1 < 1.2 < 2).
func historyInfoTarget(entries []string) string {
	type hi struct {
		idx []int
		uri string
	}
	var list []hi
	for n, e := range entries {
		uri := nameAddrURI(e)
		if uri == "" {
			continue
		}
		idx := []int{1 << 30, n}
		for _, p := range strings.Split(e[strings.LastIndexByte(e, '>')+1:], ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(p), "=")
			if strings.EqualFold(k, "index") {
				idx = nil
				for _, part := range strings.Split(v, ".") {
					x, err := strconv.Atoi(part)
					if err != nil {
						x = 1 << 30
					}
					idx = append(idx, x)
				}
			}
		}
		list = append(list, hi{idx, uri})
	}
	if len(list) == 0 {
		return ""
	}
	sort.SliceStable(list, func(i, j int) bool {
		a, b := list[i].idx, list[j].idx
		for k := 0; k < len(a) && k < len(b); k++ {
			if a[k] != b[k] {
				return a[k] < b[k]
			}
		}
		return len(a) < len(b)
	})
	return list[0].uri
}

// NormalizeURI turns a SIP or tel URI into the key presence is looked up by: a
// number (visual separators removed, + kept) when the user part is one, else
// sip:user@host in lower case. Empty when there is nothing usable.
func NormalizeURI(uri string) string {
	u := strings.TrimSpace(uri)
	if q := strings.IndexByte(u, '?'); q >= 0 { // URI headers (History-Info ?Reason=…)
		u = u[:q]
	}
	lower := strings.ToLower(u)
	switch {
	case strings.HasPrefix(lower, "tel:"):
		num, _, _ := strings.Cut(u[4:], ";")
		return NormalizeNumber(num)
	case strings.HasPrefix(lower, "sip:"), strings.HasPrefix(lower, "sips:"):
		rest := u[strings.IndexByte(u, ':')+1:]
		user, host, ok := strings.Cut(rest, "@")
		if !ok {
			return ""
		}
		user, _, _ = strings.Cut(user, ";") // user parameters (;phone-context=…)
		host, _, _ = strings.Cut(host, ";") // URI parameters
		if n := NormalizeNumber(user); n != "" {
			return n
		}
		host, _, _ = strings.Cut(host, ":")
		if user == "" || host == "" {
			return ""
		}
		return "sip:" + strings.ToLower(user+"@"+host)
	}
	if n := NormalizeNumber(u); n != "" {
		return n
	}
	return ""
}

// NormalizeNumber removes visual separators (- . ( ) space) from a telephone
// number; it returns "" when what is left is not [+]digits.
func NormalizeNumber(s string) string {
	var b strings.Builder
	for i, r := range strings.TrimSpace(s) {
		switch {
		case r >= '0' && r <= '9':
			b.WriteRune(r)
		case r == '+' && i == 0:
			b.WriteRune(r)
		case strings.ContainsRune("-.() ", r):
		default:
			return ""
		}
	}
	n := b.String()
	if strings.TrimPrefix(n, "+") == "" {
		return ""
	}
	return n
}
