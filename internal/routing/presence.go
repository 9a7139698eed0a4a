package routing

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// State is a user's presence as the policy sees it.
type State string

// Presence states.
const (
	Available    State = "available"
	Busy         State = "busy"
	Away         State = "away"
	Offline      State = "offline"
	InMobileCall State = "in-mobile-call"
	Unknown      State = "unknown"
)

// States lists the valid states (for the presence file and hold_when).
var States = []State{Available, Busy, Away, Offline, InMobileCall, Unknown}

// ParseState reads a state name.
func ParseState(s string) (State, error) {
	for _, st := range States {
		if strings.EqualFold(s, string(st)) {
			return st, nil
		}
	}
	return "", fmt.Errorf("unknown presence state %q (expected one of available, busy, away, offline, in-mobile-call, unknown)", s)
}

// Source answers presence lookups. A Lync/Skype for Business MS-PRES
// subscription (SUBSCRIBE with Event: presence as a trusted application) or a
// Microsoft Graph poller would be further Sources feeding a cache; the INVITE
// path only ever calls Lookup with a deadline.
type Source interface {
	Lookup(ctx context.Context, t Target) (State, error)
}

// Constant answers the same for everyone: the always-hold / never-hold sources.
type Constant State

// Lookup returns the constant.
func (c Constant) Lookup(context.Context, Target) (State, error) { return State(c), nil }

// FileSource reads the presence file (see PresenceFile) and reloads it when
// the file changes (checked at most once a second). Keys are SIP URIs or
// numbers, normalised as targets are.
type FileSource struct {
	file    PresenceFile
	mu      sync.Mutex
	states  map[string]State
	checked time.Time
}

// NewFileSource loads the file; a bad file is an error here, later only logged.
func NewFileSource(path string) (*FileSource, error) {
	f := &FileSource{file: PresenceFile{Path: path}}
	states, _, err := f.file.Load()
	if err != nil {
		return nil, err
	}
	f.states = states
	return f, nil
}

// Lookup returns the state in the file, or Unknown.
func (f *FileSource) Lookup(_ context.Context, t Target) (State, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if time.Since(f.checked) >= time.Second {
		f.checked = time.Now()
		if changed, err := f.file.Changed(); err == nil && changed {
			states, _, err := f.file.Load()
			if err != nil {
				return Unknown, err // keep the old map, report the bad file
			}
			f.states = states
		}
	}
	for _, k := range t.Keys() {
		if s, ok := f.states[k]; ok {
			return s, nil
		}
	}
	return Unknown, nil
}

// HTTPSource asks a web service: GET on a URL template where {target} is
// replaced by the URL-escaped target key. The JSON answer has "state" (a
// State), or Microsoft Graph's presence fields "availability" and "activity".
type HTTPSource struct {
	Template string
	Client   *http.Client
}

// Lookup queries the service.
func (h HTTPSource) Lookup(ctx context.Context, t Target) (State, error) {
	u := strings.ReplaceAll(h.Template, "{target}", url.QueryEscape(t.Keys()[0]))
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return Unknown, err
	}
	req.Header.Set("Accept", "application/json")
	c := h.Client
	if c == nil {
		c = http.DefaultClient
	}
	resp, err := c.Do(req)
	if err != nil {
		return Unknown, err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return Unknown, nil
	}
	if resp.StatusCode != http.StatusOK {
		return Unknown, fmt.Errorf("presence service: HTTP %d", resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	if err != nil {
		return Unknown, err
	}
	return ParsePresenceAnswer(body)
}

// ParsePresenceAnswer reads {"state": …} or Graph's {"availability": …, "activity": …}.
func ParsePresenceAnswer(body []byte) (State, error) {
	var a struct {
		State        string `json:"state"`
		Availability string `json:"availability"`
		Activity     string `json:"activity"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return Unknown, fmt.Errorf("presence answer: %v", err)
	}
	if a.State != "" {
		return ParseState(a.State)
	}
	if strings.EqualFold(a.Activity, "InACall") || strings.EqualFold(a.Activity, "InAConferenceCall") {
		return InMobileCall, nil
	}
	switch strings.ToLower(a.Availability) {
	case "available", "availableidle":
		return Available, nil
	case "busy", "busyidle", "donotdisturb":
		return Busy, nil
	case "away", "berightback":
		return Away, nil
	case "offline":
		return Offline, nil
	case "presenceunknown", "":
		return Unknown, nil
	}
	return Unknown, errors.New("presence answer: unknown availability " + a.Availability)
}
