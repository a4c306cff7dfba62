package web

import (
	"bytes"
	"go/ast"
	"go/parser"
	"go/token"
	"html/template"
	"math/rand/v2"
	"path/filepath"
	"reflect"
	"testing"
	"testing/fstest"
)

// mustLayoutPages parses two pages with the kit's templates and real
// assets: "frame" renders with the layout (layoutHead and layoutFoot),
// "rule" with layoutRule, around the same content.
func mustLayoutPages(tb testing.TB) *Pages {
	tb.Helper()
	assets, err := loadAssets()
	if err != nil {
		tb.Fatal(err)
	}
	k := &Kit{assets: assets}
	const content = `{{define "content"}}<h1>{{.Title}}</h1>{{end}}`
	p, err := k.ParsePages(fstest.MapFS{
		"frame.html": {Data: []byte(`{{template "layout" .}}` + content + "\n")},
		"rule.html":  {Data: []byte(`{{template "layoutRule" .}}` + content + "\n")},
	}, "*.html")
	if err != nil {
		tb.Fatal(err)
	}
	return p
}

// mustRenderBoth renders data with the layout and with its rule.
func mustRenderBoth(tb testing.TB, p *Pages, data any) (frame, rule string) {
	tb.Helper()
	var f, r bytes.Buffer
	if err := p.set["frame"].ExecuteTemplate(&f, "frame.html", data); err != nil {
		tb.Fatalf("frame: %v", err)
	}
	if err := p.set["rule"].ExecuteTemplate(&r, "rule.html", data); err != nil {
		tb.Fatalf("rule: %v", err)
	}
	return f.String(), r.String()
}

// layoutTexts are the strings the layout's fields are drawn from: what
// html/template escapes in text, in attributes and in URLs, schemes it
// refuses, %-escapes valid and not, and malformed UTF-8.
var layoutTexts = []string{
	"", "Dashboard", "Acme & Sons <Fire>", `O'Brien "quoted" +1`, "nul\x00byte", "bad\xffutf8\xc3", "Ünïcödé – ✓",
	"/sites", "/jobs?kind=service", "/a b/c?q=x&y=1+2#frag", "/%41%zz%4", "%", "%4", "%41",
	"javascript:alert(1)", "JavaScript:x", "HTTP://example.com/x", "https://e.test/(a)'b'", "mailto:a@b.test",
	"data:text/html,x", "/path:with/colon", "//host/x", "/x\"onmouseover=y", "a@b.test", "+44 117 496 0000",
	"!#$*,/:;=?@[]-._~", "\t\n\r <>`{}|\\^", "\u2028\u00a0\ufdd0\uffff",
}

// randomLayout draws a layout from layoutTexts, with every field set or
// empty at random, so each branch of the frame meets each escape.
func randomLayout(rng *rand.Rand) Layout {
	s := func() string {
		if rng.IntN(3) == 0 {
			return ""
		}
		return layoutTexts[rng.IntN(len(layoutTexts))]
	}
	links := func() []NavLink {
		var out []NavLink
		for range rng.IntN(4) {
			out = append(out, NavLink{Label: s(), URL: s(), Current: rng.IntN(2) == 0, Badge: s(), BadgeLabel: s()})
		}
		return out
	}
	return Layout{Title: s(), OrgName: s(), User: s(), Nav: links(), LogoURL: s(), ThemeURL: s(),
		SupportPhone: s(), SupportEmail: s(), SupportTel: template.URL(s()), Console: rng.IntN(2) == 0, HeaderLinks: links()}
}

// TestLayoutMatchesRule checks that the frame layoutHead and layoutFoot
// write is byte for byte what layoutRule renders, for the frames the
// portal and the console show and for many layouts drawn at random, in
// a view that embeds the layout as every page's does.
func TestLayoutMatchesRule(t *testing.T) {
	p := mustLayoutPages(t)
	nav := []NavLink{{Label: "Dashboard", URL: "/", Current: true}, {Label: "Service jobs", URL: "/jobs?kind=service"},
		{Label: "Messages", URL: "/messages", Badge: "3", BadgeLabel: "unread"}}
	cases := map[string]Layout{
		"sign-in":   {Title: "Sign in", OrgName: "Acme Fire & Security"},
		"no org":    {Title: "No portal at this address"},
		"portal":    {Title: "Dashboard", OrgName: "Acme", User: "Pat Parent", Nav: nav, LogoURL: "/branding/logo/abc", ThemeURL: "/branding/theme/0a7d5c.css", SupportPhone: "+44 (0)117 496 0000", SupportTel: telURL("+44 (0)117 496 0000"), SupportEmail: "help@acme.test", HeaderLinks: []NavLink{{Label: "Book a job", URL: "/book"}, {Label: "Request a quote", URL: "/quotes/request", Current: true}}},
		"console":   {Title: "Staff console", OrgName: "Acme", User: "Sam Staff", Console: true, Nav: nav, SupportPhone: "0117", SupportTel: "tel:0117"},
		"email":     {Title: "T", OrgName: "O", SupportEmail: "a+b@c.test"},
		"phone":     {Title: "T", SupportPhone: "call <us>", SupportTel: "tel:+1"},
		"no nav":    {Title: "T", User: "U"},
		"hostile":   {Title: "</title><script>", OrgName: `"><img src=x>`, User: "'+&", LogoURL: "javascript:alert(1)", ThemeURL: "vbscript:x", Nav: []NavLink{{Label: "<b>", URL: "data:x", Badge: "<1>", BadgeLabel: "&"}}},
		"empty":     {},
		"tel trust": {SupportPhone: "x", SupportTel: "javascript:trusted"},
	}
	for name, l := range cases {
		t.Run(name, func(t *testing.T) {
			frame, rule := mustRenderBoth(t, p, ErrorView{Layout: l, Message: "m"})
			if frame != rule {
				t.Errorf("layout differs from its rule:\nframe: %q\nrule:  %q", frame, rule)
			}
		})
	}
	t.Run("random", func(t *testing.T) {
		rng := rand.New(rand.NewPCG(15, 27))
		for i := range 3000 {
			l := randomLayout(rng)
			frame, rule := mustRenderBoth(t, p, struct {
				Layout
				N int
			}{l, i})
			if frame != rule {
				t.Fatalf("layout %d %+v differs from its rule:\nframe: %q\nrule:  %q", i, l, frame, rule)
			}
		}
	})
}

// FuzzLayoutMatchesRule looks for a string the frame escapes unlike
// html/template, in each of the frame's contexts (text, title, URL
// attribute, mailto: and trusted tel: URLs).
func FuzzLayoutMatchesRule(f *testing.F) {
	for _, s := range layoutTexts {
		f.Add(s)
	}
	p := mustLayoutPages(f)
	f.Fuzz(func(t *testing.T, s string) {
		l := Layout{Title: s, OrgName: s, User: s, LogoURL: s, ThemeURL: s, SupportPhone: s, SupportEmail: s, SupportTel: template.URL(s),
			Nav: []NavLink{{Label: s, URL: s, Badge: s, BadgeLabel: s}}, HeaderLinks: []NavLink{{Label: s, URL: s}}}
		frame, rule := mustRenderBoth(t, p, ErrorView{Layout: l})
		if frame != rule {
			t.Errorf("%q: layout differs from its rule:\nframe: %q\nrule:  %q", s, frame, rule)
		}
	})
}

// TestViewsKeepLayoutFields pins what the layout relies on in reading
// .Layout's fields where layoutRule reads .Title, .Nav and the rest: no
// view that embeds web.Layout, in the kit, the portal or the console,
// has a field or a method of the same name as one of Layout's, which
// would shadow it in the rule (the page would show the view's own Title)
// but not in .Layout.Title.
func TestViewsKeepLayoutFields(t *testing.T) {
	layoutFields := map[string]bool{}
	for f := range reflect.TypeFor[Layout]().Fields() {
		layoutFields[f.Name] = true
	}
	embedsLayout := func(st *ast.StructType) bool {
		for _, f := range st.Fields.List {
			if len(f.Names) > 0 {
				continue
			}
			switch x := f.Type.(type) {
			case *ast.Ident:
				if x.Name == "Layout" {
					return true
				}
			case *ast.SelectorExpr:
				if id, ok := x.X.(*ast.Ident); ok && id.Name == "web" && x.Sel.Name == "Layout" {
					return true
				}
			}
		}
		return false
	}
	views := 0
	for _, dir := range []string{".", "../portal", "../console"} {
		files, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		fset := token.NewFileSet()
		var parsed []*ast.File
		for _, name := range files {
			f, err := parser.ParseFile(fset, name, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			parsed = append(parsed, f)
		}
		// The named view types, and the fields of every struct that embeds
		// the layout, named or not (a page may pass an anonymous struct).
		named := map[string]bool{}
		for _, f := range parsed {
			ast.Inspect(f, func(n ast.Node) bool {
				st, ok := n.(*ast.StructType)
				if !ok || !embedsLayout(st) {
					return true
				}
				views++
				for _, fl := range st.Fields.List {
					names := fl.Names
					if len(names) == 0 { // another embedded type: its name is the field's
						if id := embeddedName(fl.Type); id != nil {
							names = []*ast.Ident{id}
						}
					}
					for _, id := range names {
						if layoutFields[id.Name] {
							t.Errorf("%s: a view embedding web.Layout has its own %s, which the layout would not show", fset.Position(id.Pos()), id.Name)
						}
					}
				}
				return true
			})
			for _, d := range f.Decls {
				gd, ok := d.(*ast.GenDecl)
				if !ok || gd.Tok != token.TYPE {
					continue
				}
				for _, s := range gd.Specs {
					ts := s.(*ast.TypeSpec)
					if st, ok := ts.Type.(*ast.StructType); ok && embedsLayout(st) {
						named[ts.Name.Name] = true
					}
				}
			}
		}
		for _, f := range parsed {
			for _, d := range f.Decls {
				fd, ok := d.(*ast.FuncDecl)
				if !ok || fd.Recv == nil || !layoutFields[fd.Name.Name] {
					continue
				}
				recv := fd.Recv.List[0].Type
				if s, ok := recv.(*ast.StarExpr); ok {
					recv = s.X
				}
				if id, ok := recv.(*ast.Ident); ok && named[id.Name] {
					t.Errorf("%s: view %s has a method %s, which the layout would not show", fset.Position(fd.Pos()), id.Name, fd.Name.Name)
				}
			}
		}
	}
	if views < 50 {
		t.Errorf("found %d views embedding web.Layout; the scan has lost them", views)
	}
}

// embeddedName is the name an embedded field's type gives the field.
func embeddedName(e ast.Expr) *ast.Ident {
	switch x := e.(type) {
	case *ast.Ident:
		return x
	case *ast.StarExpr:
		return embeddedName(x.X)
	case *ast.SelectorExpr:
		return x.Sel
	case *ast.IndexExpr:
		return embeddedName(x.X)
	}
	return nil
}
