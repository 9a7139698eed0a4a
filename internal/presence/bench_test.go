package presence

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/routing"
)

// The scale: 100,000 watched users. Run with
// go test ./internal/presence -run '^$' -bench . -benchtime 3x

const benchUsers = 100_000

func benchKey(i int) string { return fmt.Sprintf("sip:user%06d@contoso.com", i) }

func filledCache(tb testing.TB) (*routing.Cache, *routing.Feed) {
	keys := make([]string, benchUsers)
	for i := range keys {
		keys[i] = benchKey(i)
	}
	c := routing.NewCache(10 * time.Minute)
	c.SetWatched(keys)
	f := c.Feed("lync", true)
	now := time.Now()
	for i, k := range keys {
		f.Set(k, []routing.State{routing.Available, routing.Offline, routing.Busy}[i%3], now)
	}
	return c, f
}

// BenchmarkCacheMemory reports the heap the cache holds for 100,000 users.
func BenchmarkCacheMemory(b *testing.B) {
	var ms0, ms1 runtime.MemStats
	for b.Loop() {
		runtime.GC()
		runtime.ReadMemStats(&ms0)
		c, _ := filledCache(b)
		runtime.GC()
		runtime.ReadMemStats(&ms1)
		b.ReportMetric(float64(ms1.HeapAlloc-ms0.HeapAlloc)/(1<<20), "MiB")
		runtime.KeepAlive(c)
	}
}

// BenchmarkDecide is a held call's decision (cache lookup and policy) with
// 100,000 users, with its p99, next to a bare map lookup as the baseline.
func BenchmarkDecide(b *testing.B) {
	c, _ := filledCache(b)
	base := map[string]routing.State{}
	for i := range benchUsers {
		base[benchKey(i)] = routing.Offline
	}
	p := routing.Policy{Hold: 20 * time.Second, HoldWhen: []routing.State{routing.Offline, routing.Unknown}}
	targets := make([]routing.Target, 1024)
	for i := range targets {
		targets[i] = routing.Target{Key: "+4790000001", User: benchKey(i * 97 % benchUsers)}
	}
	lat := make([]time.Duration, 0, 200_000)
	var sink int
	for b.Loop() {
		lat = lat[:0]
		for i := range 200_000 {
			t0 := time.Now()
			d := p.Decide(context.Background(), c, targets[i%len(targets)])
			lat = append(lat, time.Since(t0))
			sink += int(d.Hold)
		}
	}
	slices.Sort(lat)
	b.ReportMetric(float64(lat[len(lat)*99/100].Nanoseconds())/1000, "p99-µs")
	b.ReportMetric(float64(lat[len(lat)/2].Nanoseconds())/1000, "p50-µs")
	t0 := time.Now()
	for i := range 200_000 {
		sink += len(base[targets[i%len(targets)].User])
	}
	b.ReportMetric(float64(time.Since(t0).Nanoseconds())/200_000/1000, "map-µs")
	_ = sink
}

// BenchmarkApplyNotify500 parses a multipart NOTIFY carrying 500 users and
// writes them into the 100,000-user cache, as the Lync source does.
func BenchmarkApplyNotify500(b *testing.B) {
	c, f := filledCache(b)
	var body strings.Builder
	body.WriteString("--b\r\nContent-Type: application/rlmi+xml\r\n\r\n<list xmlns=\"urn:ietf:params:xml:ns:rlmi\">")
	for i := range 500 {
		fmt.Fprintf(&body, `<resource uri="%s"><instance id="0" state="active" cid="c%d"/></resource>`, benchKey(i), i)
	}
	body.WriteString("</list>\r\n")
	for i := range 500 {
		fmt.Fprintf(&body, "--b\r\nContent-ID: c%d\r\nContent-Type: application/msrtc-event-categories+xml\r\n\r\n%s\r\n", i,
			strings.Replace(string(cat(state("18500", ""))), "sip:u@contoso.com", benchKey(i), 1))
	}
	body.WriteString("--b--\r\n")
	data := []byte(body.String())
	c0, n := cpuTime(), 0
	for b.Loop() {
		n++
		ups, err := parser.Parse("multipart/related;boundary=b", data)
		if err != nil || len(ups) != 500 {
			b.Fatal(err, len(ups))
		}
		now := time.Now()
		for _, u := range ups {
			f.Set(routing.NormalizeURI(u.URI), u.State, now)
		}
	}
	b.ReportMetric(float64((cpuTime()-c0).Microseconds())/1000/float64(n), "cpu-ms")
	b.ReportMetric(float64(len(data))/1024, "body-KiB")
	_ = c
}

// parseCategoriesReflect is the first implementation (xml.Decoder.DecodeElement
// into the structs), kept as the baseline of BenchmarkParseCategories.
func (p Parser) parseCategoriesReflect(data []byte) ([]Update, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	var out []Update
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return out, err
		}
		if se, ok := tok.(xml.StartElement); ok && se.Name.Local == "categories" {
			var c xCategories
			if err := dec.DecodeElement(&c, &se); err != nil {
				return out, err
			}
			out = append(out, p.update(c))
		}
	}
}

// BenchmarkParseCategories: 500 users' categories, raw tokens vs reflection.
func BenchmarkParseCategories(b *testing.B) {
	var doc strings.Builder
	doc.WriteString("<roamingData>")
	for i := range 500 {
		doc.WriteString(strings.Replace(string(cat(state("18500", `<activity token="on-the-phone"/>`))), "sip:u@contoso.com", benchKey(i), 1))
	}
	doc.WriteString("</roamingData>")
	data := []byte(doc.String())
	for name, f := range map[string]func([]byte) ([]Update, error){"raw": parser.parseCategories, "reflect": parser.parseCategoriesReflect} {
		b.Run(name, func(b *testing.B) {
			for b.Loop() {
				if ups, err := f(data); err != nil || len(ups) != 500 || ups[499].State != routing.InMobileCall {
					b.Fatal(err, len(ups))
				}
			}
		})
	}
}
