// Package testutil holds small helpers that tests of several packages share.
package testutil

import (
	"os"
	"path/filepath"
	"testing"
)

// TempFiles makes a temporary directory of t's and returns it with a function
// that writes (or rewrites) a file in it, mode 0600, and returns its path.
func TempFiles(t testing.TB) (dir string, write func(name, body string) string) {
	t.Helper()
	dir = t.TempDir()
	return dir, func(name, body string) string {
		t.Helper()
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
}
