package server

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/sqlstore"
)

// The cookies of a portal and a console session.
const (
	sessionCookie = "fp_session"
	consoleCookie = "fp_console"
)

// wrongCredentials is the one answer to a failed sign-in.
const wrongCredentials = "Wrong username or password."

// testPassword satisfies the default policy.
const testPassword = "Plumbing-Van-42"

// fixture is an organisation with a customer tree, built with the store:
//
//	Harbour Properties (site "Harbour HQ"), contact parent@example.test
//	└── Harbour Dock (site "Dock Warehouse"), contact child@example.test
//	Solo Ltd (site "Solo Office"), no login
//
// and a portal served over HTTP with the fast test hasher.
type fixture struct {
	t      testing.TB
	db     *sqlstore.DB
	s      *Server
	acc    *sqlstore.Accounts
	srv    *httptest.Server
	org    *fieldportal.Organisation
	sys    fieldportal.Viewer
	cust   map[string]*fieldportal.Customer
	site   map[string]*fieldportal.Site
	logins map[string]*fieldportal.PortalLogin
}

func newFixture(t testing.TB, db *sqlstore.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, db: db, cust: map[string]*fieldportal.Customer{}, site: map[string]*fieldportal.Site{},
		logins: map[string]*fieldportal.PortalLogin{}}
	db.EventData = api.EventData // as the program wires it (cmd/fieldportal)
	f.org = mustOrg(t, db, "Acme Fire & Security", "")
	f.sys = fieldportal.SystemViewer(f.org.ID, "test")
	for _, c := range []struct{ key, name, parent string }{
		{"parent", "Harbour Properties", ""}, {"child", "Harbour Dock", "parent"}, {"solo", "Solo Ltd", ""},
	} {
		cu := &fieldportal.Customer{Name: c.name}
		if c.parent != "" {
			cu.ParentID = f.cust[c.parent].ID
		}
		if err := db.CreateCustomer(ctx, f.sys, cu); err != nil {
			t.Fatalf("create customer: %v", err)
		}
		f.cust[c.key] = cu
	}
	f.addSite("hq", "Harbour HQ", "parent", "BS1 4AA")
	f.addSite("dock", "Dock Warehouse", "child", "BS1 5BB")
	f.addSite("solo", "Solo Office", "solo", "M1 1AA")
	f.addLogin("parent", "Pat", "Parent", "parent@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
	f.addLogin("child", "Chris", "Child", "child@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)

	s, _ := newTestServer(t, db, testConfig{BaseURL: "http://portal.test", Hasher: auth.TestHasher()})
	f.s = s
	f.acc = sqlstore.NewAccounts(db, sqlstore.AccountsConfig{BaseURL: "http://portal.test", Passwords: auth.NewPasswords(auth.TestHasher(), 4)})
	f.srv = httptest.NewServer(s.Handler())
	t.Cleanup(f.srv.Close)
	return f
}

// addSite creates a site of a customer of the fixture.
func (f *fixture) addSite(key, name, customer, postcode string) *fieldportal.Site {
	f.t.Helper()
	site := &fieldportal.Site{Name: name, CustomerID: f.cust[customer].ID,
		Address: fieldportal.Address{Line1: "1 " + name + " Road", City: "Bristol", Postcode: postcode}}
	if err := f.db.CreateSite(context.Background(), f.sys, site); err != nil {
		f.t.Fatalf("create site %q: %v", name, err)
	}
	if key != "" {
		f.site[key] = site
	}
	return site
}

// addLogin creates a contact of a customer and its portal login; an empty
// password leaves the login without one (an invitation).
func (f *fixture) addLogin(customer, first, last, email string, status fieldportal.LoginStatus, password string, mustChange bool, pages []fieldportal.Module) (*fieldportal.Contact, *fieldportal.PortalLogin) {
	f.t.Helper()
	ctx := context.Background()
	c := &fieldportal.Contact{FirstName: first, LastName: last, Email: email, CustomerID: f.cust[customer].ID}
	if err := f.db.CreateContact(ctx, f.sys, c); err != nil {
		f.t.Fatalf("create contact: %v", err)
	}
	l := &fieldportal.PortalLogin{ContactID: c.ID, Username: email, Status: status, MustChangePassword: mustChange,
		Pages: fieldportal.Modules(pages), SiteAccess: fieldportal.SiteAccessAll}
	if password != "" {
		h, err := auth.TestHasher().Hash(password)
		if err != nil {
			f.t.Fatal(err)
		}
		l.PasswordHash = h
	}
	if err := f.db.CreatePortalLogin(ctx, f.sys, l); err != nil {
		f.t.Fatalf("create login: %v", err)
	}
	f.logins[email] = l
	return c, l
}

// browser is a client with its own cookies that does not follow redirects,
// so tests see each 302/303 and its Location.
type browser struct {
	t   testing.TB
	f   *fixture
	jar *cookiejar.Jar
	c   *http.Client
	// host, when set, is sent as the Host header: the organisation the
	// requests are for on an install with several.
	host string
}

func (f *fixture) browser() *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: f.t, f: f, jar: jar, c: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

func (b *browser) do(req *http.Request) (*http.Response, string) {
	b.t.Helper()
	if b.host != "" {
		req.Host = b.host
	}
	res, err := b.c.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", req.Method, req.URL, err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res, string(body)
}

func (b *browser) get(path string) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.f.srv.URL+path, nil)
	return b.do(req)
}

func (b *browser) post(path string, form url.Values) (*http.Response, string) {
	b.t.Helper()
	req, _ := http.NewRequest("POST", b.f.srv.URL+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// session returns the browser's session cookie value, or "".
func (b *browser) session() string {
	u, _ := url.Parse(b.f.srv.URL)
	for _, c := range b.jar.Cookies(u) {
		if c.Name == sessionCookie {
			return c.Value
		}
	}
	return ""
}

// setSession replaces the browser's session cookie (to replay an old one).
func (b *browser) setSession(value string) {
	u, _ := url.Parse(b.f.srv.URL)
	b.jar.SetCookies(u, []*http.Cookie{{Name: sessionCookie, Value: value, Path: "/"}})
}

// login signs in and fails the test unless it succeeds.
func (b *browser) login(username, password string) *http.Response {
	b.t.Helper()
	res, body := b.post("/login", url.Values{"username": {username}, "password": {password}})
	if res.StatusCode != http.StatusSeeOther {
		b.t.Fatalf("login as %s = %d, want 303:\n%s", username, res.StatusCode, body)
	}
	return res
}

// wantStatus fails the test unless res has the status.
func wantStatus(t testing.TB, what string, res *http.Response, body string, status int) {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("%s = %d, want %d:\n%s", what, res.StatusCode, status, body)
	}
}

// wantRedirect fails the test unless res redirects to location.
func wantRedirect(t testing.TB, what string, res *http.Response, location string) {
	t.Helper()
	if res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther {
		t.Fatalf("%s = %d, want a redirect to %s", what, res.StatusCode, location)
	}
	if got := res.Header.Get("Location"); got != location {
		t.Fatalf("%s redirects to %q, want %q", what, got, location)
	}
}

// outboxMail returns the recipient and body of the latest mail of a topic.
func (f *fixture) outboxMail(topic string) (recipient, body string, n int) {
	f.t.Helper()
	rows, err := f.db.SQL().QueryContext(context.Background(),
		`SELECT recipient, payload FROM outbox WHERE kind = 'mail' AND topic = $1 ORDER BY created_at, id`, topic)
	if err != nil {
		f.t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		if err := rows.Scan(&recipient, &body); err != nil {
			f.t.Fatal(err)
		}
		n++
	}
	return recipient, body, n
}

// linkIn returns the path of the portal link of a kind (reset, setup) in a mail.
func linkIn(t *testing.T, body, kind string) string {
	t.Helper()
	m := regexp.MustCompile(`http://portal\.test(/` + kind + `/[A-Za-z0-9_-]+)`).FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("mail has no %s link:\n%s", kind, body)
	}
	return m[1]
}

// mustOtherOrg puts the fixture's organisation on 127.0.0.1 and makes a
// second one answering b.portal.test with one customer, for the cases of
// SPEC §2.8 (nobody sees anything of another organisation).
func (f *fixture) mustOtherOrg() (*fieldportal.Organisation, fieldportal.Viewer, *fieldportal.Customer) {
	f.t.Helper()
	ctx := context.Background()
	f.org.Host = "127.0.0.1"
	if err := f.db.UpdateOrganisation(ctx, f.sys, f.org); err != nil {
		f.t.Fatal(err)
	}
	orgB := mustOrg(f.t, f.db, "Other Org", "b.portal.test")
	sysB := fieldportal.SystemViewer(orgB.ID, "test")
	custB := &fieldportal.Customer{Name: "Other Customer"}
	if err := f.db.CreateCustomer(ctx, sysB, custB); err != nil {
		f.t.Fatal(err)
	}
	return orgB, sysB, custB
}
