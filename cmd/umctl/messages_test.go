package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf16"

	"github.com/umctl/umctl/internal/cli"
)

// TestPasswordFileAsEditorsWriteIt binds to the lab with password files saved
// by Windows editors: a UTF-8 BOM with CRLF, and Notepad's UTF-16.
func TestPasswordFileAsEditorsWriteIt(t *testing.T) {
	e := useLab(t)
	t.Setenv("UMCTL_BIND_PASSWORD", "")
	u16 := []byte{0xFF, 0xFE}
	for _, r := range utf16.Encode([]rune(e.Password + "\r\n")) {
		u16 = append(u16, byte(r), byte(r>>8))
	}
	for name, data := range map[string][]byte{
		"bom-crlf": append([]byte{0xEF, 0xBB, 0xBF}, e.Password+"\r\n"...),
		"utf16le":  u16,
	} {
		f := filepath.Join(t.TempDir(), name)
		if err := os.WriteFile(f, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if code, _, errOut := umctl(t, "--bind-password-file", f, "pool", "list"); code != 0 {
			t.Errorf("%s: exit %d: %s", name, code, errOut)
		}
	}
	latin1 := filepath.Join(t.TempDir(), "latin1")
	if err := os.WriteFile(latin1, []byte("p\xe5ssord\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, _, errOut := umctl(t, "--bind-password-file", latin1, "pool", "list")
	if code != cli.ExitAuth || !strings.Contains(errOut, "--bind-password-file "+latin1+" is neither UTF-8 nor UTF-16") {
		t.Errorf("Latin-1 file: exit %d: %s", code, errOut)
	}
}

func TestMessagesPointAtTheCause(t *testing.T) {
	useLab(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0") // takes connections, never answers
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() { time.Sleep(3 * time.Second); c.Close() }()
		}
	}()
	for _, tc := range []struct {
		args      []string
		code      int
		want, not string
	}{
		{[]string{"--server", "ldap://" + ln.Addr().String(), "--timeout", "1s", "pool", "list"}, cli.ExitFailure, "no answer in 1 s", "--ca-file"},
		{[]string{"--server", "ldaps://" + ln.Addr().String(), "--timeout", "1s", "pool", "list"}, cli.ExitFailure, "no answer in 1 s", "--ca-file"},
		{[]string{"contact", "get", "--ou", " "}, cli.ExitUsage, `--ou " ": expected a DN`, "(null)"},
		{[]string{"contact", "get", "--ou", ""}, cli.ExitUsage, `--ou "": expected a DN`, "(null)"},
	} {
		code, _, errOut := umctl(t, tc.args...)
		if code != tc.code || !strings.Contains(errOut, tc.want) || strings.Contains(errOut, tc.not) {
			t.Errorf("%v: exit %d, want %d; %q should say %q and not %q", tc.args, code, tc.code, errOut, tc.want, tc.not)
		}
	}
}
