package main

import "strings"

// parseBool reads a yes/no value the same way in flags and CSV cells: true,
// yes, on, 1 (and t) or false, no, off, 0 (and f), in any case.
func parseBool(v string) (value, ok bool) {
	switch strings.ToLower(strings.TrimSpace(v)) {
	case "true", "yes", "on", "1", "t":
		return true, true
	case "false", "no", "off", "0", "f":
		return false, true
	}
	return false, false
}

// boolExpected is the reason given for a value parseBool refuses.
const boolExpected = "expected true or false (yes/no, on/off, 1/0)"
