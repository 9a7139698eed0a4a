package ad

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Input checks that hold for every value umctl writes, so that everything is
// refused before the first write: text that is not UTF-8 (a Latin-1 file),
// control characters (NUL, ESC: stored as they are by the DC, and printed raw
// later), and values longer than the schema's rangeUpper of the attribute that
// stores them (which the DC refuses with a raw constraint violation, after
// earlier rows were written).

// CheckText refuses a value that is not valid UTF-8 or that holds a control
// character (C0, DEL or C1) other than tab and line breaks, which multi-line
// descriptions legitimately hold (the CSV round trip keeps them).
func CheckText(f Field, v string) error {
	if err := CheckUTF8(f, v); err != nil {
		return err
	}
	for i, r := range v {
		if (r < 0x20 && r != '\t' && r != '\n' && r != '\r') || (r >= 0x7F && r <= 0x9F) {
			return fieldErr(f, shorten(v), "has the control character U+%04X at character %d; control characters are refused", r, utf8.RuneCountInString(v[:i])+1)
		}
	}
	return nil
}

// CheckUTF8 refuses a value that is not valid UTF-8, naming the first bad byte.
func CheckUTF8(f Field, v string) error {
	for i, r := range v {
		if r == utf8.RuneError && !strings.HasPrefix(v[i:], "\uFFFD") {
			return fieldErr(f, shorten(v), "is not valid UTF-8 (byte 0x%02X at byte %d): save the file as UTF-8, or set the terminal to UTF-8", v[i], i+1)
		}
	}
	return nil
}

// checkTexts is CheckText on several fields, the first failure returned.
func checkTexts(fields ...any) error {
	for i := 0; i+1 < len(fields); i += 2 {
		if err := CheckText(fields[i].(Field), fields[i+1].(string)); err != nil {
			return err
		}
	}
	return nil
}

// shorten keeps an error message readable when a value is very long.
func shorten(v string) string {
	if utf8.RuneCountInString(v) <= 60 {
		return v
	}
	r := []rune(v)
	return string(r[:40]) + fmt.Sprintf("…(%d characters)", len(r))
}

// minRangeUpper is the smallest rangeUpper of the attributes umctl writes in
// AD's published schema (cn, telephoneNumber, otherIpPhone: 64). Values no
// longer need no schema read.
const minRangeUpper = 64

// RangeUppers returns the rangeUpper (in characters) of attributes as this
// forest's schema sets them; an attribute without one maps to 0 (unbounded).
// Attributes not asked for before are read with one search of the schema.
func (c *Catalog) RangeUppers(ctx context.Context, attrs ...string) (map[string]int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.limits == nil {
		c.limits = map[string]int{}
	}
	var terms []string
	for _, a := range attrs {
		if _, ok := c.limits[strings.ToLower(a)]; !ok {
			terms = append(terms, Filter("lDAPDisplayName", a))
		}
	}
	if len(terms) > 0 {
		es, err := c.d.SearchAny(ctx, c.d.RootDSE.SchemaNC, "(objectClass=attributeSchema)", terms, []string{"lDAPDisplayName", "rangeUpper"})
		if err != nil {
			return nil, fmt.Errorf("reading the schema's rangeUpper: %w", err)
		}
		for _, a := range attrs {
			c.limits[strings.ToLower(a)] = 0
		}
		for _, e := range es {
			n, _ := strconv.Atoi(e.GetAttributeValue("rangeUpper"))
			c.limits[strings.ToLower(e.GetAttributeValue("lDAPDisplayName"))] = n
		}
	}
	return c.limits, nil
}

// checkLengths refuses, before anything is written, an attribute value longer
// than the schema allows. fieldOf names the input field a value came from.
// The schema is read only when a value is longer than minRangeUpper.
func (c *Catalog) checkLengths(ctx context.Context, attrs []Attr, fieldOf func(attr string) Field) error {
	long := false
	for _, a := range attrs {
		for _, v := range a.Vals {
			long = long || utf8.RuneCountInString(v) > minRangeUpper
		}
	}
	if !long {
		return nil
	}
	names := make([]string, len(attrs))
	for i, a := range attrs {
		names[i] = a.Name
	}
	limits, err := c.RangeUppers(ctx, names...)
	if err != nil {
		return err
	}
	for _, a := range attrs {
		max := limits[strings.ToLower(a.Name)]
		for _, v := range a.Vals {
			if n := utf8.RuneCountInString(v); max > 0 && n > max {
				return fieldErr(fieldOf(a.Name), shorten(v), "is too long: %s would hold %d characters, and the schema's rangeUpper allows %d", a.Name, n, max)
			}
		}
	}
	return nil
}

// contactField is the input field a contact attribute is written from.
func contactField(attr string) Field {
	switch strings.ToLower(attr) {
	case "msrtcsip-line", "telephonenumber":
		return FieldDisplayNumber
	case "displayname":
		return FieldDisplayName
	case "description":
		return FieldDescription
	case "msrtcsip-primaryhomeserver":
		return FieldRegistrarPool
	}
	return FieldSIPAddress // msRTCSIP-PrimaryUserAddress, proxyAddresses, otherIpPhone
}
