package api

import (
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Problem is an RFC 9457 problem details body. Type is a stable URI per
// error code, so a client can branch on it; Detail is the user-safe
// message, never internal error text; Errors names each field that failed.
type Problem struct {
	Type   string         `json:"type"`
	Title  string         `json:"title"`
	Status int            `json:"status"`
	Detail string         `json:"detail,omitempty"`
	Code   string         `json:"code"`
	Errors []FieldProblem `json:"errors,omitempty"`
}

// FieldProblem is one failed field of a problem: Field is its path in the
// request, as the API spells it ("address.postcode", "limit"), Detail the
// message.
type FieldProblem struct {
	Field  string `json:"field"`
	Detail string `json:"detail"`
}

// The API's own error codes, for refusals that only an HTTP door makes
// (the domain's codes are in error.go). A request the API cannot read is a
// 400; one it reads but the domain refuses is a 422 (EINVALID).
const (
	// CodeBadRequest is a request that cannot be read: malformed JSON,
	// unknown or mistyped fields, invalid UTF-8, bad query parameters.
	CodeBadRequest = "bad_request"
	// CodeUnsupportedMedia is a body that is not application/json.
	CodeUnsupportedMedia = "unsupported_media_type"
	// CodeTooLarge is a body over the size limit.
	CodeTooLarge = "too_large"
	// CodePrecondition is an If-Match that names a stale version.
	CodePrecondition = "precondition_failed"
	// CodeMethodNotAllowed is a method the address does not take.
	CodeMethodNotAllowed = "method_not_allowed"
)

// StatusFor maps an error code to the API's HTTP status. It differs from
// the pages' (web.StatusFor) in answering a body that failed validation
// with 422, as API clients expect, and in the API's own codes.
func StatusFor(code string) int {
	switch code {
	case fieldportal.EINVALID:
		return http.StatusUnprocessableEntity
	case CodeBadRequest:
		return http.StatusBadRequest
	case CodeUnsupportedMedia:
		return http.StatusUnsupportedMediaType
	case CodeTooLarge:
		return http.StatusRequestEntityTooLarge
	case CodePrecondition:
		return http.StatusPreconditionFailed
	case CodeMethodNotAllowed:
		return http.StatusMethodNotAllowed
	}
	return web.StatusFor(code)
}

// badRequest is a CodeBadRequest error naming each failed field; its
// message is the first field's.
func badRequest(fields ...fieldportal.FieldError) *fieldportal.Error {
	e := &fieldportal.Error{Code: CodeBadRequest, Message: "The request could not be read.", Fields: fields}
	if len(fields) > 0 {
		e.Field, e.Message = fields[0].Field, fields[0].Message
	}
	return e
}

// ProblemFor builds the problem details of err.
func ProblemFor(err error) Problem {
	code := fieldportal.ErrorCode(err)
	if errors.Is(err, fieldportal.ErrChanged) {
		// Only a write under If-Match names the version it read.
		code = CodePrecondition
	}
	status := StatusFor(code)
	p := Problem{Type: Prefix + "/problems/" + code, Title: http.StatusText(status), Status: status,
		Detail: fieldportal.ErrorMessage(err), Code: code}
	var e *fieldportal.Error
	if errors.As(err, &e) {
		for _, f := range e.Fields {
			p.Errors = append(p.Errors, FieldProblem{Field: f.Field, Detail: f.Message})
		}
		if len(p.Errors) == 0 && e.Field != "" {
			p.Errors = []FieldProblem{{Field: e.Field, Detail: e.Message}}
		}
	}
	return p
}

// problem answers err as problem details; faults are logged in full.
func (a *API) problem(w http.ResponseWriter, r *http.Request, err error) {
	p := ProblemFor(err)
	if p.Status >= 500 {
		a.log.ErrorContext(r.Context(), "API request failed", "method", r.Method, "path_pattern", r.Pattern, "code", p.Code, "err", err)
	}
	body, _ := json.Marshal(p)
	h := w.Header()
	h.Del("Content-Length")
	h.Del("ETag")
	h.Set("Content-Type", "application/problem+json")
	h.Set("Cache-Control", "no-store")
	if d := fieldportal.RetryAfter(err); d > 0 {
		h.Set("Retry-After", retryAfter(d))
	}
	w.WriteHeader(p.Status)
	if r.Method != http.MethodHead {
		w.Write(append(body, '\n'))
	}
}

// retryAfter is a wait as a Retry-After header's value: whole seconds,
// rounded up, at least one.
func retryAfter(d time.Duration) string {
	return strconv.Itoa(max(1, int(math.Ceil(d.Seconds()))))
}
