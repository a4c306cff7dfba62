package web

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// StatusFor maps a fieldportal error code to the HTTP status of a page.
// It is the one place that decides it for pages; the API maps codes in
// its own problem responses (api.StatusFor), differing only where it must.
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

// ErrorView is what the error page renders: a title in words a customer
// reads, the safe message, and where to go next.
type ErrorView struct {
	Layout
	Status  int
	Message string
	// Next is what the reader can do now: a link with its label.
	NextURL, NextLabel string
	// SignIn offers the sign-in page (401).
	SignIn bool
	// Command is a command for whoever runs the portal to type, shown as
	// code (a fresh install's "fieldportal init").
	Command string
}

// errorTitle is the heading of an error page.
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

// ErrorPageView builds the error page of err for r: the status and title
// of its code, its user-safe message, and a way on.
func (k *Kit) ErrorPageView(r *http.Request, err error) ErrorView {
	status := StatusFor(fieldportal.ErrorCode(err))
	v := ErrorView{Layout: k.BaseLayout(r, errorTitle(status)), Status: status, Message: fieldportal.ErrorMessage(err)}
	console := r.URL.Path == "/console" || strings.HasPrefix(r.URL.Path, "/console/")
	v.Console = console
	home := "/"
	if console {
		home = "/console"
	}
	switch status {
	case http.StatusUnauthorized:
		v.SignIn = true
		v.NextURL, v.NextLabel = home, "Go to the start page"
	case http.StatusNotFound, http.StatusForbidden:
		v.NextURL, v.NextLabel = home, "Go to the start page"
	case http.StatusInternalServerError, http.StatusServiceUnavailable:
		v.NextURL, v.NextLabel = SafeNext(r.URL.Path), "Try again"
		if r.Method != http.MethodGet {
			v.NextURL = home
			v.NextLabel = "Go to the start page"
		}
	default:
		v.NextURL, v.NextLabel = home, "Go to the start page"
	}
	if OrganisationFromContext(r.Context()) == nil && status == http.StatusNotFound {
		v.NextURL = "" // no portal here: there is no start page to offer
	}
	return v
}

// Error answers err as a page of the layout with the status of its code.
// Only fieldportal.ErrorMessage reaches the page, never the error's text,
// which may name tables or files; server-side faults are logged in full.
func (k *Kit) Error(w http.ResponseWriter, r *http.Request, err error) {
	for prefix, h := range k.errorsUnder {
		if strings.HasPrefix(r.URL.Path, prefix) {
			h(w, r, err)
			return
		}
	}
	code := fieldportal.ErrorCode(err)
	status := StatusFor(code)
	if status >= 500 {
		k.logger.ErrorContext(r.Context(), "request failed", "method", r.Method, "route", k.routeFor(r), "code", code, "err", err)
	} else {
		k.logger.DebugContext(r.Context(), "request refused", "method", r.Method, "route", k.routeFor(r), "code", code, "err", err)
	}
	k.renderError(w, r, k.ErrorPageView(r, err))
}

// renderError writes an error page of view's status.
func (k *Kit) renderError(w http.ResponseWriter, r *http.Request, view ErrorView) {
	var buf bytes.Buffer
	if t := k.errors.set["error"]; t == nil || t.ExecuteTemplate(&buf, "error.html", view) != nil {
		// The template is parsed at start and takes only strings; this is
		// a programming error, but the client still gets its status.
		k.logger.ErrorContext(r.Context(), "render error page", "status", view.Status)
		buf.Reset()
		buf.WriteString(http.StatusText(view.Status))
	}
	h := w.Header()
	// A handler may have set these for the body it meant to send.
	h.Del("Content-Length")
	h.Del("Content-Disposition")
	h.Del("Content-Encoding")
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(view.Status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// noPortal answers a host no organisation serves: a 404 that says so,
// and on a fresh install, which has no organisation at all, how to make
// one.
func (k *Kit) noPortal(w http.ResponseWriter, r *http.Request) {
	view := ErrorView{Layout: Layout{Title: "No portal at this address"}, Status: http.StatusNotFound,
		Message: "No portal is set up here. Check the address you were given: the portal you want may be on another one."}
	if n, err := k.orgs.CountOrganisations(r.Context()); err == nil && n == 0 {
		view.Title = "This portal is not set up yet"
		view.Message = "It has no organisation yet. Whoever runs it creates one, with its first admin, by running:"
		view.Command = `fieldportal init --org-name "Your company" --admin-email you@example.com`
	}
	k.renderError(w, r, view)
}

// NotFoundAs words a record's "not found" for the page that looked it up:
// the store names its table, the page names what the visitor asked for.
// Any other error is returned as it is.
func NotFoundAs(err error, what string) error {
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no %s at this address.", what)
	}
	return err
}
