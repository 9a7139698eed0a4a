package ad

import (
	"errors"
	"fmt"
	"testing"
)

func TestFieldErrorMatchesSentinels(t *testing.T) {
	inUse := inUseErr(FieldExtension, "1001", "CN=Ada", "in dial plan SipDP is already used by CN=Ada")
	wrapped := fmt.Errorf("row 2: %w", inUse)
	if !errors.Is(wrapped, ErrInvalid) || !errors.Is(wrapped, ErrInUse) || errors.Is(wrapped, ErrNotFound) {
		t.Fatalf("in-use error: Is(ErrInvalid)=%v Is(ErrInUse)=%v Is(ErrNotFound)=%v",
			errors.Is(wrapped, ErrInvalid), errors.Is(wrapped, ErrInUse), errors.Is(wrapped, ErrNotFound))
	}
	fe, ok := AsFieldError(wrapped)
	if !ok || fe.Field != FieldExtension || fe.Value != "1001" || fe.Owner != "CN=Ada" {
		t.Fatalf("As: %+v %v", fe, ok)
	}
	if got, want := fe.Render("--extension"), `invalid input: --extension "1001" in dial plan SipDP is already used by CN=Ada`; got != want {
		t.Errorf("render:\n got %s\nwant %s", got, want)
	}
	nf := notFoundErr(FieldDialPlan, "Nope", "no such UM dial plan (have: SipDP)")
	if !errors.Is(nf, ErrNotFound) || !errors.Is(nf, ErrInvalid) || errors.Is(nf, ErrInUse) {
		t.Fatal("not-found error kinds")
	}
	if got, want := nf.Render("dial_plan"), `invalid input: dial_plan "Nope": no such UM dial plan (have: SipDP)`; got != want {
		t.Errorf("render:\n got %s\nwant %s", got, want)
	}
	if got, want := fieldErr(FieldSIPName, "", "is required").Error(), "invalid input: sip name is required"; got != want {
		t.Errorf("no value:\n got %s\nwant %s", got, want)
	}
	if !errors.Is(ErrInUse, ErrInvalid) {
		t.Fatal("ErrInUse is a kind of ErrInvalid")
	}
}

func TestLineURIs(t *testing.T) {
	got := lineURIs("+4790001001")
	if got[0] != "tel:+4790001001" || got[1] != "tel:+4790001001;ext=1" || got[4] != "tel:+4790001001;ext=1001" || len(got) != 1+maxExtDigits {
		t.Fatalf("%q", got)
	}
	if got := lineURIs("12"); len(got) != 3 || got[2] != "tel:12;ext=12" {
		t.Fatalf("short number: %q", got)
	}
}
