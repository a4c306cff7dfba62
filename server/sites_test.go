package server

import (
	"encoding/csv"
	"fmt"
	"html"
	"net/http"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/portal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestSitesAccess(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		parent, child := f.browser(), f.browser()
		parent.login("parent@example.test", testPassword)
		child.login("child@example.test", testPassword)

		_, body := parent.get("/sites")
		for _, want := range []string{"Harbour HQ", "Dock Warehouse", "BS1 5BB", "Harbour Dock"} {
			if !strings.Contains(body, want) {
				t.Errorf("parent's /sites lacks %q", want)
			}
		}
		if strings.Contains(body, "Solo Office") {
			t.Error("parent's /sites shows another customer's site")
		}
		_, body = child.get("/sites")
		if !strings.Contains(body, "Dock Warehouse") || strings.Contains(body, "Harbour HQ") || strings.Contains(body, "Solo Office") {
			t.Errorf("child's /sites shows the wrong sites:\n%s", body)
		}

		for _, tc := range []struct {
			who    *browser
			name   string
			site   string
			status int
		}{
			{parent, "parent", "hq", http.StatusOK},
			{parent, "parent", "dock", http.StatusOK},
			{parent, "parent", "solo", http.StatusNotFound},
			{child, "child", "dock", http.StatusOK},
			{child, "child", "hq", http.StatusNotFound},
			{child, "child", "solo", http.StatusNotFound},
		} {
			res, body := tc.who.get("/sites/" + f.site[tc.site].ID)
			wantStatus(t, tc.name+" GET site "+tc.site, res, body, tc.status)
			if tc.status == http.StatusNotFound && strings.Contains(body, f.site[tc.site].Name) {
				t.Errorf("404 for %s reveals the site's name", tc.site)
			}
		}
		res, body := parent.get("/sites/no-such-id")
		wantStatus(t, "unknown site id", res, body, http.StatusNotFound)

		// The certificates page exists (issue 18): its tab is there
		// without being marked ready.
		_, body = parent.get("/sites/" + f.site["dock"].ID)
		if !strings.Contains(body, "/certificates?site=") {
			t.Error("the site page lacks its Certificates tab")
		}
		// The site page has a tab per usable module, filtered to the site.
		withPagesReady(t, fieldportal.ModuleIssues, fieldportal.ModuleService, fieldportal.ModuleCertificates)
		_, body = parent.get("/sites/" + f.site["dock"].ID)
		for _, want := range []string{"/issues?site=" + f.site["dock"].ID, "/jobs?kind=service&amp;site=", "/certificates?site="} {
			if !strings.Contains(body, want) {
				t.Errorf("site page lacks tab link %q", want)
			}
		}
	})
}

func TestSitesModuleHidden(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		var pages []fieldportal.Module
		for _, m := range fieldportal.AllModules {
			if m != fieldportal.ModuleSites && m != fieldportal.ModuleIssues {
				pages = append(pages, m)
			}
		}
		f.addLogin("parent", "Nina", "Nosites", "nosites@example.test", fieldportal.LoginActive, testPassword, false, pages)
		b := f.browser()
		b.login("nosites@example.test", testPassword)
		withPagesReady(t, fieldportal.ModuleIssues, fieldportal.ModuleInvoices, fieldportal.ModuleInstall)
		for _, p := range []string{"/sites", "/sites.csv", "/sites/" + f.site["hq"].ID} {
			res, body := b.get(p)
			wantStatus(t, "GET "+p+" without the sites module", res, body, http.StatusNotFound)
		}
		_, body := b.get("/")
		if strings.Contains(body, `href="/sites"`) || strings.Contains(body, `href="/issues"`) {
			t.Error("navigation offers a module the contact may not use")
		}
		if !strings.Contains(body, `href="/invoices"`) || !strings.Contains(body, `href="/jobs?kind=install"`) {
			t.Error("navigation lacks a usable module")
		}
		if !strings.Contains(body, `href="/" aria-current="page"`) {
			t.Error("dashboard is not marked as the current page")
		}
	})
}

func TestSitesSearchPagesAndCSV(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		// More than a page of matching sites, and cells a spreadsheet
		// would run as formulas.
		for i := range fieldportal.DefaultLimit + 5 {
			f.addSite("", fmt.Sprintf("Tower %02d", i), "child", "BS2 0AA")
		}
		f.addSite("f1", "=HYPERLINK(\"http://evil.example\",\"Tower click\")", "child", "+44")
		f.addSite("f2", "@SUM(A1) Tower", "child", "-1")
		b := f.browser()
		b.login("parent@example.test", testPassword)

		res, body := b.get("/sites?q=tower")
		wantStatus(t, "search", res, body, http.StatusOK)
		rows := regexp.MustCompile(`<th scope="row"`).FindAllStringIndex(body, -1)
		if len(rows) != fieldportal.DefaultLimit {
			t.Errorf("first page has %d rows, want %d", len(rows), fieldportal.DefaultLimit)
		}
		if strings.Contains(body, "Harbour HQ") {
			t.Error("search shows a site that does not match")
		}
		if strings.Contains(body, "First page") {
			t.Error("first page offers a link to the first page")
		}
		m := regexp.MustCompile(`href="(/sites\?after=[^"]+)" rel="next"`).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("first page has no next link:\n%s", body)
		}
		next := html.UnescapeString(m[1])
		if !strings.Contains(next, "q=tower") {
			t.Errorf("next link %q drops the search", next)
		}
		res, body = b.get(next)
		wantStatus(t, "second page", res, body, http.StatusOK)
		if n := len(regexp.MustCompile(`<th scope="row"`).FindAllStringIndex(body, -1)); n != 7 {
			t.Errorf("second page has %d rows, want 7", n)
		}
		if !strings.Contains(body, `href="/sites?q=tower">First page`) || strings.Contains(body, `rel="next"`) {
			t.Errorf("last page links wrong:\n%s", body)
		}
		res, body = b.get("/sites?after=garbage")
		wantStatus(t, "bad cursor", res, body, http.StatusBadRequest)

		// The CSV has every matching site across pages, and the same
		// query string (its cursor ignored).
		res, body = b.get("/sites.csv?q=tower&after=" + strings.TrimPrefix(next, "/sites?after="))
		wantStatus(t, "CSV", res, body, http.StatusOK)
		if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
			t.Errorf("CSV Content-Type = %q", ct)
		}
		if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment") {
			t.Errorf("CSV Content-Disposition = %q", cd)
		}
		if !strings.HasPrefix(body, "\uFEFF") {
			t.Error("the CSV has no byte-order mark; Excel would misread its UTF-8")
		}
		records, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\uFEFF"))).ReadAll()
		if err != nil {
			t.Fatalf("CSV does not parse: %v", err)
		}
		if got := strings.Join(records[0], ","); got != "Site,Address,Postcode,Customer,Open activities" {
			t.Errorf("CSV header = %q", got)
		}
		if len(records) != 1+fieldportal.DefaultLimit+5+2 {
			t.Errorf("CSV has %d rows, want %d", len(records)-1, fieldportal.DefaultLimit+5+2)
		}
		byName := map[string][]string{}
		for _, r := range records[1:] {
			byName[r[0]] = r
		}
		for _, want := range [][]string{
			{`'=HYPERLINK("http://evil.example","Tower click")`, "1 =HYPERLINK(\"http://evil.example\",\"Tower click\") Road, Bristol", "'+44", "Harbour Dock", "0"},
			{"'@SUM(A1) Tower", "1 @SUM(A1) Tower Road, Bristol", "'-1", "Harbour Dock", "0"},
			{"Tower 00", "1 Tower 00 Road, Bristol", "BS2 0AA", "Harbour Dock", "0"},
		} {
			if got := byName[want[0]]; strings.Join(got, "|") != strings.Join(want, "|") {
				t.Errorf("CSV row %q = %q, want %q", want[0], got, want)
			}
		}
		// The child contact's CSV has only its own sites.
		c := f.browser()
		c.login("child@example.test", testPassword)
		_, body = c.get("/sites.csv")
		if strings.Contains(body, "Harbour HQ") || strings.Contains(body, "Solo Office") || !strings.Contains(body, "Dock Warehouse") {
			t.Errorf("child's CSV has the wrong sites:\n%s", body)
		}
	})
}

func TestUserTextIsEscaped(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		const evil = `<script>alert("x")</script>`
		site := f.addSite("", "Yard "+evil, "parent", "BS3 1AA")
		b := f.browser()
		// Typed into the sign-in form and echoed back.
		_, body := b.post("/login", map[string][]string{"username": {evil}, "password": {"x"}})
		if strings.Contains(body, "<script>alert") {
			t.Errorf("login form echoes the username unescaped")
		}
		b.login("parent@example.test", testPassword)
		for _, p := range []string{"/sites", "/sites?q=" + strings.ReplaceAll(evil, " ", "+"), "/sites/" + site.ID} {
			res, body := b.get(p)
			if res.StatusCode >= 500 {
				t.Fatalf("GET %s = %d", p, res.StatusCode)
			}
			if strings.Contains(body, "<script>alert") {
				t.Errorf("GET %s renders user text unescaped", p)
			}
		}
		_, body = b.get("/sites")
		if !strings.Contains(body, "Yard &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;") {
			t.Errorf("escaped site name not found")
		}
	})
}

func TestStaticAssets(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	f := newFixture(t, db)
	b := f.browser()
	_, body := b.get("/login")
	hashes := map[string]string{}
	for _, name := range []string{"app.css", "app.js"} {
		m := regexp.MustCompile(`/static/([0-9a-f]{12})/` + regexp.QuoteMeta(name)).FindStringSubmatch(body)
		if m == nil {
			t.Fatalf("page does not link %s by hash:\n%s", name, body)
		}
		res, content := b.get(m[0])
		wantStatus(t, "GET "+m[0], res, "", http.StatusOK)
		if cc := res.Header.Get("Cache-Control"); cc != "public, max-age=31536000, immutable" {
			t.Errorf("%s Cache-Control = %q", name, cc)
		}
		hashes[name] = m[1]
		if want, err := os.ReadFile("../web/static/" + name); err != nil || content != string(want) {
			t.Errorf("%s served wrong content", name)
		}
		res, _ = b.get("/static/000000000000/" + name)
		wantStatus(t, "stale hash", res, "", http.StatusNotFound)
	}
	res, _ := b.get("/static/" + hashes["app.css"] + "/app.css")
	if ct := res.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/css") {
		t.Errorf("app.css Content-Type = %q", ct)
	}
	res, _ = b.get("/static/" + hashes["app.css"] + "/nope.css")
	wantStatus(t, "unknown asset", res, "", http.StatusNotFound)
}

// TestPagesHaveNoInlineCode keeps the templates within the CSP: no inline
// script or style anywhere, and every page has its landmarks.
func TestPagesHaveNoInlineCode(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.SQLite)
	f := newFixture(t, db)
	b := f.browser()
	pages := []string{"/login", "/forgot"}
	var bodies []string
	for _, p := range pages {
		_, body := b.get(p)
		bodies = append(bodies, body)
	}
	b.login("parent@example.test", testPassword)
	for _, p := range []string{"/", "/sites", "/sites/" + f.site["hq"].ID, "/password"} {
		_, body := b.get(p)
		bodies = append(bodies, body)
	}
	inline := regexp.MustCompile(`(?i)<script>|<script [^>]*>[^<]|<style|\sstyle=|\son[a-z]+=`)
	for i, body := range bodies {
		if loc := inline.FindStringIndex(body); loc != nil {
			t.Errorf("page %d has inline code: %q", i, body[loc[0]:min(loc[1]+30, len(body))])
		}
		for _, want := range []string{`<html lang="en">`, `<main id="main"`, `class="skip-link" href="#main"`, "<header", "<footer"} {
			if !strings.Contains(body, want) {
				t.Errorf("page %d lacks %s", i, want)
			}
		}
	}
}

// withPagesReady marks modules as having pages for the rest of the test,
// as they will once their issues land.
func withPagesReady(t *testing.T, modules ...fieldportal.Module) {
	t.Helper()
	t.Cleanup(portal.WithPagesReady(modules...))
}
