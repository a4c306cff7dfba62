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
// message, never internal error text.
type Problem struct {
	Type   string                   `json:"type"`
	Title  string                   `json:"title"`
	Status int                      `json:"status"`
	Detail string                   `json:"detail,omitempty"`
	Code   string                   `json:"code"`
	Errors []fieldportal.FieldError `json:"errors,omitempty"`
}

// StatusFor maps an error code to the API's HTTP status. It differs from
// the pages' (web.StatusFor) only in answering a body that failed
// validation with 422, as API clients expect.
func StatusFor(code string) int {
	if code == fieldportal.EINVALID {
		return http.StatusUnprocessableEntity
	}
	return web.StatusFor(code)
}

// ProblemFor builds the problem details of err.
func ProblemFor(err error) Problem {
	code := fieldportal.ErrorCode(err)
	status := StatusFor(code)
	p := Problem{Type: Prefix + "/problems/" + code, Title: http.StatusText(status), Status: status,
		Detail: fieldportal.ErrorMessage(err), Code: code}
	var e *fieldportal.Error
	if errors.As(err, &e) {
		p.Errors = e.Fields
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
