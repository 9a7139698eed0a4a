// Package yamlconf reads umctl's YAML files (config.yaml, relay.yaml) strictly
// and reports mistakes the way a user reads them: the key, the file and the line.
package yamlconf

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strings"

	"go.yaml.in/yaml/v3"
)

// unknownField is yaml.v3's message for a key that no field takes.
var unknownField = regexp.MustCompile(`^line (\d+): field (.+) not found in type (\S+)$`)

// Decode decodes data (read from path) into v, refusing unknown keys. An empty
// file leaves v as it is. Errors read `unknown key "next_hop" in relay.yaml
// (line 3); did you mean "next_hops"?`, or `relay.yaml: line 3: …` for others.
func Decode(path string, data []byte, v any) error {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	err := dec.Decode(v)
	if err == nil || errors.Is(err, io.EOF) {
		return nil
	}
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("%s: %s", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	msgs := make([]string, 0, len(te.Errors))
	for _, e := range te.Errors {
		m := unknownField.FindStringSubmatch(e)
		if m == nil {
			msgs = append(msgs, fmt.Sprintf("%s: %s", path, e))
			continue
		}
		msg := fmt.Sprintf("unknown key %q in %s (line %s)", m[2], path, m[1])
		if s := closest(m[2], keysOf(reflect.TypeOf(v), m[3])); s != "" {
			msg += fmt.Sprintf("; did you mean %q?", s)
		}
		msgs = append(msgs, msg)
	}
	return errors.New(strings.Join(msgs, "; "))
}

// keysOf finds the struct type named name (as yaml.v3 prints it, "sip.Config")
// inside t and returns its YAML keys.
func keysOf(t reflect.Type, name string) []string {
	seen := map[reflect.Type]bool{}
	var find func(t reflect.Type) []string
	find = func(t reflect.Type) []string {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Map || t.Kind() == reflect.Array {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct || seen[t] {
			return nil
		}
		seen[t] = true
		if t.String() == name {
			var keys []string
			for i := range t.NumField() {
				if k, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); k != "" && k != "-" {
					keys = append(keys, k)
				}
			}
			return keys
		}
		for i := range t.NumField() {
			if keys := find(t.Field(i).Type); keys != nil {
				return keys
			}
		}
		return nil
	}
	return find(t)
}

// closest is the key nearest to k (edit distance ≤ 2, or one is a prefix of
// the other), or "".
func closest(k string, keys []string) string {
	best, bestD := "", 3
	for _, c := range keys {
		d := distance(strings.ToLower(k), strings.ToLower(c))
		if strings.HasPrefix(c, k) || strings.HasPrefix(k, c) {
			d = min(d, 1)
		}
		if d < bestD {
			best, bestD = c, d
		}
	}
	return best
}

// distance is the Levenshtein distance of a and b.
func distance(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}
