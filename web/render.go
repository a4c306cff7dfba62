package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// templateFS holds the page templates. Each page file starts with
// {{template "layout" .}} and defines "content"; it is parsed together with
// layout.html into its own template set at start, so a broken template
// stops the program instead of failing a customer's request.
//
//go:embed templates
var templateFS embed.FS

// Layout is the part of every page's view that layout.html reads. Each
// page's view struct embeds it.
type Layout struct {
	// Title is the page's <title> and, usually, its <h1>.
	Title string
	// OrgName is the operator's name in the header.
	OrgName string
	// User is the signed-in contact's name; empty on the sign-in pages,
	// which then show neither the account menu nor the navigation.
	User string
	// Nav lists the modules the viewer may use (SPEC §2.4).
	Nav []NavLink
	// LogoURL is the organisation's logo, or "".
	LogoURL string
	// Console marks a page of the staff console: its brand links to the
	// console's home, and its account menu signs out of the console.
	Console bool
}

// NavLink is one entry of the main navigation.
type NavLink struct {
	Label   string
	URL     string
	Current bool
}

// FormErrors maps a form field's name to the message about it. The
// templates show each message next to its field and all of them in a
// summary at the top, linked to the fields.
type FormErrors map[string]string

// Has reports whether any field failed.
func (e FormErrors) Has() bool { return len(e) > 0 }

// List returns the errors in the order of the form's fields, then any
// others (such as a message about the whole form, under ""), for the
// summary at the top of the form.
func (e FormErrors) List(order ...string) []fieldportal.FieldError {
	var out []fieldportal.FieldError
	seen := map[string]bool{}
	for _, f := range order {
		if m, ok := e[f]; ok && !seen[f] {
			out = append(out, fieldportal.FieldError{Field: f, Message: m})
			seen[f] = true
		}
	}
	rest := make([]string, 0, len(e))
	for f := range e {
		if !seen[f] {
			rest = append(rest, f)
		}
	}
	slices.Sort(rest)
	for _, f := range rest {
		out = append(out, fieldportal.FieldError{Field: f, Message: e[f]})
	}
	return out
}

// FieldView is one labelled input of a form: what the "field" template
// renders. Value is what was typed, so a failed form keeps it; password
// fields are never filled back.
type FieldView struct {
	Name, Label, Type, Value, Hint, Error, Autocomplete string
	Required                                            bool
}

// field builds a required FieldView with its error from errs.
func field(name, label, typ, value, autocomplete string, errs FormErrors) FieldView {
	return FieldView{Name: name, Label: label, Type: typ, Value: value, Autocomplete: autocomplete, Error: errs[name], Required: true}
}

// formErrors turns a validation error into FormErrors. An error without
// fields gets its message under "" (shown only in the summary).
func formErrors(err error) FormErrors {
	fe := FormErrors{}
	var e *fieldportal.Error
	if errors.As(err, &e) && len(e.Fields) > 0 {
		for _, f := range e.Fields {
			if _, dup := fe[f.Field]; !dup {
				fe[f.Field] = f.Message
			}
		}
		return fe
	}
	fe[""] = fieldportal.ErrorMessage(err)
	return fe
}

// parseTemplates parses every page with the layout, once, at start.
func (s *Server) parseTemplates() error {
	funcs := template.FuncMap{
		"asset": s.assetPath,
	}
	pages, err := fs.Glob(templateFS, "templates/*.html")
	if err != nil {
		return err
	}
	s.pages = map[string]*template.Template{}
	for _, p := range pages {
		name := strings.TrimSuffix(strings.TrimPrefix(p, "templates/"), ".html")
		if name == "layout" {
			continue
		}
		t, err := template.New(name+".html").Funcs(funcs).ParseFS(templateFS, "templates/layout.html", p)
		if err != nil {
			return fmt.Errorf("parse template %s: %w", p, err)
		}
		s.pages[name] = t
	}
	return nil
}

// render writes a page with status. It renders into a buffer first, so a
// template error becomes a clean 500 page instead of half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	t, ok := s.pages[page]
	if !ok {
		s.Error(w, r, fmt.Errorf("render: no template %q", page))
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, page+".html", data); err != nil {
		s.Error(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	// Pages carry personal data and reflect the session: never cached.
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// layoutFor fills the layout of a page for the request: the organisation
// and, when someone is signed in, the contact's name and navigation.
func (s *Server) layoutFor(r *http.Request, title string) Layout {
	l := Layout{Title: title}
	if o := OrganisationFromContext(r.Context()); o != nil {
		l.OrgName = o.Name
		l.LogoURL = s.orgLogoURL(r)
	}
	if v, ok := ViewerFromContext(r.Context()); ok {
		l.User = v.Name
		if l.User == "" {
			l.User = "Your account"
		}
		l.Nav = navFor(v, r)
	}
	return l
}

// pageReady lists the modules whose pages exist. A module without pages
// yet is not linked from the navigation, the dashboard or a site's tabs,
// so no link leads to "no page here"; each module joins as its pages land.
var pageReady = map[fieldportal.Module]bool{
	fieldportal.ModuleDashboard: true,
	fieldportal.ModuleSites:     true,
}

// moduleURL is the stable address of each module's page (SPEC §4).
var moduleURL = map[fieldportal.Module]string{
	fieldportal.ModuleDashboard:    "/",
	fieldportal.ModuleSites:        "/sites",
	fieldportal.ModuleIssues:       "/issues",
	fieldportal.ModuleService:      "/jobs?kind=service",
	fieldportal.ModuleInstall:      "/jobs?kind=install",
	fieldportal.ModuleQuotes:       "/quotes",
	fieldportal.ModuleInvoices:     "/invoices",
	fieldportal.ModuleStatement:    "/statement",
	fieldportal.ModuleAutopay:      "/payments/automatic",
	fieldportal.ModuleAssets:       "/assets",
	fieldportal.ModuleDocuments:    "/documents",
	fieldportal.ModuleCertificates: "/certificates",
	fieldportal.ModuleDiary:        "/diary",
	fieldportal.ModuleTasks:        "/tasks",
	fieldportal.ModuleReports:      "/reports/ppm",
}

// navFor lists the viewer's usable modules, marking the one the request
// is in. Jobs are one path split by kind, so the kind decides there.
func navFor(v fieldportal.Viewer, r *http.Request) []NavLink {
	var out []NavLink
	for _, m := range v.UsableModules() {
		if !pageReady[m] {
			continue
		}
		u := moduleURL[m]
		p, q, _ := strings.Cut(u, "?")
		cur := false
		switch {
		case p == "/":
			cur = r.URL.Path == "/"
		case q != "":
			cur = r.URL.Path == p && "kind="+r.URL.Query().Get("kind") == q
		case m == fieldportal.ModuleReports:
			cur = strings.HasPrefix(r.URL.Path, "/reports/")
		default:
			cur = r.URL.Path == p || strings.HasPrefix(r.URL.Path, p+"/")
		}
		out = append(out, NavLink{Label: m.Label(), URL: u, Current: cur})
	}
	return out
}

// orgLogoURL returns the organisation's logo address; a failure to read
// the settings only costs the logo, never the page.
func (s *Server) orgLogoURL(r *http.Request) string {
	st, err := s.settings(r)
	if err != nil {
		s.logger.WarnContext(r.Context(), "read settings for the logo", "err", err)
		return ""
	}
	return logoURL(st.Branding)
}

// orgLocation is the organisation's time zone: every time a person reads
// is shown in it (the database keeps UTC).
func orgLocation(r *http.Request) *time.Location {
	if o := OrganisationFromContext(r.Context()); o != nil {
		if loc, err := time.LoadLocation(o.TimeZone); err == nil {
			return loc
		}
	}
	return time.UTC
}
