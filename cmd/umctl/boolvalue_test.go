package main

import "testing"

// Flags and CSV cells read yes/no values alike.
func TestParseBool(t *testing.T) {
	for in, want := range map[string]bool{"true": true, "YES": true, " on ": true, "1": true, "T": true, "false": false, "No": false, "off": false, "0": false, "f": false} {
		if got, ok := parseBool(in); !ok || got != want {
			t.Errorf("parseBool(%q) = %v, %v; want %v", in, got, ok, want)
		}
	}
	for _, in := range []string{"", "maybe", "2", "yess", "ja"} {
		if _, ok := parseBool(in); ok {
			t.Errorf("parseBool(%q) accepted", in)
		}
	}
	if b, err := boolFlag(true, "mwi", "off"); err != nil || *b {
		t.Errorf("--mwi off: %v %v", b, err)
	}
}
