package web

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"runtime"
	"slices"
	"strings"
	"sync"
	"text/template/parse"

	"github.com/fieldportal/fieldportal"
)

// kitTemplates holds the layout, the component templates every page may
// use (the sign-in security pages' among them), and the error page.
//
//go:embed templates
var kitTemplates embed.FS

// Layout is the part of every page's view that layout.html reads. Each
// page's view struct embeds it.
type Layout struct {
	// Title is the page's <title> and, usually, its <h1>.
	Title string
	// OrgName is the operator's name in the header.
	OrgName string
	// User is the signed-in person's name; empty on the sign-in pages,
	// which then show neither the account menu nor the navigation.
	User string
	// Nav lists the sections the viewer may use.
	Nav []NavLink
	// LogoURL is the organisation's logo, or "".
	LogoURL string
	// ThemeURL is the style sheet of the organisation's accent colour,
	// or "" for app.css's own colours.
	ThemeURL string
	// SupportPhone and SupportEmail are the organisation's support
	// contact in the footer; SupportTel is the phone as a tel: link.
	SupportPhone, SupportEmail string
	SupportTel                 template.URL
	// Console marks a page of the staff console: its brand links to the
	// console's home, and its account menu signs out of the console.
	Console bool
	// HeaderLinks are the header's buttons beside the account menu (the
	// portal's Book a job and Request a quote), offered only to a viewer
	// who may use them.
	HeaderLinks []NavLink
}

// NavLink is one entry of a navigation or a row of tabs.
type NavLink struct {
	Label   string
	URL     string
	Current bool
	// Badge is a count shown beside the label ("3", "99+"), with
	// BadgeLabel read after it by screen readers ("unread"); "" for none.
	Badge, BadgeLabel string
}

// BaseLayout fills the layout's organisation part for the request: its
// name, logo, accent and support contact. The portal and the console add
// the user and the menu.
func (k *Kit) BaseLayout(r *http.Request, title string) Layout {
	l := Layout{Title: title}
	if o := OrganisationFromContext(r.Context()); o != nil {
		l.OrgName = o.Name
		k.brandLayout(r, &l)
	}
	return l
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

// ErrorsOf turns a service's error into FormErrors: each failed field
// under its name, and any other message under "" (shown only in the
// summary).
func ErrorsOf(err error) FormErrors {
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
	if errors.As(err, &e) && e.Field != "" {
		fe[e.Field] = e.Message
		return fe
	}
	fe[""] = fieldportal.ErrorMessage(err)
	return fe
}

// IsFormError reports whether err is the user's to correct on the form
// (bad input, a clash, a refusal, a throttle) rather than a fault.
func IsFormError(err error) bool {
	switch fieldportal.ErrorCode(err) {
	case fieldportal.EINVALID, fieldportal.ECONFLICT, fieldportal.EFORBIDDEN, fieldportal.ERATELIMIT, fieldportal.EUNAUTHORIZED:
		return true
	}
	return false
}

// FieldView is one labelled input of a form: what the "field" template
// renders. Value is what was typed, so a failed form keeps it; password
// fields are never filled back.
type FieldView struct {
	Name, Label, Type, Value, Hint, Error, Autocomplete string
	Required                                            bool
	// Inputmode hints the phone's keyboard (numeric, tel, email).
	Inputmode string
}

// Field builds a required FieldView with its error from errs.
func Field(name, label, typ, value, autocomplete string, errs FormErrors) FieldView {
	return FieldView{Name: name, Label: label, Type: typ, Value: value, Autocomplete: autocomplete, Error: errs[name], Required: true}
}

// Optional returns fv not required.
func (fv FieldView) Optional() FieldView { fv.Required = false; return fv }

// CheckOption is one checkbox or radio button of a group.
type CheckOption struct {
	Value, Label string
	Checked      bool
}

// Pages is a set of page templates, each parsed with the kit's layout and
// components once at start, so a broken template stops the program
// instead of failing a customer's request.
type Pages struct {
	kit *Kit
	set map[string]*template.Template
}

// kitPageTemplates are the kit's files parsed under every page of both
// doors: the layout, the components, and the sections a page of either
// door may include (one file each, so each area adds a line of its own).
var kitPageTemplates = []string{
	"templates/layout.html",
	"templates/components.html",
	"templates/messages.html",
	"templates/security.html",
	"templates/visit_report.html",
	"templates/visit.html",
}

// ParsePages parses the pages matching pattern in fsys. A page is named
// by its file name without ".html"; it starts with {{template "layout" .}}
// and defines "content".
func (k *Kit) ParsePages(fsys fs.FS, pattern string) (*Pages, error) {
	files, err := fs.Glob(fsys, pattern)
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("no templates match %s", pattern)
	}
	// The kit's files are parsed once, and each page gets a copy of only
	// the kit's templates it can call. Parsing the whole kit again for
	// each of a hundred pages was most of the time from start to ready
	// (about 4 ms a page), and a copy of all of it (43 templates, where a
	// page calls about 9) held some 30 MB of the heap (issue 15). The
	// kit's own set is never executed, so its trees are never changed and
	// the workers share it.
	funcs := k.funcs()
	kitSet, err := template.New("kit").Funcs(funcs).ParseFS(kitTemplates, kitPageTemplates...)
	if err != nil {
		return nil, fmt.Errorf("parse the kit's templates: %w", err)
	}
	sets := make([]*template.Template, len(files))
	errs := make([]error, len(files))
	next := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(files)) {
		wg.Go(func() {
			for i := range next {
				sets[i], errs[i] = pageSet(kitSet, funcs, fsys, files[i])
			}
		})
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	p := &Pages{kit: k, set: map[string]*template.Template{}}
	for i, f := range files {
		if errs[i] != nil {
			return nil, fmt.Errorf("parse template %s: %w", f, errs[i])
		}
		p.set[strings.TrimSuffix(path.Base(f), ".html")] = sets[i]
	}
	return p, nil
}

// pageSet parses the page in file and gives it the templates it can
// call, transitively: its own first (a page may redefine one of the
// kit's), then copies of the kit's. A template called but defined nowhere
// is left out, so executing it fails as it would have before.
func pageSet(kitSet *template.Template, funcs template.FuncMap, fsys fs.FS, file string) (*template.Template, error) {
	root := path.Base(file)
	own, err := template.New(root).Funcs(funcs).ParseFS(fsys, file)
	if err != nil {
		return nil, err
	}
	t := template.New(root).Funcs(funcs)
	seen := map[string]bool{}
	for todo := []string{root}; len(todo) > 0; {
		name := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[name] {
			continue
		}
		seen[name] = true
		var tree *parse.Tree
		if x := own.Lookup(name); x != nil && x.Tree != nil {
			tree = x.Tree
		} else if x := kitSet.Lookup(name); x != nil && x.Tree != nil {
			tree = x.Tree.Copy() // escaping rewrites a set's trees
		} else {
			continue
		}
		if _, err := t.AddParseTree(name, tree); err != nil {
			return nil, err
		}
		todo = templateCalls(todo, tree.Root)
	}
	return t, nil
}

// templateCalls appends the names of the templates node calls. Every
// {{template}} sits in a list, directly or under an if, range or with.
func templateCalls(names []string, node parse.Node) []string {
	switch n := node.(type) {
	case *parse.ListNode:
		if n != nil {
			for _, c := range n.Nodes {
				names = templateCalls(names, c)
			}
		}
	case *parse.TemplateNode:
		names = append(names, n.Name)
	case *parse.IfNode:
		names = templateCalls(templateCalls(names, n.List), n.ElseList)
	case *parse.RangeNode:
		names = templateCalls(templateCalls(names, n.List), n.ElseList)
	case *parse.WithNode:
		names = templateCalls(templateCalls(names, n.List), n.ElseList)
	}
	return names
}

// Render writes a page with status. It renders into a buffer first, so a
// template error becomes a clean 500 page instead of half a page.
func (p *Pages) Render(w http.ResponseWriter, r *http.Request, status int, page string, data any) {
	t, ok := p.set[page]
	if !ok {
		p.kit.Error(w, r, fmt.Errorf("render: no template %q", page))
		return
	}
	buf := renderBuffers.Get().(*bytes.Buffer)
	defer putRenderBuffer(buf)
	if err := t.ExecuteTemplate(buf, page+".html", data); err != nil {
		p.kit.Error(w, r, fmt.Errorf("render %s: %w", page, err))
		return
	}
	// Pages carry personal data and reflect the session: never cached.
	// One array for both values, as in securityHeaders.
	v := [...]string{"text/html; charset=utf-8", "no-store"}
	h := w.Header()
	h["Content-Type"] = v[0:1:1]
	h["Cache-Control"] = v[1:2:2]
	w.WriteHeader(status)
	if r.Method != http.MethodHead {
		w.Write(buf.Bytes())
	}
}

// renderBuffers are the buffers pages render into, kept between requests:
// a new one grew through seven allocations to hold a 3 KB page, a tenth
// of a cheap page's garbage (issue 15).
var renderBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maxPooledRender is the largest buffer kept: one very long page must not
// pin its memory for ever.
const maxPooledRender = 256 << 10

// putRenderBuffer returns a buffer to the pool once the page is written
// (the writers below copy what they are given).
func putRenderBuffer(buf *bytes.Buffer) {
	if buf.Cap() > maxPooledRender {
		return
	}
	buf.Reset()
	renderBuffers.Put(buf)
}

// Has reports whether the set has a page of that name.
func (p *Pages) Has(page string) bool { _, ok := p.set[page]; return ok }
