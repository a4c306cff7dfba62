package server

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// plainKeyIn finds the plain key on the page that shows it once.
var plainKeyIn = regexp.MustCompile(`value="(fpk_[^"]+)"`)

// apiGet calls the API with a bearer key and returns the status.
func (b *browser) apiGet(path, key string) int {
	b.t.Helper()
	req, _ := http.NewRequest("GET", b.f.srv.URL+path, nil)
	req.Header.Set("Authorization", "Bearer "+key)
	res, _ := b.do(req)
	return res.StatusCode
}

// TestConsoleAPIKeys checks the admin's API keys screen: a key is made,
// shown once and works; revoking it stops it; only admins get in; bad
// input keeps what was typed; a cross-site form does nothing.
func TestConsoleAPIKeys(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		f.addStaff("staff@example.test", fieldportal.RoleStaff)
		admin := f.browser()
		admin.consoleLogin("admin@example.test")
		keys := func(t *testing.T) []*fieldportal.APIKey {
			t.Helper()
			l, err := db.FindAPIKeys(t.Context(), f.sys)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}

		var plain string
		t.Run("an admin makes a key and sees it once", func(t *testing.T) {
			res, body := admin.get("/console/api-keys")
			wantStatus(t, "the screen", res, body, http.StatusOK)
			if !strings.Contains(body, `href="/console/api-keys"`) || !strings.Contains(body, "No API keys yet") {
				t.Errorf("no menu link or empty state:\n%s", body)
			}
			res, body = admin.post("/console/api-keys", url.Values{"name": {"Job <system>"}, "scope": {"write"}})
			wantStatus(t, "make", res, body, http.StatusOK)
			m := plainKeyIn.FindStringSubmatch(body)
			if m == nil || !strings.Contains(body, "it will not be shown again") {
				t.Fatalf("the key is not shown with its warning:\n%s", body)
			}
			plain = html.UnescapeString(m[1])
			if cc := res.Header.Get("Cache-Control"); !strings.Contains(cc, "no-store") {
				t.Errorf("Cache-Control = %q", cc)
			}
			if l := keys(t); len(l) != 1 || l[0].Name != "Job <system>" || l[0].Scope != fieldportal.APIKeyWrite || !strings.HasPrefix(plain, l[0].Prefix) {
				t.Errorf("kept %+v", l)
			}
			res, body = admin.get("/console/api-keys")
			wantStatus(t, "the list", res, body, http.StatusOK)
			if strings.Contains(body, plain) || !strings.Contains(body, "Job &lt;system&gt;") || !strings.Contains(body, html.EscapeString(plain[:12])) {
				t.Errorf("the list shows the whole key, or not the row:\n%s", body)
			}
		})
		t.Run("the key works against the API", func(t *testing.T) {
			if got := admin.apiGet("/api/v1/", plain); got != http.StatusOK {
				t.Errorf("GET /api/v1/ = %d", got)
			}
		})
		t.Run("revoking asks first, then stops the key", func(t *testing.T) {
			id := keys(t)[0].ID
			res, body := admin.get("/console/api-keys/" + id + "/revoke")
			wantStatus(t, "confirm", res, body, http.StatusOK)
			if !strings.Contains(body, `action="/console/api-keys/`+id+`/revoke"`) {
				t.Errorf("no confirm form:\n%s", body)
			}
			if got := admin.apiGet("/api/v1/", plain); got != http.StatusOK {
				t.Fatalf("asking revoked the key: %d", got)
			}
			res, _ = admin.post("/console/api-keys/"+id+"/revoke", url.Values{"action": {"revoke"}})
			wantRedirect(t, "revoke", res, "/console/api-keys?done=revoked")
			if got := admin.apiGet("/api/v1/", plain); got != http.StatusUnauthorized {
				t.Errorf("a revoked key = %d", got)
			}
			_, body = admin.get("/console/api-keys?done=revoked")
			if !strings.Contains(body, "API key revoked") || !strings.Contains(body, "Revoked ") {
				t.Errorf("the list does not show the revocation:\n%s", body)
			}
		})
		t.Run("bad input keeps what was typed and names the field", func(t *testing.T) {
			before := len(keys(t))
			for name, tc := range map[string]struct {
				form  url.Values
				field string
				kept  string
			}{
				"an empty name":       {url.Values{"name": {"  "}, "scope": {"read"}}, "name", `value="read" checked`},
				"a name of 101 chars": {url.Values{"name": {strings.Repeat("x", 101)}, "scope": {"write"}}, "name", `value="write" checked`},
				"an unknown scope":    {url.Values{"name": {"Reports & more"}, "scope": {"admin"}}, "scope", `value="Reports &amp; more"`},
			} {
				t.Run(name, func(t *testing.T) {
					res, body := admin.post("/console/api-keys", tc.form)
					wantStatus(t, "make", res, body, http.StatusBadRequest)
					if !strings.Contains(body, `href="#`+tc.field+`"`) || !strings.Contains(body, `id="`+tc.field+`-error"`) {
						t.Errorf("no message on %s:\n%s", tc.field, body)
					}
					if !strings.Contains(body, tc.kept) {
						t.Errorf("lost what was typed (%s):\n%s", tc.kept, body)
					}
					if name := tc.form.Get("name"); len(name) > 100 && !strings.Contains(body, `value="`+name+`"`) {
						t.Errorf("lost the long name")
					}
				})
			}
			if n := len(keys(t)); n != before {
				t.Errorf("bad input made %d keys", n-before)
			}
		})
		t.Run("staff who are not admins are refused", func(t *testing.T) {
			staff := f.browser()
			staff.consoleLogin("staff@example.test")
			if res, body := staff.get("/console"); strings.Contains(body, "/console/api-keys") {
				t.Errorf("a staff user's menu links to API keys (%d)", res.StatusCode)
			}
			id := keys(t)[0].ID
			for _, c := range []struct {
				method, path string
				form         url.Values
			}{
				{"GET", "/console/api-keys", nil},
				{"POST", "/console/api-keys", url.Values{"name": {"Mine"}, "scope": {"write"}}},
				{"GET", "/console/api-keys/" + id + "/revoke", nil},
				{"POST", "/console/api-keys/" + id + "/revoke", url.Values{"action": {"revoke"}}},
			} {
				var res *http.Response
				if c.method == "GET" {
					res, _ = staff.get(c.path)
				} else {
					res, _ = staff.post(c.path, c.form)
				}
				if res.StatusCode != http.StatusForbidden {
					t.Errorf("%s %s = %d, want 403", c.method, c.path, res.StatusCode)
				}
			}
			if n := len(keys(t)); n != 1 {
				t.Errorf("a staff user made a key: %d keys", n)
			}
		})
		t.Run("a cross-site form is refused", func(t *testing.T) {
			before := len(keys(t))
			req, _ := http.NewRequest("POST", f.srv.URL+"/console/api-keys", strings.NewReader(url.Values{"name": {"Evil"}, "scope": {"write"}}.Encode()))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			res, body := admin.do(req)
			if res.StatusCode != http.StatusForbidden || strings.Contains(body, "fpk_") {
				t.Errorf("cross-site make = %d:\n%s", res.StatusCode, body)
			}
			if n := len(keys(t)); n != before {
				t.Error("a cross-site form made a key")
			}
		})
		t.Run("an unknown key is not found", func(t *testing.T) {
			if res, _ := admin.get("/console/api-keys/nope/revoke"); res.StatusCode != http.StatusNotFound {
				t.Errorf("confirm = %d", res.StatusCode)
			}
			if res, _ := admin.post("/console/api-keys/nope/revoke", url.Values{"action": {"revoke"}}); res.StatusCode != http.StatusNotFound {
				t.Errorf("revoke = %d", res.StatusCode)
			}
		})
	})
}
