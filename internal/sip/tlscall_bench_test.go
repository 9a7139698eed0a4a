package sip

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

// BenchmarkTLSCall runs whole calls (INVITE/200/ACK/BYE/200) from TLS callers
// through the relay to a TLS UAS (relay), or straight to the UAS (direct:
// what the peers cost alone), 64 at a time over 4 caller connections, and
// reports allocations per call (-benchmem; relay minus direct is the relay's
// share) and the heap the ended calls still hold right after the last one.
// Compare two versions by the ratio of their figures in one run, never by
// the absolute numbers.
//
//	go test -run - -bench TLSCall -benchmem -benchtime 5000x ./internal/sip
func BenchmarkTLSCall(b *testing.B) {
	b.Run("direct", func(b *testing.B) {
		_, _, uas := tlsRelay(b)
		benchTLSCalls(b, uas.addr)
	})
	b.Run("relay", func(b *testing.B) {
		_, addr, _ := tlsRelay(b)
		benchTLSCalls(b, addr)
	})
}

func benchTLSCalls(b *testing.B, addr string) {
	callers := make([]*tlsCaller, 4)
	for i := range callers {
		callers[i] = dialTLSCaller(b, addr)
	}
	// Each caller connection: one reader hands each final response to its call.
	var mu sync.Mutex
	waiting := map[string]chan wireMsg{}
	for _, k := range callers {
		go func() {
			for m := range k.got {
				if strings.HasPrefix(m.text, "SIP/2.0 1") {
					continue
				}
				key := m.header("Call-ID", "i") + " " + m.header("CSeq", "")
				mu.Lock()
				ch := waiting[key]
				delete(waiting, key)
				mu.Unlock()
				if ch != nil {
					ch <- m
				}
			}
		}()
	}
	await := func(id, cseq string) chan wireMsg {
		ch := make(chan wireMsg, 1)
		mu.Lock()
		waiting[id+" "+cseq] = ch
		mu.Unlock()
		return ch
	}
	call := func(n int) error {
		k := callers[n%len(callers)]
		id := fmt.Sprintf("bench-%d@tls", n)
		ruri := "sip:+4790000001@" + addr
		answered := await(id, "1 INVITE")
		k.send(b, k.request("INVITE", ruri, "<"+ruri+">", id, id+"-1", 1))
		var res wireMsg
		select {
		case res = <-answered:
		case <-time.After(10 * time.Second):
			return fmt.Errorf("call %s: no answer", id)
		}
		if !strings.HasPrefix(res.text, "SIP/2.0 200 ") {
			return fmt.Errorf("call %s: %s", id, res.first())
		}
		to := res.header("To", "t")
		k.send(b, k.request("ACK", ruri, to, id, id+"-1", 1))
		ended := await(id, "2 BYE")
		k.send(b, k.request("BYE", ruri, to, id, id+"-2", 2))
		select {
		case res = <-ended:
		case <-time.After(10 * time.Second):
			return fmt.Errorf("call %s: no answer to the BYE", id)
		}
		if !strings.HasPrefix(res.text, "SIP/2.0 200 ") {
			return fmt.Errorf("call %s: BYE got %s", id, res.first())
		}
		return nil
	}
	b.ReportAllocs()
	before := memNow()
	b.ResetTimer()
	next := make(chan int)
	errs := make(chan error, 64)
	var wg sync.WaitGroup
	for range 64 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for n := range next {
				if err := call(n); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	for n := 0; n < b.N; n++ {
		select {
		case next <- n:
		case err := <-errs:
			b.Fatal(err)
		}
	}
	close(next)
	wg.Wait()
	select {
	case err := <-errs:
		b.Fatal(err)
	default:
	}
	b.StopTimer()
	// What the ended calls still hold (transactions kept for their timers).
	b.ReportMetric(float64(int64(memNow())-int64(before))/float64(b.N), "retained-B/call")
}
