package main

import (
	"net"
	"path/filepath"
	"testing"
	"time"
)

// The caller and the UAS talk to each other over TLS: every call ends well,
// and a caller whose proxy does not listen says so.
func TestCallsOverTLS(t *testing.T) {
	dir := t.TempDir()
	if err := writeCerts(dir); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	go func() { _ = serveUAS(addr, filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")) }()
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if c, err := net.Dial("tcp", addr); err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the UAS does not listen")
		}
	}
	ok, failed, err := runUAC(addr, 200, 100, 2, 5*time.Second)
	if err != nil || ok != 100 || failed != 0 {
		t.Fatalf("%d ok, %d failed, %v; want 100 ok", ok, failed, err)
	}
	if _, _, err := runUAC("127.0.0.1:1", 10, 1, 1, time.Second); err == nil {
		t.Fatal("no error from a caller whose proxy does not listen")
	}
}
