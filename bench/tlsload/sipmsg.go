package main

import (
	"bufio"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// message is one SIP message read from a stream: its first line and headers
// (names as sent), body dropped.
type message struct {
	first string
	lines []string
}

// readMessage reads one message, framed by Content-Length (RFC 3261 §18.3).
func readMessage(r *bufio.Reader) (*message, error) {
	m := &message{}
	length := 0
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return nil, err
		}
		line = strings.TrimRight(line, "\r\n")
		if line == "" {
			if m.first == "" {
				continue // keep-alive CRLFs
			}
			break
		}
		if m.first == "" {
			m.first = line
			continue
		}
		m.lines = append(m.lines, line)
		if name, v, ok := strings.Cut(line, ":"); ok {
			if n := strings.ToLower(strings.TrimSpace(name)); n == "content-length" || n == "l" {
				if length, err = strconv.Atoi(strings.TrimSpace(v)); err != nil {
					return nil, fmt.Errorf("bad Content-Length %q", v)
				}
			}
		}
	}
	_, err := io.CopyN(io.Discard, r, int64(length))
	return m, err
}

// header is the first value of a header (long or compact name).
func (m *message) header(long, compact string) string {
	for _, l := range m.lines {
		name, v, ok := strings.Cut(l, ":")
		if !ok {
			continue
		}
		n := strings.TrimSpace(name)
		if strings.EqualFold(n, long) || (compact != "" && strings.EqualFold(n, compact)) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// copyHeaders writes the lines of the named headers (every Via, From, …).
func (m *message) copyHeaders(b *strings.Builder, names ...string) {
	for _, l := range m.lines {
		name, _, _ := strings.Cut(l, ":")
		n := strings.ToLower(strings.TrimSpace(name))
		for _, want := range names {
			if n == want {
				b.WriteString(l)
				b.WriteString("\r\n")
			}
		}
	}
}

// status is a response's code (0 for a request).
func (m *message) status() int {
	if !strings.HasPrefix(m.first, "SIP/2.0 ") {
		return 0
	}
	code, _ := strconv.Atoi(strings.Fields(m.first)[1])
	return code
}

// method is a request's method, or the CSeq method of a response.
func (m *message) method() string {
	if m.status() == 0 {
		return strings.Fields(m.first)[0]
	}
	f := strings.Fields(m.header("CSeq", ""))
	if len(f) < 2 {
		return ""
	}
	return f[1]
}

// uriOf is the URI inside <…> of a header value such as Contact.
func uriOf(v string) string {
	if i := strings.IndexByte(v, '<'); i >= 0 {
		if j := strings.IndexByte(v[i:], '>'); j > 0 {
			return v[i+1 : i+j]
		}
	}
	v, _, _ = strings.Cut(v, ";")
	return strings.TrimSpace(v)
}
