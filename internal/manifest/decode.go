package manifest

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// MaxBytes is the largest manifest file umctl reads (4 MiB: about 30,000 EUM
// addresses); larger files are refused before they are parsed.
const MaxBytes = 4 << 20

var (
	lineRE       = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)
	unknownKeyRE = regexp.MustCompile(`^field (.+) not found in type \S+$`)
	wrongTypeRE  = regexp.MustCompile("^cannot unmarshal !!(\\w+) `(.*)` into (.+)$")
)

// Read reads and decodes one manifest file (YAML or JSON) strictly: every
// unknown key, wrong type, anchor or alias is a Problem naming file:line and
// the field path. It does not check the entries (see Check).
func Read(path string, r io.Reader) (*Manifest, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if len(data) > MaxBytes {
		return nil, Problems{{Location: Location{File: path}, Msg: fmt.Sprintf("larger than %d bytes (the manifest size limit); split it into several -f files", MaxBytes)}}
	}
	return Decode(path, data)
}

// Decode decodes a manifest read from path.
func Decode(path string, data []byte) (*Manifest, error) {
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, Problems{syntaxProblem(path, err)}
	}
	var ps Problems
	idx := &pathIndex{}
	aliases := walk(&root, "", idx, path, &ps)
	if aliases {
		return nil, ps // decoding would expand them
	}
	m := &Manifest{}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(m); err != nil && !errors.Is(err, io.EOF) {
		var te *yaml.TypeError
		if !errors.As(err, &te) {
			return nil, Problems{syntaxProblem(path, err)}
		}
		for _, e := range te.Errors {
			ps.addOnce(idx.problem(path, e))
		}
	}
	if len(ps) > 0 {
		slices.SortStableFunc(ps, func(a, b Problem) int { return a.Line - b.Line })
		return nil, ps
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, Problems{{Location: Location{File: path, Line: extra.Line}, Msg: "more than one YAML document; use one per file"}}
	}
	locate(m, &root, path)
	return m, nil
}

func syntaxProblem(path string, err error) Problem {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if g := lineRE.FindStringSubmatch(msg); g != nil {
		n, _ := strconv.Atoi(g[1])
		return Problem{Location: Location{File: path, Line: n}, Msg: g[2]}
	}
	return Problem{Location: Location{File: path}, Msg: msg}
}

// boolKeys are the manifest's keys that take true or false.
var boolKeys = func() map[string]bool {
	keys := map[string]bool{}
	var visit func(t reflect.Type)
	visit = func(t reflect.Type) {
		for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice {
			t = t.Elem()
		}
		if t.Kind() != reflect.Struct {
			return
		}
		for i := 0; i < t.NumField(); i++ {
			f := t.Field(i)
			key, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
			ft := f.Type
			if ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Bool {
				keys[key] = true
			}
			visit(f.Type)
		}
	}
	visit(reflect.TypeOf(Manifest{}))
	return keys
}()

// pathIndex maps lines to the field paths written there.
type pathIndex struct{ keys, values []indexed }

type indexed struct {
	line       int
	text, path string
}

// walk indexes every key and scalar value under n, refuses anchors and
// aliases (an alias bomb expands a small file into gigabytes) and says whether
// it found any.
func walk(n *yaml.Node, path string, idx *pathIndex, file string, ps *Problems) (aliases bool) {
	if n.Anchor != "" || n.Kind == yaml.AliasNode {
		ps.add(Location{File: file, Line: n.Line, Path: strings.TrimPrefix(path, ".")}, "YAML anchors and aliases are not accepted in a manifest; write each value out")
		return true
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			aliases = walk(c, path, idx, file, ps) || aliases
		}
	case yaml.SequenceNode:
		for i, c := range n.Content {
			aliases = walk(c, fmt.Sprintf("%s[%d]", path, i), idx, file, ps) || aliases
		}
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			p := path + "." + k.Value
			idx.keys = append(idx.keys, indexed{k.Line, k.Value, strings.TrimPrefix(p, ".")})
			if boolKeys[k.Value] && v.Kind == yaml.ScalarNode && v.ShortTag() != "!!bool" {
				// yaml.v3 would read "yes", "on", "y" (even quoted) as true
				ps.add(Location{File: file, Line: v.Line, Path: strings.TrimPrefix(p, ".")}, "expected true or false, got %q", v.Value)
			}
			aliases = walk(v, p, idx, file, ps) || aliases
		}
	case yaml.ScalarNode:
		idx.values = append(idx.values, indexed{n.Line, n.Value, strings.TrimPrefix(path, ".")})
	}
	return aliases
}

// problem turns one of yaml.v3's "line N: …" decode errors into a Problem with the field path.
func (idx *pathIndex) problem(file, e string) Problem {
	g := lineRE.FindStringSubmatch(e)
	if g == nil {
		return Problem{Location: Location{File: file}, Msg: e}
	}
	line, _ := strconv.Atoi(g[1])
	l := Location{File: file, Line: line}
	if u := unknownKeyRE.FindStringSubmatch(g[2]); u != nil {
		l.Path = find(idx.keys, line, u[1])
		return Problem{Location: l, Msg: fmt.Sprintf("unknown key %q", u[1])}
	}
	if w := wrongTypeRE.FindStringSubmatch(g[2]); w != nil {
		l.Path = find(idx.values, line, w[2])
		return Problem{Location: l, Msg: fmt.Sprintf("expected %s, got %s %q", typeName(w[3]), w[1], w[2])}
	}
	return Problem{Location: l, Msg: g[2]}
}

func find(list []indexed, line int, text string) string {
	for _, x := range list {
		if x.line == line && x.text == text {
			return x.path
		}
	}
	for _, x := range list {
		if x.line == line {
			return x.path
		}
	}
	return ""
}

// typeName says a Go type the way the manifest's reader thinks of it.
func typeName(t string) string {
	switch {
	case t == "bool" || t == "*bool":
		return "true or false"
	case strings.Contains(t, "int"):
		return "a whole number"
	case t == "string" || t == "*string":
		return "a string"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	}
	return "a mapping"
}
