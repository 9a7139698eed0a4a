package routing

import (
	"fmt"
	"os"
	"time"

	"go.yaml.in/yaml/v3"
)

// PresenceFile is the operator's presence file: a YAML or JSON map of SIP URI
// or number to state. It remembers the modification time of the last good
// load, so callers reload only when the file changed. Both the per-call
// FileSource and the cache's file feed (internal/presence) read it through
// this. Not safe for concurrent use.
type PresenceFile struct {
	Path string
	mod  time.Time
}

// Changed says whether the file's modification time differs from the last
// good Load; the error is the one from stat.
func (p *PresenceFile) Changed() (bool, error) {
	st, err := os.Stat(p.Path)
	if err != nil {
		return false, fmt.Errorf("presence file: %w", err)
	}
	return !st.ModTime().Equal(p.mod), nil
}

// Load reads and parses the file and returns its states and modification
// time. On error the remembered modification time stays, so the file counts
// as changed until it loads.
func (p *PresenceFile) Load() (map[string]State, time.Time, error) {
	st, err := os.Stat(p.Path)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("presence file: %w", err)
	}
	data, err := os.ReadFile(p.Path)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("presence file: %w", err)
	}
	states, err := ParsePresenceFile(data)
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("presence file %s: %w", p.Path, err)
	}
	p.mod = st.ModTime()
	return states, p.mod, nil
}

// ParsePresenceFile parses the presence file format.
func ParsePresenceFile(data []byte) (map[string]State, error) {
	raw := map[string]string{}
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("expected a map of SIP URI or number to state: %v", err)
	}
	out := make(map[string]State, len(raw))
	for k, v := range raw {
		key := NormalizeURI(k)
		if key == "" {
			return nil, fmt.Errorf("key %q: expected a SIP URI (sip:alice@contoso.com) or a number (+4790000001)", k)
		}
		st, err := ParseState(v)
		if err != nil {
			return nil, fmt.Errorf("%s: %v", k, err)
		}
		out[key] = st
	}
	return out, nil
}
