package fieldportal

import (
	"errors"
	"fmt"
	"time"
)

// Error codes. They are few on purpose: each maps to one HTTP status in
// one place (web and api), and users only ever see Message, never the
// wrapped internal error.
const (
	ECONFLICT     = "conflict"     // the action conflicts with the current state (duplicate, stale)
	EINTERNAL     = "internal"     // a fault of ours; the detail is logged, not shown
	EINVALID      = "invalid"      // bad input; Field names the field that failed
	ENOTFOUND     = "not_found"    // absent, or out of the viewer's reach (SPEC §2.5)
	EUNAUTHORIZED = "unauthorized" // not signed in, or bad credentials
	EFORBIDDEN    = "forbidden"    // signed in but not allowed; only used where hiding is pointless
	ERATELIMIT    = "rate_limited" // too many attempts; try later
	EUNAVAILABLE  = "unavailable"  // a dependency (database, provider) is down
)

// Error is the one error type of the application. Code decides the HTTP
// status; Message is safe to show to a user; Field names the input that
// failed validation, if any.
type Error struct {
	Code    string
	Message string
	Field   string
	// Fields carries more than one field error for a whole-form validation.
	Fields []FieldError
	// RetryAfter is, for ERATELIMIT, how long to wait when it is known
	// (the API sends it as Retry-After).
	RetryAfter time.Duration
}

// FieldError is one failed field of a form or API body.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error implements error.
func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("fieldportal error: code=%s field=%s message=%s", e.Code, e.Field, e.Message)
	}
	return fmt.Sprintf("fieldportal error: code=%s message=%s", e.Code, e.Message)
}

// Errorf returns an *Error with the code and a formatted user-safe message.
func Errorf(code string, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldErrorf returns an EINVALID error naming the field that failed.
func FieldErrorf(field string, format string, args ...any) *Error {
	msg := fmt.Sprintf(format, args...)
	return &Error{Code: EINVALID, Field: field, Message: msg, Fields: []FieldError{{Field: field, Message: msg}}}
}

// ErrChanged refuses a save that named the version it read (a record's
// IfUpdatedAt) when the record has changed since: an optimistic lock, the
// API's If-Match.
var ErrChanged = &Error{Code: ECONFLICT, Message: "The record has changed since it was read; read it again and retry."}

// NotFound is the error for a record that does not exist or is out of reach.
func NotFound(what string) *Error {
	return &Error{Code: ENOTFOUND, Message: what + " not found"}
}

// ErrorCode returns the code of err, EINTERNAL for a foreign error, and "" for nil.
func ErrorCode(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// ErrorMessage returns the user-safe message of err. Foreign errors, whose
// text may reveal internals, get a generic message.
func ErrorMessage(err error) string {
	var e *Error
	if err == nil {
		return ""
	} else if errors.As(err, &e) {
		return e.Message
	}
	return "Something went wrong on our side. Please try again."
}

// Validation collects field errors of a whole form, so that every failed
// field is reported at once and the form can be shown again with all of them.
type Validation struct{ fields []FieldError }

// Add records a failed field.
func (v *Validation) Add(field, format string, args ...any) {
	v.fields = append(v.fields, FieldError{Field: field, Message: fmt.Sprintf(format, args...)})
}

// Err returns nil when nothing failed, else an EINVALID *Error listing every field.
func (v *Validation) Err() error {
	if len(v.fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Field: v.fields[0].Field, Message: v.fields[0].Message, Fields: v.fields}
}

// RetryAfter returns how long err says to wait before trying again: its
// RetryAfter when it is an ERATELIMIT error that knows, else 0.
func RetryAfter(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) && e.Code == ERATELIMIT {
		return e.RetryAfter
	}
	return 0
}
