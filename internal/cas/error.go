package cas

import (
	"errors"
	"fmt"
)

// Error codes: the small closed set that every layer maps to its own terms (HTTP status, exit code).
const (
	EInvalid      = "invalid"      // the input is wrong; Field names what
	ENotFound     = "not_found"    // missing, or outside the actor's scope
	EConflict     = "conflict"     // the record's state forbids the action
	EUnauthorized = "unauthorized" // no valid credentials
	EForbidden    = "forbidden"    // signed in, but the role may not use this at all
	ETooLarge     = "too_large"    // the request is bigger than the server reads
	EInternal     = "internal"     // a bug or an outage; the message is not shown to users
	ERateLimited  = "rate_limited" // too many requests or attempts; Retry-After says when to try again
)

// Error is a domain error: a code, a message fit to show the user, and the field at fault if any.
type Error struct {
	Code    string
	Message string
	Field   string
	// Details lists the parts of a refusal one by one, e.g. every eligibility rule that failed.
	Details []string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

// Errorf returns an Error with the given code and a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Invalid returns an EInvalid error that names the field at fault.
func Invalid(field, format string, args ...any) *Error {
	return &Error{Code: EInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// NotFound returns the error for a record that does not exist or that the actor may not see; the
// two are deliberately indistinguishable.
func NotFound(kind string) *Error {
	return &Error{Code: ENotFound, Message: kind + " not found"}
}

// ErrorCode returns the code of the first *Error in err's chain, or EInternal.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	if e, ok := errors.AsType[*Error](err); ok {
		return e.Code
	}
	return EInternal
}

// ErrorOf returns the first *Error in err's chain, or nil when err is not a domain error.
func ErrorOf(err error) *Error {
	e, _ := errors.AsType[*Error](err)
	return e
}
