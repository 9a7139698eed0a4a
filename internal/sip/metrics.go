package sip

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"
)

// Metrics are the relay's counters, served in Prometheus text format.
type Metrics struct {
	held    atomic.Int64
	late    atomic.Int64
	retrans atomic.Int64
	fo      atomic.Int64
	mu      sync.Mutex
	calls   map[string]int64
	cancels map[string]int64
	ums     map[string]int64
	notes   map[string]int64
	hopUp   func() []hopState
}

type hopState struct {
	addr string
	up   bool
}

// NewMetrics makes empty counters.
func NewMetrics() *Metrics {
	return &Metrics{calls: map[string]int64{}, cancels: map[string]int64{}, ums: map[string]int64{}, notes: map[string]int64{}}
}

func (m *Metrics) inc(mp map[string]int64, k string) {
	m.mu.Lock()
	mp[k]++
	m.mu.Unlock()
}

func (m *Metrics) call(outcome string) { m.inc(m.calls, `outcome="`+outcome+`"`) }
func (m *Metrics) cancel(phase, cancelReason string) {
	reason := "caller"
	if isElsewhere(cancelReason) {
		reason = reasonElsewhere
	}
	m.inc(m.cancels, `phase="`+phase+`",reason="`+reason+`"`)
}
func (m *Metrics) um(hop, class string) { m.inc(m.ums, `hop="`+hop+`",class="`+class+`"`) }
func (m *Metrics) failover()            { m.fo.Add(1) }
func (m *Metrics) note(result string)   { m.inc(m.notes, `result="`+result+`"`) }

// Notes returns the count of UM notifications with a result (tests).
func (m *Metrics) Notes(result string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.notes[`result="`+result+`"`]
}

// Calls returns the count of calls with an outcome (tests).
func (m *Metrics) Calls(outcome string) int64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.calls[`outcome="`+outcome+`"`]
}

// Write writes the Prometheus exposition.
func (m *Metrics) Write(w io.Writer) {
	m.mu.Lock()
	defer m.mu.Unlock()
	family := func(name, help string, mp map[string]int64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s counter\n", name, help, name)
		keys := make([]string, 0, len(mp))
		for k := range mp {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			fmt.Fprintf(w, "%s{%s} %d\n", name, k, mp[k])
		}
	}
	family("relay_calls_total", "Calls by outcome.", m.calls)
	family("relay_cancels_total", "CANCELs by phase and reason.", m.cancels)
	family("relay_um_requests_total", "Responses and failures per Exchange UM hop.", m.ums)
	family("relay_um_notifications_total", "Missed-call INFOs to Exchange UM (notify.um_info) by result.", m.notes)
	fmt.Fprintf(w, "# HELP relay_held_calls Calls on hold now.\n# TYPE relay_held_calls gauge\nrelay_held_calls %d\n", m.held.Load())
	fmt.Fprintf(w, "# TYPE relay_um_failovers_total counter\nrelay_um_failovers_total %d\n", m.fo.Load())
	fmt.Fprintf(w, "# TYPE relay_late_answers_total counter\nrelay_late_answers_total %d\n", m.late.Load())
	fmt.Fprintf(w, "# TYPE relay_2xx_retransmissions_total counter\nrelay_2xx_retransmissions_total %d\n", m.retrans.Load())
	fmt.Fprintf(w, "# TYPE go_goroutines gauge\ngo_goroutines %d\n", runtime.NumGoroutine())
	if m.hopUp != nil {
		fmt.Fprintf(w, "# HELP relay_um_up 1 while a hop answers OPTIONS pings.\n# TYPE relay_um_up gauge\n")
		for _, h := range m.hopUp() {
			fmt.Fprintf(w, "relay_um_up{hop=%q} %d\n", h.addr, map[bool]int{true: 1, false: 0}[h.up])
		}
	}
}

// Handler serves /metrics and /healthz.
func (m *Metrics) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4")
		m.Write(w)
	})
	mux.HandleFunc("/healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, "ok\n") })
	return mux
}
