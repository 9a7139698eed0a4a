package sip

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"time"
)

// MissedCall is sent when a caller gave up while the relay held the call.
type MissedCall struct {
	Event     string `json:"event"` // "missed_call"
	CallID    string `json:"callId"`
	From      string `json:"from"`
	Target    string `json:"target"`
	TargetURI string `json:"targetUri"`
	User      string `json:"user,omitempty"` // the SIP URI the number maps to (numbers:, directory:)
	Subject   string `json:"subject,omitempty"`
	Priority  string `json:"priority,omitempty"`
	// MissedReason is Exchange's: CallerReleased, the caller gave up during the hold.
	MissedReason string        `json:"missedReason,omitempty"`
	Held         time.Duration `json:"heldNanoseconds"`
	At           time.Time     `json:"at"`
}

// Notifier delivers missed-call notifications: the log, the webhook, and
// (notify.um_info, uminfo.go) the SIP INFO Lync sends to Exchange UM.
type Notifier interface {
	MissedCall(MissedCall)
}

// Notifiers sends to several notifiers.
type Notifiers []Notifier

// MissedCall notifies each.
func (ns Notifiers) MissedCall(m MissedCall) {
	for _, n := range ns {
		n.MissedCall(m)
	}
}

// LogNotifier writes the event to the log.
type LogNotifier struct{ Log *slog.Logger }

// MissedCall logs it.
func (l LogNotifier) MissedCall(m MissedCall) {
	l.Log.Info("missed_call", "call_id", m.CallID, "from", m.From, "target", m.Target, "held_ms", m.Held.Milliseconds())
}

// Webhook POSTs the event as JSON (asynchronously; 5 s timeout; failures logged).
type Webhook struct {
	URL    string
	Log    *slog.Logger
	Client *http.Client
}

// MissedCall posts it.
func (w Webhook) MissedCall(m MissedCall) {
	m.Event = "missed_call"
	body, _ := json.Marshal(m)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, w.URL, bytes.NewReader(body))
		if err != nil {
			w.Log.Warn("webhook", "error", err)
			return
		}
		req.Header.Set("Content-Type", "application/json")
		c := w.Client
		if c == nil {
			c = http.DefaultClient
		}
		resp, err := c.Do(req)
		if err != nil {
			w.Log.Warn("webhook", "call_id", m.CallID, "error", err)
			return
		}
		resp.Body.Close()
		if resp.StatusCode >= 300 {
			w.Log.Warn("webhook", "call_id", m.CallID, "status", resp.StatusCode)
		}
	}()
}
