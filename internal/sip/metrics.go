package sip

import (
	"fmt"
	"io"
	"net/http"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
)

// Metrics are the relay's counters, served in Prometheus text format.
type Metrics struct {
	held    atomic.Int64
	late    atomic.Int64
	retrans atomic.Int64
	fo      atomic.Int64
	panics  atomic.Int64
	fast    [fastKinds]atomic.Int64 // messages on the TCP/TLS fast path (stream.go), by kind
	// parseErrors counts messages that could not be parsed (dropped).
	parseErrors atomic.Int64
	rejects     map[string]int64
	mu          sync.Mutex
	calls       map[string]int64
	cancels     map[string]int64
	ums         map[string]int64
	notes       map[string]int64
	hopUp       func() []hopState
	writers     []func(io.Writer) // further families (the presence cache)
	presence    func(users []string) []PresenceEntry
}

// Kinds of message on the TCP/TLS fast path, for relay_stream_fast_path_total.
const (
	fastInvite2xx = iota // the hop's 2xx to a forwarded INVITE, taken in the read filter
	fastACK              // an ACK to that 2xx, forwarded statelessly
	fastBYE              // a BYE (either way), forwarded statelessly
	fastResponse         // the response to such a BYE, back to the other side
	fastKinds
)

var fastNames = [fastKinds]string{"invite_2xx", "ack", "bye", "response"}

type hopState struct {
	addr string
	up   bool
}

// NewMetrics makes empty counters.
func NewMetrics() *Metrics {
	return &Metrics{calls: map[string]int64{}, cancels: map[string]int64{}, ums: map[string]int64{}, notes: map[string]int64{}, rejects: map[string]int64{}}
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
func (m *Metrics) rejected(status int)  { m.inc(m.rejects, `status="`+strconv.Itoa(status)+`"`) }
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
	family("relay_requests_rejected_total", "Requests the relay refused before handling them (bad headers, loops, Max-Forwards, version).", m.rejects)
	fmt.Fprintf(w, "# HELP relay_panics_total Panics recovered at a message boundary (each one is a bug).\n# TYPE relay_panics_total counter\nrelay_panics_total %d\n", m.panics.Load())
	fmt.Fprintf(w, "# HELP relay_parse_errors_total Messages dropped because they could not be parsed.\n# TYPE relay_parse_errors_total counter\nrelay_parse_errors_total %d\n", m.parseErrors.Load())
	m.writeFastPath(w)
	writeRuntime(w)
	for _, wr := range m.writers {
		wr(w)
	}
	if m.hopUp != nil {
		fmt.Fprintf(w, "# HELP relay_um_up 1 while a hop answers OPTIONS pings.\n# TYPE relay_um_up gauge\n")
		for _, h := range m.hopUp() {
			fmt.Fprintf(w, "relay_um_up{hop=%q} %d\n", h.addr, map[bool]int{true: 1, false: 0}[h.up])
		}
	}
}

// writeFastPath writes relay_stream_fast_path_total: the messages of calls
// with TCP or TLS on both sides that took the fast path (stream.go).
func (m *Metrics) writeFastPath(w io.Writer) {
	fmt.Fprintf(w, "# HELP relay_stream_fast_path_total Messages of calls with TCP or TLS on both sides handled without a transaction, on the call's own connections.\n# TYPE relay_stream_fast_path_total counter\n")
	for i, name := range fastNames {
		fmt.Fprintf(w, "relay_stream_fast_path_total{message=%q} %d\n", name, m.fast[i].Load())
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
	mux.HandleFunc("/presence", m.servePresence)
	return mux
}

// Panics returns the count of recovered panics (tests).
func (m *Metrics) Panics() int64 { return m.panics.Load() }

// writeRuntime writes the Go runtime's goroutines and memory, under the names
// Prometheus' Go client uses.
func writeRuntime(w io.Writer) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	gauge := func(name, help string, v uint64) {
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s gauge\n%s %d\n", name, help, name, name, v)
	}
	gauge("go_goroutines", "Goroutines that currently exist.", uint64(runtime.NumGoroutine()))
	gauge("go_memstats_sys_bytes", "Bytes obtained from the system.", ms.Sys)
	gauge("go_memstats_heap_alloc_bytes", "Heap bytes allocated and still in use.", ms.HeapAlloc)
	gauge("go_memstats_heap_inuse_bytes", "Heap bytes in in-use spans.", ms.HeapInuse)
	gauge("go_memstats_heap_idle_bytes", "Heap bytes waiting to be used.", ms.HeapIdle)
	gauge("go_memstats_heap_released_bytes", "Heap bytes released to the OS.", ms.HeapReleased)
	gauge("go_memstats_heap_objects", "Allocated heap objects.", ms.HeapObjects)
	gauge("go_memstats_stack_inuse_bytes", "Bytes in stack spans.", ms.StackInuse)
	gauge("go_memstats_next_gc_bytes", "Heap size at which the next GC runs.", ms.NextGC)
	fmt.Fprintf(w, "# HELP go_gc_cycles_total Completed GC cycles.\n# TYPE go_gc_cycles_total counter\ngo_gc_cycles_total %d\n", ms.NumGC)
}
