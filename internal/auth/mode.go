// Package auth chooses how umctl authenticates to a domain controller and
// makes the GSSAPI clients for ModeKerberos (gokrb5: a credential cache, a keytab
// or a password) and for Windows' ModeNegotiate (SSPI, the logged-on user).
package auth

import (
	"fmt"
	"strings"
)

// Mode is an authentication method.
type Mode string

// The modes of --auth.
const (
	ModeAuto      Mode = "auto"
	ModeSimple    Mode = "simple"
	ModeKerberos  Mode = "kerberos"
	ModeNegotiate Mode = "negotiate"
)

// Modes lists the values --auth accepts.
var Modes = []string{string(ModeSimple), string(ModeKerberos), string(ModeNegotiate), string(ModeAuto)}

// ParseMode checks a value of --auth; "" is auto.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(strings.ToLower(strings.TrimSpace(s))); m {
	case "":
		return ModeAuto, nil
	case ModeAuto, ModeSimple, ModeKerberos, ModeNegotiate:
		return m, nil
	}
	return "", fmt.Errorf("invalid value %q for --auth: expected one of %s", s, strings.Join(Modes, ", "))
}

// Hints are what auto looks at.
type Hints struct {
	GOOS          string // runtime.GOOS
	Keytab        string // --keytab, UMCTL_KEYTAB or the profile's
	CCacheEnv     string // KRB5CCNAME
	PasswordGiven bool   // a bind password file or UMCTL_BIND_PASSWORD
}

// Resolve turns auto into a concrete mode: kerberos when a keytab is
// configured; simple when a bind password is given; negotiate on Windows;
// kerberos when KRB5CCNAME names a cache; else simple.
func Resolve(m Mode, h Hints) Mode {
	if m != ModeAuto && m != "" {
		return m
	}
	switch {
	case h.Keytab != "":
		return ModeKerberos
	case h.PasswordGiven:
		return ModeSimple
	case h.GOOS == "windows":
		return ModeNegotiate
	case h.CCacheEnv != "":
		return ModeKerberos
	}
	return ModeSimple
}
