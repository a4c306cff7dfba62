package web

import (
	"bytes"
	"net/http"

	"github.com/fieldportal/fieldportal"
)

// StatusFor maps a fieldportal error code to the HTTP status of a portal
// page. It is the one place that decides it, so a code means the same
// status everywhere; APIStatusFor differs only where the API must.
func StatusFor(code string) int {
	switch code {
	case fieldportal.ENOTFOUND:
		return http.StatusNotFound
	case fieldportal.EINVALID:
		return http.StatusBadRequest
	case fieldportal.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case fieldportal.EFORBIDDEN:
		return http.StatusForbidden
	case fieldportal.ECONFLICT:
		return http.StatusConflict
	case fieldportal.ERATELIMIT:
		return http.StatusTooManyRequests
	case fieldportal.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	}
	return http.StatusInternalServerError
}

// APIStatusFor is StatusFor for the JSON API, which answers a body that
// parsed but failed validation with 422 as API clients expect.
func APIStatusFor(code string) int {
	if code == fieldportal.EINVALID {
		return http.StatusUnprocessableEntity
	}
	return StatusFor(code)
}

// errorPage is what the error template renders.
type errorPage struct {
	Status  int
	Title   string
	Message string
}

// errorTitle is the heading of an error page, in words a customer reads.
func errorTitle(status int) string {
	switch status {
	case http.StatusBadRequest:
		return "Please check what you entered"
	case http.StatusUnauthorized:
		return "Please sign in"
	case http.StatusForbidden:
		return "Not allowed"
	case http.StatusNotFound:
		return "Page not found"
	case http.StatusConflict:
		return "That clashes with something else"
	case http.StatusTooManyRequests:
		return "Too many attempts"
	case http.StatusServiceUnavailable:
		return "Temporarily unavailable"
	}
	return "Something went wrong"
}

// Error answers err as a minimal HTML page with the status of its code.
// Only fieldportal.ErrorMessage reaches the page, never the error's text,
// which may name tables or files; server-side faults are logged in full.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	code := fieldportal.ErrorCode(err)
	status := StatusFor(code)
	if status >= 500 {
		s.logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "route", s.routeFor(r), "code", code, "err", err)
	} else {
		s.logger.DebugContext(r.Context(), "request refused", "method", r.Method, "route", s.routeFor(r), "code", code, "err", err)
	}
	var buf bytes.Buffer
	if terr := s.errorTmpl.Execute(&buf, errorPage{Status: status, Title: errorTitle(status), Message: fieldportal.ErrorMessage(err)}); terr != nil {
		// The template is parsed at start and takes only strings; this is
		// a programming error, but the client still gets its status.
		s.logger.ErrorContext(r.Context(), "render error page", "err", terr)
		buf.Reset()
		buf.WriteString(http.StatusText(status))
	}
	h := w.Header()
	// A handler may have set these for the body it meant to send.
	h.Del("Content-Length")
	h.Del("Content-Disposition")
	h.Del("Content-Encoding")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}
