package main

import (
	"runtime"
	"testing"

	"github.com/umctl/umctl/internal/ad"
	"github.com/umctl/umctl/internal/lab"
)

// A directory command runs on one processor (see withDir) and gives the
// process its processors back when it ends; GOMAXPROCS in the environment
// wins.
func TestDirectoryCommandsRunOnOneProcessor(t *testing.T) {
	useLab(t)
	before := runtime.GOMAXPROCS(0)
	if before < 2 {
		runtime.GOMAXPROCS(2)
		defer runtime.GOMAXPROCS(before)
	}
	want := runtime.GOMAXPROCS(0)
	for _, env := range []string{"", "3"} {
		t.Setenv("GOMAXPROCS", env)
		during := 0
		connected = func(*ad.Dir) { during = runtime.GOMAXPROCS(0) }
		code, _, errOut := umctl(t, "eum", "list", lab.User(1, lab.Domain).Sam)
		connected = nil
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		if wantDuring := map[string]int{"": 1, "3": want}[env]; during != wantDuring {
			t.Errorf("GOMAXPROCS=%q: %d processors during the command, want %d", env, during, wantDuring)
		}
		if after := runtime.GOMAXPROCS(0); after != want {
			t.Errorf("GOMAXPROCS=%q: %d processors after the command, want %d back", env, after, want)
		}
	}
}
