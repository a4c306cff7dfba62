package server

import (
	"bytes"
	"context"
	"encoding/json"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// siteIDFrom is the site id of a redirect to /sites/{id}?done=...
func siteIDFrom(t *testing.T, res *http.Response) string {
	t.Helper()
	loc := res.Header.Get("Location")
	rest, ok := strings.CutPrefix(loc, "/sites/")
	if res.StatusCode != http.StatusSeeOther || !ok {
		t.Fatalf("= %d to %q, want a redirect to the new site", res.StatusCode, loc)
	}
	id, _, _ := strings.Cut(rest, "?")
	return id
}

// setSiteEditors saves the organisation's choice of who may create and
// edit sites.
func (f *fixture) setSiteEditors(e fieldportal.SiteEditors) {
	f.t.Helper()
	ctx := context.Background()
	st, err := f.db.FindSettings(ctx, f.org.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	st.SiteEditors = e
	if err := f.db.UpdateSettings(ctx, f.sys, st); err != nil {
		f.t.Fatal(err)
	}
}

// Sites made and edited in the portal, through the server (issue 20):
// the forms, what they refuse, the console's queue, the API, the booking
// form's round trip and who may do it.
func TestPortalSitePages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("desk@example.test", fieldportal.RoleStaff)
		parent := f.browser()
		parent.login("parent@example.test", testPassword)
		child := f.browser()
		child.login("child@example.test", testPassword)
		good := url.Values{"name": {"Quay Store"}, "customer_id": {f.cust["child"].ID}, "address.line1": {"3 Quay Lane"},
			"address.city": {"Bristol"}, "address.postcode": {"BS1 6CC"}, "uprn": {"100023336956"}}
		with := func(kv ...string) url.Values {
			v := url.Values{}
			for k, vs := range good {
				v[k] = append([]string(nil), vs...)
			}
			for i := 0; i < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		var made string

		t.Run("the list offers Create a site and the form its customers", func(t *testing.T) {
			_, body := parent.get("/sites")
			if !strings.Contains(body, `href="/sites/new"`) {
				t.Error("no Create a site on /sites")
			}
			res, body := parent.get("/sites/new")
			wantStatus(t, "GET /sites/new", res, body, http.StatusOK)
			for _, s := range []string{"Harbour Properties", "Harbour Dock", `name="uprn"`} {
				if !strings.Contains(body, s) {
					t.Errorf("form lacks %q", s)
				}
			}
			if strings.Contains(body, "Solo Ltd") {
				t.Error("form offers a customer out of reach")
			}
		})
		t.Run("bad input is refused naming the field, keeping what was typed", func(t *testing.T) {
			for _, c := range []struct{ name, field, value, message string }{
				{"UPRN with letters", "uprn", "12AB", "UPRN must be up to 12 digits."},
				{"UPRN of 13 digits", "uprn", "1234567890123", "UPRN must be up to 12 digits."},
				{"no address", "address.line1", "", "Address is required."},
				{"a customer out of reach", "customer_id", f.cust["solo"].ID, "Customer not found."},
			} {
				t.Run(c.name, func(t *testing.T) {
					res, body := parent.post("/sites/new", with(c.field, c.value))
					wantStatus(t, c.name, res, body, http.StatusUnprocessableEntity)
					if !strings.Contains(body, c.message) || !strings.Contains(body, `value="Quay Store"`) {
						t.Errorf("page lacks %q or the typed name:\n%s", c.message, body)
					}
				})
			}
			if n := f.mustCountRows("sites"); n != 3 {
				t.Errorf("%d sites, want the fixture's 3", n)
			}
		})
		t.Run("created, shown, queued and listed by the API", func(t *testing.T) {
			res, _ := parent.post("/sites/new", good)
			made = siteIDFrom(t, res)
			res, body := parent.get("/sites/" + made + "?done=created")
			wantStatus(t, "the new site", res, body, http.StatusOK)
			if !strings.Contains(body, "The site was created.") || !strings.Contains(body, "/sites/"+made+"/edit") {
				t.Errorf("site page lacks the notice or Edit site:\n%s", body)
			}
			staff := f.browser()
			staff.consoleLogin("desk@example.test")
			res, body = staff.get("/console/portal-sites")
			wantStatus(t, "the queue", res, body, http.StatusOK)
			if !strings.Contains(body, "Quay Store") || !strings.Contains(body, "Harbour Dock") {
				t.Errorf("queue lacks the site:\n%s", body)
			}
			key, _, err := db.CreateAPIKey(t.Context(), f.sys, "Back office", fieldportal.APIKeyRead)
			if err != nil {
				t.Fatal(err)
			}
			req, _ := http.NewRequest("GET", f.srv.URL+"/api/v1/sites/"+made, nil)
			req.Header.Set("Authorization", "Bearer "+key)
			res, body = staff.do(req)
			var got struct {
				Name            string `json:"name"`
				UPRN            string `json:"uprn"`
				CreatedInPortal bool   `json:"created_in_portal"`
			}
			if err := json.Unmarshal([]byte(body), &got); err != nil || res.StatusCode != 200 || !got.CreatedInPortal || got.UPRN != "100023336956" {
				t.Errorf("API = %d %s", res.StatusCode, body)
			}
			req, _ = http.NewRequest("GET", f.srv.URL+"/api/v1/sites?limit=100", nil)
			req.Header.Set("Authorization", "Bearer "+key)
			if _, body = staff.do(req); !strings.Contains(body, `"created_in_portal":true`) {
				t.Errorf("API list lacks the site made in the portal:\n%s", body)
			}
			res, _ = staff.post("/console/portal-sites/"+made+"/reviewed", url.Values{})
			wantRedirect(t, "mark reviewed", res, "/console/portal-sites?done=reviewed")
			if _, body = staff.get("/console/portal-sites"); strings.Contains(body, "Quay Store") {
				t.Error("a reviewed site is still queued")
			}
		})
		t.Run("edited; another customer's site is not found", func(t *testing.T) {
			res, body := parent.get("/sites/" + made + "/edit")
			wantStatus(t, "edit form", res, body, http.StatusOK)
			if !strings.Contains(body, `value="Quay Store"`) {
				t.Errorf("form lacks the saved name:\n%s", body)
			}
			res, body = parent.post("/sites/"+made+"/edit", with("name", "Quay Store (east)", "uprn", "x1"))
			wantStatus(t, "bad edit", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, `value="Quay Store (east)"`) || !strings.Contains(body, "UPRN must be up to 12 digits.") {
				t.Errorf("bad edit lacks what was typed or the message:\n%s", body)
			}
			res, _ = parent.post("/sites/"+made+"/edit", with("name", "Quay Store (east)"))
			wantRedirect(t, "edit", res, "/sites/"+made+"?done=saved")
			s, err := db.FindSiteByID(t.Context(), f.sys, made)
			if err != nil || s.Name != "Quay Store (east)" || s.CustomerID != f.cust["child"].ID {
				t.Errorf("saved %+v, %v", s, err)
			}
			for _, path := range []string{"/sites/" + f.site["hq"].ID + "/edit", "/sites/" + f.site["solo"].ID + "/edit", "/sites/nothing/edit"} {
				res, body := child.get(path)
				wantStatus(t, "child GET "+path, res, body, http.StatusNotFound)
				res, body = child.post(path, with("name", "Taken"))
				wantStatus(t, "child POST "+path, res, body, http.StatusNotFound)
			}
		})
		t.Run("the booking form's Create a site comes back with what was typed", func(t *testing.T) {
			res, _ := parent.postMultipart("/jobs/new", url.Values{"kind": {"service"}, "action": {"new_site"},
				"description": {"Leaking tap in the yard"}, "order_no": {"PO-77"}, "site_id": {f.site["hq"].ID}})
			loc := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(loc, "/sites/new?return=") {
				t.Fatalf("= %d to %q", res.StatusCode, loc)
			}
			u, _ := url.Parse(loc)
			back := u.Query().Get("return")
			res, body := parent.get(loc)
			wantStatus(t, "form with return", res, body, http.StatusOK)
			res, _ = parent.post("/sites/new", with("name", "Yard Annexe", "return", back))
			to := res.Header.Get("Location")
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(to, "/jobs/new?") {
				t.Fatalf("= %d to %q", res.StatusCode, to)
			}
			tu, _ := url.Parse(to)
			id := tu.Query().Get("site")
			res, body = parent.get(to)
			wantStatus(t, "booking form back", res, body, http.StatusOK)
			for _, s := range []string{"Leaking tap in the yard", `value="PO-77"`, `<option value="` + id + `" selected>`} {
				if !strings.Contains(body, s) {
					t.Errorf("booking form lacks %q", s)
				}
			}
		})
		t.Run("a return elsewhere is not followed", func(t *testing.T) {
			for _, back := range []string{"//evil.example/x", "https://evil.example/", "/\\evil.example"} {
				res, _ := parent.post("/sites/new", with("name", "Return "+back, "return", back))
				siteIDFrom(t, res)
			}
		})
		t.Run("not allowed: buttons hidden and the server refuses", func(t *testing.T) {
			f.setSiteEditors(fieldportal.SiteEditorsManagers)
			t.Cleanup(func() { f.setSiteEditors(fieldportal.SiteEditorsAll) })
			if _, body := parent.get("/sites"); strings.Contains(body, `href="/sites/new"`) {
				t.Error("Create a site offered")
			}
			if _, body := parent.get("/sites/" + made); strings.Contains(body, "/edit") {
				t.Error("Edit site offered")
			}
			if _, body := parent.get("/jobs/new"); strings.Contains(body, `value="new_site"`) {
				t.Error("the booking form offers Create a new site")
			}
			for _, c := range []struct {
				method, path string
				status       int
			}{
				{"GET", "/sites/new", 403}, {"POST", "/sites/new", 403},
				{"GET", "/sites/" + made + "/edit", 403}, {"POST", "/sites/" + made + "/edit", 403},
				{"GET", "/sites/" + f.site["solo"].ID + "/edit", 404},
			} {
				var res *http.Response
				var body string
				if c.method == "GET" {
					res, body = parent.get(c.path)
				} else {
					res, body = parent.post(c.path, good)
				}
				wantStatus(t, c.method+" "+c.path, res, body, c.status)
			}
			res, body := parent.postMultipart("/jobs/new", url.Values{"kind": {"service"}, "action": {"new_site"}})
			wantStatus(t, "new_site from the booking form", res, body, http.StatusForbidden)
		})
	})
}

// postCustomerFiles posts the customer attachments' upload form.
func (b *browser) postCustomerFiles(customerID, name string, data []byte) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("customer_id", customerID)
	fw, _ := mw.CreateFormFile("files", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", b.f.srv.URL+"/documents/customer", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// Customer attachments (issue 20): listed on Documents, uploaded to a
// customer the contact reaches with site access "all"; a customer out of
// reach is 404, a contact of assigned sites neither sees nor adds them.
func TestCustomerDocuments(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		parent := f.browser()
		parent.login("parent@example.test", testPassword)
		child := f.browser()
		child.login("child@example.test", testPassword)
		pdf := []byte("%PDF-1.7\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n")

		t.Run("the Documents page links to them and offers the upload", func(t *testing.T) {
			if _, body := parent.get("/documents"); !strings.Contains(body, `href="/documents?attached=customer"`) {
				t.Error("no link to customer documents")
			}
			res, body := parent.get("/documents?attached=customer")
			wantStatus(t, "customer documents", res, body, http.StatusOK)
			if !strings.Contains(body, `action="/documents/customer"`) || !strings.Contains(body, "Harbour Dock") {
				t.Errorf("no upload form with the customers:\n%s", body)
			}
		})
		t.Run("uploaded and listed", func(t *testing.T) {
			res, body := parent.postCustomerFiles(f.cust["child"].ID, "contract.pdf", pdf)
			wantRedirect(t, "upload", res, "/documents?attached=customer&done=uploaded")
			_ = body
			_, body = parent.get("/documents?attached=customer")
			if !strings.Contains(body, "contract.pdf") {
				t.Errorf("list lacks the file:\n%s", body)
			}
			if _, body = child.get("/documents?attached=customer"); !strings.Contains(body, "contract.pdf") {
				t.Error("the child customer's contact does not see its customer's file")
			}
		})
		t.Run("a customer out of reach is not found", func(t *testing.T) {
			for _, id := range []string{f.cust["parent"].ID, f.cust["solo"].ID, "nothing"} {
				res, body := child.postCustomerFiles(id, "x.pdf", pdf)
				wantStatus(t, "upload to "+id, res, body, http.StatusNotFound)
			}
		})
		t.Run("a file refused keeps the page with the reason", func(t *testing.T) {
			res, body := parent.postCustomerFiles(f.cust["parent"].ID, "run.exe", []byte("MZ\x90\x00\x03\x00\x00\x00"))
			if res.StatusCode < 400 || res.StatusCode >= 500 || !strings.Contains(body, "Customer documents") {
				t.Errorf("= %d:\n%s", res.StatusCode, body)
			}
		})
		t.Run("a contact of assigned sites neither sees nor adds them", func(t *testing.T) {
			_, l := f.addLogin("parent", "Ash", "Assigned", "assigned@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
			if _, err := db.SQL().Exec(`UPDATE portal_logins SET site_access = 'assigned' WHERE id = $1`, l.ID); err != nil {
				t.Fatal(err)
			}
			if _, err := db.SQL().Exec(`INSERT INTO login_sites (login_id, site_id, org_id) VALUES ($1, $2, $3)`, l.ID, f.site["hq"].ID, f.org.ID); err != nil {
				t.Fatal(err)
			}
			a := f.browser()
			a.login("assigned@example.test", testPassword)
			_, body := a.get("/documents?attached=customer")
			if strings.Contains(body, "contract.pdf") || strings.Contains(body, `action="/documents/customer"`) {
				t.Errorf("assigned contact sees customer documents or the upload:\n%s", body)
			}
			res, body := a.postCustomerFiles(f.cust["parent"].ID, "x.pdf", pdf)
			wantStatus(t, "assigned upload", res, body, http.StatusForbidden)
		})
	})
}

// The console's setting of who may create and edit sites: shown checked
// as saved, saved from the form, a value not offered refused naming it,
// and left as it is by a form without it.
func TestConsoleSiteEditorsSetting(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		admin := f.browser()
		admin.consoleLogin("admin@example.test")
		_, body := admin.get("/console/settings")
		if !strings.Contains(body, `name="site_editors" value="all" checked`) {
			t.Errorf("settings page lacks the choice, all checked:\n%s", body)
		}
		form := url.Values{"modules": {"dashboard", "sites"}, "password_policy.min_length": {"10"}}
		saved := func() fieldportal.SiteEditors {
			st, err := db.FindSettings(context.Background(), f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			return st.SiteEditors
		}
		form.Set("site_editors", "managers")
		res, _ := admin.post("/console/settings", form)
		wantRedirect(t, "save", res, "/console/settings?done=saved")
		if got := saved(); got != fieldportal.SiteEditorsManagers {
			t.Errorf("saved %q", got)
		}
		form.Set("site_editors", "everyone")
		res, body = admin.post("/console/settings", form)
		wantStatus(t, "a value not offered", res, body, http.StatusBadRequest)
		if !strings.Contains(body, "Who may create and edit sites must be") || saved() != fieldportal.SiteEditorsManagers {
			t.Errorf("not refused naming the field:\n%s", body)
		}
		form.Del("site_editors")
		res, _ = admin.post("/console/settings", form)
		wantRedirect(t, "save without it", res, "/console/settings?done=saved")
		if got := saved(); got != fieldportal.SiteEditorsManagers {
			t.Errorf("a form without the choice changed it to %q", got)
		}
	})
}
