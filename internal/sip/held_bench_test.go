package sip

import (
	"fmt"
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/umctl/umctl/internal/sipptest"
)

// invite is an INVITE shaped like sipp's built-in uac scenario (SDP included).
func invite(relayPort, callerPort, i int) []byte {
	sdp := "v=0\r\no=user1 53655765 2353687637 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 6000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	return fmt.Appendf(nil, "INVITE sip:+4790000001@127.0.0.1:%[1]d SIP/2.0\r\n"+
		"Via: SIP/2.0/UDP 127.0.0.1:%[2]d;branch=z9hG4bK-bench-%[3]d\r\n"+
		"From: sipp <sip:sipp@127.0.0.1:%[2]d>;tag=%[3]dSIPpTag00\r\n"+
		"To: <sip:+4790000001@127.0.0.1:%[1]d>\r\n"+
		"Call-ID: %[3]d-bench@127.0.0.1\r\n"+
		"CSeq: 1 INVITE\r\n"+
		"Contact: sip:sipp@127.0.0.1:%[2]d\r\n"+
		"Max-Forwards: 70\r\n"+
		"Subject: Performance Test\r\n"+
		"Content-Type: application/sdp\r\n"+
		"Content-Length: %[4]d\r\n\r\n%[5]s", relayPort, callerPort, i, len(sdp), sdp)
}

// BenchmarkHeldCall measures what one held call costs in memory: b.N INVITEs
// are held at once (hold 1 h, nothing answered), then heap and goroutine stacks
// are compared with the idle relay. The budget is 100,000 held calls within
// 800 MiB of RSS, so 8,389 bytes per call; "budget-ratio" is bytes per held
// call / 8,389 (≤ 1 meets it). Run: go test -run - -bench HeldCall -benchtime 20000x ./internal/sip
func BenchmarkHeldCall(b *testing.B) {
	relayPort, umPort := sipptest.FreePort(b, "udp"), sipptest.FreePort(b, "udp")
	cfg := &Config{Listen: []string{fmt.Sprintf("udp://127.0.0.1:%d", relayPort)}, NextHops: []string{fmt.Sprintf("udp://127.0.0.1:%d", umPort)},
		Hold: Duration(time.Hour), MaxHeld: 1 << 30}
	r, _ := startRelay(b, cfg)
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close()
	go func() { // the caller's socket: drain the 100s
		buf := make([]byte, 65535)
		for {
			if _, _, err := conn.ReadFrom(buf); err != nil {
				return
			}
		}
	}()
	to, _ := net.ResolveUDPAddr("udp", fmt.Sprintf("127.0.0.1:%d", relayPort))
	callerPort := conn.LocalAddr().(*net.UDPAddr).Port
	before := memNow()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := conn.WriteTo(invite(relayPort, callerPort, i), to); err != nil {
			b.Fatal(err)
		}
		if i%200 == 199 { // keep under the socket buffer
			for r.Held() < int64(i)-1000 {
				time.Sleep(time.Millisecond)
			}
		}
	}
	deadline := time.Now().Add(time.Minute)
	for r.Held() < int64(b.N) {
		if time.Now().After(deadline) {
			b.Fatalf("only %d of %d calls held", r.Held(), b.N)
		}
		time.Sleep(10 * time.Millisecond)
	}
	time.Sleep(300 * time.Millisecond) // let the sipgo 100-Trying timers fire
	b.StopTimer()
	after := memNow()
	per := float64(after-before) / float64(b.N)
	b.ReportMetric(per, "B/held-call")
	b.ReportMetric(per/8389, "budget-ratio")
	r.Drain()
}

// memNow is the heap and goroutine stack memory in use after a full GC.
func memNow() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse + m.StackInuse
}
