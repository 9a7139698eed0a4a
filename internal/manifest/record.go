package manifest

import (
	"fmt"
	"net/url"
	"strings"
	"unicode"

	"github.com/umctl/umctl/internal/ad"
)

// The EUM record: which EUM addresses umctl added to a user from a manifest,
// kept in the user's adminDescription (single-valued; Exchange and Lync do
// not read it):
//
//	umctl-managed eum:1234;SipDP.contoso.com ada@contoso.com;SipDP.contoso.com
//
// Each entry is an address and its phone context, separated by ";", entries
// by spaces; a space, ";" or "%" inside either part is percent-encoded. The
// record is written in the same LDAP modify as the addresses it names, so an
// interrupted apply never leaves one without the other. A user whose
// adminDescription holds anything else (another tool's value, such as Azure
// AD Connect's "User_…" filter) is never written: the addresses umctl adds
// to that user are not recorded, and --prune never removes them.
const eumRecordPrefix = Marker + " eum:"

// eumRecord is a user's EUM record as planned so far.
type eumRecord struct {
	value   string          // the adminDescription value as read or as last planned
	foreign bool            // value is not umctl's: never written
	entries []ad.EUMAddress // the addresses recorded, in order
}

// parseRecord reads an adminDescription value. "" and a bare marker are an
// empty record; anything not in umctl's form is foreign.
func parseRecord(v string) eumRecord {
	r := eumRecord{value: v}
	if v == "" || v == Marker {
		return r
	}
	rest, ok := strings.CutPrefix(v, eumRecordPrefix)
	if !ok {
		r.foreign = true
		return r
	}
	for _, f := range strings.Fields(rest) {
		addr, pc, ok := strings.Cut(f, ";")
		a, err1 := url.PathUnescape(addr)
		c, err2 := url.PathUnescape(pc)
		if !ok || err1 != nil || err2 != nil || a == "" || c == "" {
			return eumRecord{value: v, foreign: true} // not written by umctl
		}
		r.entries = append(r.entries, ad.EUMAddress{Address: a, PhoneContext: c})
	}
	return r
}

// has reports whether the record names a.
func (r eumRecord) has(a ad.EUMAddress) bool {
	for _, e := range r.entries {
		if e.Key() == a.Key() {
			return true
		}
	}
	return false
}

// format is the adminDescription value of entries ("" when none: the
// attribute is removed).
func formatRecord(entries []ad.EUMAddress) string {
	if len(entries) == 0 {
		return ""
	}
	parts := make([]string, len(entries))
	for i, e := range entries {
		parts[i] = recordEscape(e.Address) + ";" + recordEscape(e.PhoneContext)
	}
	return eumRecordPrefix + strings.Join(parts, " ")
}

// recordEscape percent-encodes what would break an entry apart: "%", ";"
// and white space.
func recordEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r != '%' && r != ';' && !unicode.IsSpace(r) {
			b.WriteRune(r)
			continue
		}
		for _, c := range []byte(string(r)) {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// vals is value as an attribute's values (none when empty).
func vals(value string) []string {
	if value == "" {
		return nil
	}
	return []string{value}
}
