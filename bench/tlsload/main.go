// Command tlsload is the TLS load generator of bench/relay.sh (Debian's sipp
// is built without TLS): a SIP caller that makes INVITE/200/ACK/BYE/200 calls
// at a fixed rate over TLS, a SIP UAS that answers them, and the certificates
// both need. Loopback benchmarks only; it verifies no certificate.
//
//	tlsload certs -dir DIR                           # ca.pem, cert.pem, key.pem for 127.0.0.1
//	tlsload uas -listen 127.0.0.1:5085 -cert C -key K
//	tlsload uac -target 127.0.0.1:5075 -rate 1000 -calls 10000 [-conns 4]
//
// uac prints "successful failed" when all calls have ended (a call fails on a
// non-2xx answer or when it has not ended 5 s after its INVITE).
package main

import (
	"flag"
	"fmt"
	"os"
	"time"
)

func main() {
	if len(os.Args) < 2 {
		usage()
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	var err error
	switch os.Args[1] {
	case "certs":
		dir := fs.String("dir", ".", "where to write ca.pem, cert.pem and key.pem")
		_ = fs.Parse(os.Args[2:])
		err = writeCerts(*dir)
	case "uas":
		listen := fs.String("listen", "127.0.0.1:5085", "TLS address to answer on")
		cert := fs.String("cert", "cert.pem", "certificate (PEM)")
		key := fs.String("key", "key.pem", "private key (PEM)")
		_ = fs.Parse(os.Args[2:])
		err = serveUAS(*listen, *cert, *key)
	case "uac":
		target := fs.String("target", "127.0.0.1:5075", "the proxy's TLS address")
		rate := fs.Int("rate", 1000, "calls per second")
		calls := fs.Int("calls", 10000, "calls in all")
		conns := fs.Int("conns", 4, "TLS connections to the proxy (calls are spread over them)")
		timeout := fs.Duration("timeout", 5*time.Second, "a call not ended this long after its INVITE fails")
		_ = fs.Parse(os.Args[2:])
		var ok, failed int
		ok, failed, err = runUAC(*target, *rate, *calls, *conns, *timeout)
		if err == nil {
			fmt.Println(ok, failed)
		}
	default:
		usage()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "tlsload:", err)
		os.Exit(1)
	}
}

func usage() {
	fmt.Fprintln(os.Stderr, "usage: tlsload certs|uas|uac [flags] (-h for the flags)")
	os.Exit(2)
}
