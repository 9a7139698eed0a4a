package ad

import (
	"errors"
	"fmt"
	"strings"
)

// Field names a piece of input a planner checks: an attribute of a spec, not
// a flag or a column. The CLI maps it to the flag (--dial-plan) of a command
// or to the column (dial_plan) of a CSV row.
type Field string

// Fields of the specs the planners take.
const (
	FieldUser          Field = "user"
	FieldDialPlan      Field = "dial plan"
	FieldExtension     Field = "extension"
	FieldSIPName       Field = "sip name"
	FieldPrimary       Field = "primary"
	FieldSIPAddress    Field = "sip address"
	FieldDisplayNumber Field = "display number"
	FieldRegistrarPool Field = "registrar pool"
	FieldOU            Field = "ou"
	FieldIdentity      Field = "identity"
	FieldTargetPool    Field = "target pool"
	FieldLDAPFilter    Field = "ldap filter"
	FieldGateway       Field = "gateway"
	FieldAddress       Field = "address"
	FieldPort          Field = "port"
	FieldStatus        Field = "status"
	FieldIPFamily      Field = "ip family"
	FieldPilot         Field = "pilot"
	FieldName          Field = "name"
	FieldDisplayName   Field = "display name"
	FieldDescription   Field = "description"

	FieldServer             Field = "server"
	FieldCAFile             Field = "ca file"
	FieldBindDN             Field = "bind dn"
	FieldOutcallsGateway    Field = "outcalls gateway"
	FieldIncludeAdminGroups Field = "include admin groups"
)

// ErrInUse means a value that must be unique (an EUM address, a SIP address, a
// line URI) already belongs to another object. It is also ErrInvalid.
var ErrInUse = &kindError{"already in use", ErrInvalid}

type kindError struct {
	msg    string
	parent error
}

func (e *kindError) Error() string { return e.msg }
func (e *kindError) Unwrap() error { return e.parent }

// FieldError is bad input in one field: what was given and why it is refused.
// It matches ErrInvalid with errors.Is, and also Kind when set (ErrNotFound:
// the value names nothing; ErrInUse: the value belongs to Owner).
type FieldError struct {
	Field  Field
	Value  string
	Reason string
	Kind   error  // nil, ErrNotFound or ErrInUse
	Owner  string // ErrInUse: the DN that has the value
}

func (e *FieldError) Error() string { return e.Render(string(e.Field)) }

// Render writes the error with the field called name (a flag or a column):
// `invalid input: --extension "1001" is …` when the reason is a predicate,
// `invalid input: --extension "12": expected …` otherwise.
func (e *FieldError) Render(name string) string {
	subject := name
	if e.Value != "" {
		subject = fmt.Sprintf("%s %q", name, e.Value)
	}
	sep := ": "
	for _, verb := range []string{"is ", "in ", "matches ", "does ", "has "} {
		if strings.HasPrefix(e.Reason, verb) {
			sep = " "
		}
	}
	return fmt.Sprintf("%s: %s%s%s", ErrInvalid, subject, sep, e.Reason)
}

// Unwrap lets errors.Is find ErrInvalid and the Kind.
func (e *FieldError) Unwrap() []error {
	if e.Kind != nil {
		return []error{e.Kind, ErrInvalid}
	}
	return []error{ErrInvalid}
}

// fieldErr builds a FieldError with a formatted reason.
func fieldErr(f Field, value, format string, a ...any) *FieldError {
	return &FieldError{Field: f, Value: value, Reason: fmt.Sprintf(format, a...)}
}

// notFoundErr is a FieldError for a value that names nothing.
func notFoundErr(f Field, value, format string, a ...any) *FieldError {
	e := fieldErr(f, value, format, a...)
	e.Kind = ErrNotFound
	return e
}

// inUseErr is a FieldError for a unique value that owner already has.
func inUseErr(f Field, value, owner, format string, a ...any) *FieldError {
	e := fieldErr(f, value, format, a...)
	e.Kind, e.Owner = ErrInUse, owner
	return e
}

// AsFieldError returns the FieldError in err's chain, if any.
func AsFieldError(err error) (*FieldError, bool) {
	var fe *FieldError
	ok := errors.As(err, &fe)
	return fe, ok
}
