package presence

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/umctl/umctl/internal/routing"
)

// Microsoft Graph limits (getPresencesByUserId).
const (
	GraphBatch     = 650              // ids per call
	graphCalls     = 1500             // calls …
	graphPer       = 30 * time.Second // … per 30 s per app and tenant
	graphMaxAnswer = 4 << 20
)

// GraphConfig is how the relay polls Microsoft Graph presence.
type GraphConfig struct {
	Tenant       string
	ClientID     string
	Secret       string                   // the client secret (from client_secret_file or UMCTL_GRAPH_CLIENT_SECRET)
	Cert         *CertCredential          // or the app's certificate (certificate_file, key_file): signed client assertions
	Interval     time.Duration            // a full round over every watched user
	AuthorityURL string                   // https://login.microsoftonline.com
	GraphURL     string                   // https://graph.microsoft.com
	IDs          func() map[string]string // normalised key (SIP URI or number) → Entra object id
	HTTP         *http.Client
	Log          *slog.Logger
}

// CheckGraphURL accepts https://, and http:// for loopback hosts only (tests).
func CheckGraphURL(key, s string) error {
	u, err := url.Parse(s)
	if err == nil && u.Host != "" && (u.Scheme == "https" || (u.Scheme == "http" && isLoopback(u.Hostname()))) {
		return nil
	}
	return fmt.Errorf("%s %q: expected an https:// URL (http:// only for a loopback address)", key, s)
}

// ReadSecret reads the client secret from the file, else from UMCTL_GRAPH_CLIENT_SECRET; never from the config.
func ReadSecret(file string) (string, error) {
	if file != "" {
		b, err := os.ReadFile(file)
		if err != nil {
			return "", fmt.Errorf("presence.graph.client_secret_file: %w", err)
		}
		if s := strings.TrimSpace(string(b)); s != "" {
			return s, nil
		}
		return "", fmt.Errorf("presence.graph.client_secret_file %s: the file is empty", file)
	}
	if s := os.Getenv("UMCTL_GRAPH_CLIENT_SECRET"); s != "" {
		return s, nil
	}
	return "", errors.New("presence.graph: no client secret: set presence.graph.client_secret_file, or UMCTL_GRAPH_CLIENT_SECRET in the service's environment")
}

// Graph polls getPresencesByUserId for every watched user that has an
// object id and writes the answers into the cache.
type Graph struct {
	cfg   GraphConfig
	cache *routing.Cache
	feed  *routing.Feed
	mu    sync.Mutex
	token string
	until time.Time
	last  time.Time // the last call, for the 1,500 calls per 30 s
}

// NewGraph registers the "graph" source of the cache.
func NewGraph(cfg GraphConfig, cache *routing.Cache) *Graph {
	if cfg.Interval <= 0 {
		cfg.Interval = 30 * time.Second
	}
	if cfg.HTTP == nil {
		cfg.HTTP = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Log == nil {
		cfg.Log = slog.New(slog.DiscardHandler)
	}
	cfg.AuthorityURL = strings.TrimRight(cfg.AuthorityURL, "/")
	cfg.GraphURL = strings.TrimRight(cfg.GraphURL, "/")
	return &Graph{cfg: cfg, cache: cache, feed: cache.Feed("graph", true)}
}

// Feed is the cache handle (its counters are the metrics).
func (g *Graph) Feed() *routing.Feed { return g.feed }

// Run polls every interval until ctx ends.
func (g *Graph) Run(ctx context.Context) {
	for {
		start := time.Now()
		if err := g.Poll(ctx); err != nil && ctx.Err() == nil {
			g.feed.Error()
			g.cfg.Log.Warn("presence: Graph poll failed", "source", "graph", "error", err)
		}
		if !sleep(ctx, g.cfg.Interval-time.Since(start)) {
			return
		}
	}
}

// Poll asks for every watched user with an id once, in batches of 650.
func (g *Graph) Poll(ctx context.Context) error {
	byID := map[string][]string{}
	for key, id := range g.cfg.IDs() {
		if g.cache.IsWatched(key) {
			byID[id] = append(byID[id], key)
		}
	}
	ids := make([]string, 0, len(byID))
	for id := range byID {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for i := 0; i < len(ids); i += GraphBatch {
		answers, err := g.call(ctx, ids[i:min(i+GraphBatch, len(ids))])
		if err != nil {
			return err
		}
		now := time.Now()
		for _, a := range answers {
			s, err := GraphState(a.Availability, a.Activity)
			if err != nil {
				g.feed.Error()
				g.cfg.Log.Warn("presence: unreadable Graph presence; counted as unknown", "source", "graph", "id", a.ID, "error", err)
			}
			for _, key := range byID[a.ID] {
				g.feed.Set(key, s, now)
			}
		}
	}
	return nil
}

type graphPresence struct {
	ID           string `json:"id"`
	Availability string `json:"availability"`
	Activity     string `json:"activity"`
}

// call posts one batch, honouring 429 Retry-After and taking a new token after a 401.
func (g *Graph) call(ctx context.Context, ids []string) ([]graphPresence, error) {
	body, _ := json.Marshal(map[string][]string{"ids": ids})
	renewed := false
	for {
		if err := g.pace(ctx); err != nil {
			return nil, err
		}
		token, err := g.bearer(ctx)
		if err != nil {
			return nil, err
		}
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, g.cfg.GraphURL+"/v1.0/communications/getPresencesByUserId", bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		resp, err := g.cfg.HTTP.Do(req)
		if err != nil {
			return nil, fmt.Errorf("getPresencesByUserId: %w", err)
		}
		data, _ := io.ReadAll(io.LimitReader(resp.Body, graphMaxAnswer))
		resp.Body.Close()
		switch {
		case resp.StatusCode == http.StatusTooManyRequests:
			wait := retryAfter(resp.Header.Get("Retry-After"))
			g.cfg.Log.Warn("presence: Graph throttled the relay; waiting", "source", "graph", "retry_after", wait.String())
			if !sleep(ctx, wait) {
				return nil, ctx.Err()
			}
		case resp.StatusCode == http.StatusUnauthorized && !renewed:
			renewed = true
			g.mu.Lock()
			g.token = "" // expired or revoked: ask for a new one
			g.mu.Unlock()
		case resp.StatusCode != http.StatusOK:
			return nil, fmt.Errorf("getPresencesByUserId: HTTP %d: %s", resp.StatusCode, clip(data))
		default:
			var a struct {
				Value []graphPresence `json:"value"`
			}
			if err := json.Unmarshal(data, &a); err != nil {
				return nil, fmt.Errorf("getPresencesByUserId: answer: %v", err)
			}
			return a.Value, nil
		}
	}
}

// pace keeps the calls at most 1,500 per 30 s (one every 20 ms).
func (g *Graph) pace(ctx context.Context) error {
	g.mu.Lock()
	wait := time.Until(g.last.Add(graphPer / graphCalls))
	g.last = time.Now().Add(max(wait, 0))
	g.mu.Unlock()
	if wait > 0 && !sleep(ctx, wait) {
		return ctx.Err()
	}
	return nil
}

func retryAfter(v string) time.Duration {
	if n, err := strconv.Atoi(strings.TrimSpace(v)); err == nil && n >= 0 {
		return min(time.Duration(n)*time.Second, 5*time.Minute)
	}
	if t, err := http.ParseTime(v); err == nil {
		return min(max(time.Until(t), 0), 5*time.Minute)
	}
	return 10 * time.Second
}

func clip(b []byte) string {
	if len(b) > 200 {
		b = b[:200]
	}
	return strings.TrimSpace(string(b))
}

// bearer returns a cached token, or gets one by OAuth 2.0 client credentials.
func (g *Graph) bearer(ctx context.Context) (string, error) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.token != "" && time.Now().Before(g.until) {
		return g.token, nil
	}
	u := g.cfg.AuthorityURL + "/" + url.PathEscape(g.cfg.Tenant) + "/oauth2/v2.0/token"
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {g.cfg.ClientID}, "scope": {g.cfg.GraphURL + "/.default"}}
	if g.cfg.Cert != nil {
		jwt, err := g.cfg.Cert.Assertion(g.cfg.ClientID, u)
		if err != nil {
			return "", fmt.Errorf("token: client assertion: %w", err)
		}
		form.Set("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer")
		form.Set("client_assertion", jwt)
	} else {
		form.Set("client_secret", g.cfg.Secret)
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, u, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := g.cfg.HTTP.Do(req)
	if err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var t struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
		Error       string `json:"error"`
		Description string `json:"error_description"`
	}
	_ = json.Unmarshal(data, &t)
	if resp.StatusCode != http.StatusOK || t.AccessToken == "" {
		return "", fmt.Errorf("token from %s: HTTP %d %s %s", u, resp.StatusCode, t.Error, clip([]byte(t.Description)))
	}
	g.token, g.until = t.AccessToken, time.Now().Add(time.Duration(max(t.ExpiresIn-60, 30))*time.Second)
	return g.token, nil
}

// GraphState maps Graph's availability and activity: Available(Idle)
// available; Busy(Idle), DoNotDisturb busy; Away, BeRightBack away; Offline
// offline; PresenceUnknown unknown. An activity InACall or InAConferenceCall
// while no Teams client is signed in (availability Offline) is a call the
// user took elsewhere: in-mobile-call.
func GraphState(availability, activity string) (routing.State, error) {
	a := strings.ToLower(availability)
	if a == "offline" && (strings.EqualFold(activity, "InACall") || strings.EqualFold(activity, "InAConferenceCall")) {
		return routing.InMobileCall, nil
	}
	switch a {
	case "available", "availableidle":
		return routing.Available, nil
	case "busy", "busyidle", "donotdisturb":
		return routing.Busy, nil
	case "away", "berightback":
		return routing.Away, nil
	case "offline":
		return routing.Offline, nil
	case "presenceunknown":
		return routing.Unknown, nil
	}
	return routing.Unknown, fmt.Errorf("availability %q: expected Available, AvailableIdle, Away, BeRightBack, Busy, BusyIdle, DoNotDisturb, Offline or PresenceUnknown", availability)
}
