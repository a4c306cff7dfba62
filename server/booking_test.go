package server

import (
	"bytes"
	"context"
	"html"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// bookingFile is a file a test posts with the booking form.
type bookingFile struct {
	name string
	data []byte
}

// postMultipart posts a form as multipart/form-data with files under
// "attachments", as the booking form's browser does.
func (b *browser) postMultipart(path string, form url.Values, files ...bookingFile) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile("attachments", f.name)
		fw.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.f.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// nextBookingDay is a weekday from two days ahead, in London, as a form
// types it.
func nextBookingDay() string {
	loc, _ := time.LoadLocation("Europe/London")
	d := time.Now().In(loc).AddDate(0, 0, 2)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format("2006-01-02")
}

// mustCountRows counts a table's rows.
func (f *fixture) mustCountRows(table string) int {
	f.t.Helper()
	var n int
	if err := f.db.SQL().QueryRowContext(context.Background(), `SELECT count(*) FROM `+table).Scan(&n); err != nil {
		f.t.Fatal(err)
	}
	return n
}

// bookingFixture adds a script, an item and an asset at the dock to the
// fixture, and signs the child contact in.
func bookingFixture(t *testing.T, db *sqlstore.DB) (*fixture, *browser, *fieldportal.Asset, *fieldportal.Item, *fieldportal.Script) {
	t.Helper()
	ctx := context.Background()
	f := newFixture(t, db)
	s := &fieldportal.Script{Title: "Annual service", Body: "Please carry out the annual service of the fire alarm."}
	it := &fieldportal.Item{Code: "EXT-6", Name: "6kg extinguisher", UnitPrice: 4500, Active: true}
	a := &fieldportal.Asset{Number: "FA-001", SiteID: f.site["dock"].ID, Type: "Fire alarm", Name: "Alarm panel", Location: "Plant room", Status: "active"}
	if err := db.CreateScript(ctx, f.sys, s); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateItem(ctx, f.sys, it); err != nil {
		t.Fatal(err)
	}
	if err := db.CreateAsset(ctx, f.sys, a); err != nil {
		t.Fatal(err)
	}
	b := f.browser()
	b.login("child@example.test", testPassword)
	return f, b, a, it, s
}

func TestBookingForm(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f, b, asset, item, script := bookingFixture(t, db)
		dock := f.site["dock"]
		day := nextBookingDay()
		good := func() url.Values {
			return url.Values{"kind": {"service"}, "site_id": {dock.ID}, "order_no": {"PO-123"}, "preferred_date": {day},
				"window": {"10:00"}, "description": {"Alarm beeps at night"}, "asset_ids": {asset.ID},
				"item_id": {item.ID}, "item_qty": {"2"}, "action": {"submit"}}
		}

		t.Run("the header offers the forms", func(t *testing.T) {
			res, body := b.get("/")
			wantStatus(t, "dashboard", res, body, http.StatusOK)
			if !strings.Contains(body, `href="/jobs/new"`) || !strings.Contains(body, `href="/quotes/new"`) {
				t.Error("the header lacks Book a job or Request a quote")
			}
		})
		t.Run("a site's page offers the forms for the site", func(t *testing.T) {
			res, body := b.get("/sites/" + dock.ID)
			wantStatus(t, "site", res, body, http.StatusOK)
			if !strings.Contains(body, `href="/jobs/new?site=`+url.QueryEscape(dock.ID)+`"`) || !strings.Contains(body, `href="/quotes/new?site=`+url.QueryEscape(dock.ID)+`"`) {
				t.Errorf("the site page lacks its Book a job or Request a quote:\n%s", body)
			}
		})
		t.Run("opened from an asset, the asset and its site are picked", func(t *testing.T) {
			res, body := b.get("/jobs/new?asset=" + url.QueryEscape(asset.ID))
			wantStatus(t, "form", res, body, http.StatusOK)
			for _, want := range []string{`<option value="` + dock.ID + `" selected>`, `value="` + asset.ID + `" checked`, "Annual service", "EXT-6"} {
				if !strings.Contains(body, want) {
					t.Errorf("form lacks %q", want)
				}
			}
		})
		t.Run("opened from a site out of reach, no site is picked and nothing of it shows", func(t *testing.T) {
			res, body := b.get("/jobs/new?site=" + url.QueryEscape(f.site["hq"].ID))
			wantStatus(t, "form", res, body, http.StatusOK)
			if strings.Contains(body, f.site["hq"].ID) || strings.Contains(body, "Harbour HQ") {
				t.Error("the form shows a site out of reach")
			}
		})
		t.Run("insert script appends the script's text without JavaScript", func(t *testing.T) {
			form := good()
			form.Set("action", "insert_script")
			form.Set("script_id", script.ID)
			res, body := b.postMultipart("/jobs/new", form)
			wantStatus(t, "insert", res, body, http.StatusOK)
			if !strings.Contains(html.UnescapeString(body), "Alarm beeps at night\n\nPlease carry out the annual service") {
				t.Errorf("description lacks the script:\n%s", body)
			}
		})
		t.Run("insert without a script chosen says so on the script field", func(t *testing.T) {
			form := good()
			form.Set("action", "insert_script")
			form.Set("script_id", "")
			res, body := b.postMultipart("/jobs/new", form)
			wantStatus(t, "insert", res, body, http.StatusOK)
			if !strings.Contains(body, "Choose a script to insert.") || !strings.Contains(body, `href="#script_id"`) || !strings.Contains(body, "Alarm beeps at night") {
				t.Errorf("no script error, or the description was lost:\n%s", body)
			}
		})
		t.Run("find site and find equipment search without JavaScript", func(t *testing.T) {
			parent := f.browser()
			parent.login("parent@example.test", testPassword)
			res, body := parent.postMultipart("/jobs/new", url.Values{"action": {"find_site"}, "site_q": {"BS1 5BB"}, "description": {"kept"}})
			wantStatus(t, "find site", res, body, http.StatusOK)
			if !strings.Contains(body, "Dock Warehouse (BS1 5BB)") || strings.Contains(body, "Harbour HQ") || !strings.Contains(body, `id="site_q"`) {
				t.Errorf("the site search did not narrow the list:\n%s", body)
			}
			res, body = parent.postMultipart("/jobs/new", url.Values{"action": {"find_assets"}, "site_id": {dock.ID}, "asset_q": {"no-such-kit"}})
			wantStatus(t, "find equipment", res, body, http.StatusOK)
			if !strings.Contains(html.UnescapeString(body), "No equipment at this site matches “no-such-kit”.") {
				t.Errorf("no message for an equipment search that finds nothing:\n%s", body)
			}
			res, body = parent.postMultipart("/jobs/new", url.Values{"action": {"find_assets"}, "site_id": {dock.ID}, "asset_q": {"Plant room"}})
			wantStatus(t, "find equipment", res, body, http.StatusOK)
			if !strings.Contains(body, `value="`+asset.ID+`"`) {
				t.Errorf("the equipment search by location did not find the panel:\n%s", body)
			}
		})
		t.Run("show free times lists the site's windows", func(t *testing.T) {
			form := good()
			form.Set("action", "show_times")
			res, body := b.postMultipart("/jobs/new", form)
			wantStatus(t, "times", res, body, http.StatusOK)
			if !strings.Contains(body, `<option value="10:00" selected>10:00–12:00</option>`) {
				t.Errorf("windows not offered:\n%s", body)
			}
		})
		t.Run("show free times says at once that a date is outside the booking window", func(t *testing.T) {
			form := good()
			form.Set("action", "show_times")
			form.Set("preferred_date", time.Now().AddDate(0, 0, 200).Format("2006-01-02"))
			res, body := b.postMultipart("/jobs/new", form)
			wantStatus(t, "times", res, body, http.StatusOK)
			if !strings.Contains(body, `id="preferred_date-error"`) || strings.Contains(body, `>10:00–12:00</option>`) {
				t.Errorf("no date error, or windows offered:\n%s", body)
			}
		})
		t.Run("bad input names its field and keeps what was typed", func(t *testing.T) {
			for _, tc := range []struct {
				name, field, value, message string
			}{
				{"no site", "site_id", "", "Site is required."},
				{"a site out of reach", "site_id", f.site["hq"].ID, "Site not found."},
				{"no description", "description", " ", "Description is required"},
				{"a date that is not one", "preferred_date", "31/12/2026", "Preferred date must be a date such as"},
				{"a date outside the booking window", "preferred_date", time.Now().AddDate(1, 0, 0).Format("2006-01-02"), "Preferred date must be between"},
				{"a window that is not offered", "window", "10:30", "Time window must be one of those offered"},
				{"a quantity that is no number", "item_qty", "two", "Item 1: quantity must be a whole number"},
				{"an item not chosen", "item_id", "", "Item 1: choose an item"},
				{"an order number too long", "order_no", strings.Repeat("8", 61), "Order number must be at most 60 characters."},
				{"equipment of another site", "asset_ids", "no-such-asset", "Equipment not found at this site."},
				{"a contact of another customer", "contact_id", "no-such-contact", "Customer contact must be a contact of the site's customer."},
			} {
				t.Run(tc.name, func(t *testing.T) {
					jobs := f.mustCountRows("jobs")
					form := good()
					form.Set(tc.field, tc.value)
					form.Set("order_no", form.Get("order_no")+"-kept")
					if tc.field == "order_no" {
						form.Set("order_no", tc.value)
					}
					res, body := b.postMultipart("/jobs/new", form)
					wantStatus(t, tc.name, res, body, http.StatusUnprocessableEntity)
					text := html.UnescapeString(body)
					if !strings.Contains(text, tc.message) || !strings.Contains(body, `href="#`+tc.field+`"`) {
						t.Errorf("no message %q linked to #%s:\n%s", tc.message, tc.field, body)
					}
					if tc.field != "order_no" && !strings.Contains(body, `value="PO-123-kept"`) {
						t.Error("the order number typed was not kept")
					}
					if f.mustCountRows("jobs") != jobs {
						t.Error("a refused form saved a job")
					}
				})
			}
		})
		t.Run("a file outside the allow-list is refused and nothing is saved", func(t *testing.T) {
			jobs, docs := f.mustCountRows("jobs"), f.mustCountRows("documents")
			res, body := b.postMultipart("/jobs/new", good(), bookingFile{"photo.png", []byte("<html><script>alert(1)</script></html>")})
			wantStatus(t, "bad file", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, `id="attachments-error"`) || !strings.Contains(body, "Alarm beeps at night") {
				t.Errorf("no attachments error, or the form was not kept:\n%s", body)
			}
			if f.mustCountRows("jobs") != jobs || f.mustCountRows("documents") != docs {
				t.Error("a refused upload saved something")
			}
		})
		t.Run("a file over the limit is refused and nothing is saved", func(t *testing.T) {
			jobs := f.mustCountRows("jobs")
			big := append(tinyPNG(1, 1), bytes.Repeat([]byte{0}, 26<<20)...)
			res, body := b.postMultipart("/jobs/new", good(), bookingFile{"big.png", big})
			wantStatus(t, "big file", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, `id="attachments-error"`) {
				t.Errorf("no attachments error:\n%s", body)
			}
			if f.mustCountRows("jobs") != jobs {
				t.Error("a refused upload saved a job")
			}
		})
		var booked string
		t.Run("a booking goes to its job page, pending, with its photo", func(t *testing.T) {
			res, body := b.postMultipart("/jobs/new", good(), bookingFile{"alarm.png", tinyPNG(2, 2)})
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/jobs/") {
				t.Fatalf("booking = %d to %q:\n%s", res.StatusCode, res.Header.Get("Location"), body)
			}
			booked = strings.TrimPrefix(res.Header.Get("Location"), "/jobs/")
			sys := f.sys
			j, err := db.FindJobByID(context.Background(), sys, booked)
			if err != nil {
				t.Fatal(err)
			}
			if j.Stage != fieldportal.StagePending || j.OrderNo != "PO-123" || len(j.AssetIDs) != 1 || len(j.Items) != 1 || j.Items[0].Quantity != 2 {
				t.Errorf("booked job %+v", j)
			}
			docs, _, err := db.FindDocuments(context.Background(), sys, fieldportal.DocumentFilter{JobID: booked})
			if err != nil || len(docs) != 1 {
				t.Errorf("documents %v, %v", docs, err)
			}
			// Staff scheduling it start from the window the customer booked.
			f.addStaff("desk@example.test", fieldportal.RoleStaff)
			staff := f.browser()
			staff.consoleLogin("desk@example.test")
			res, body = staff.get("/console/jobs/" + booked + "/schedule")
			wantStatus(t, "schedule form", res, body, http.StatusOK)
			if !strings.Contains(body, `value="`+day+`T10:00"`) || !strings.Contains(body, `value="`+day+`T12:00"`) {
				t.Errorf("the schedule form does not start from the booked window:\n%s", body)
			}
		})
		t.Run("a contact who may book both kinds chooses install", func(t *testing.T) {
			res, body := b.get("/jobs/new?kind=install")
			wantStatus(t, "form", res, body, http.StatusOK)
			if !strings.Contains(body, `<option value="install" selected>Installation</option>`) {
				t.Fatalf("no kind chosen from the link:\n%s", body)
			}
			form := good()
			form.Set("kind", "install")
			form.Del("window")
			res, body = b.postMultipart("/jobs/new", form)
			if res.StatusCode != http.StatusSeeOther {
				t.Fatalf("install booking = %d:\n%s", res.StatusCode, body)
			}
			j, err := db.FindJobByID(context.Background(), f.sys, strings.TrimPrefix(res.Header.Get("Location"), "/jobs/"))
			if err != nil || j.Kind != fieldportal.JobInstall {
				t.Errorf("job %+v, %v", j, err)
			}
		})
		t.Run("the window booked is refused to the next customer with its message", func(t *testing.T) {
			parent := f.browser()
			parent.login("parent@example.test", testPassword)
			res, body := parent.postMultipart("/jobs/new", good())
			wantStatus(t, "second booking", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, "is already booked; choose another time.") || !strings.Contains(body, `href="#window"`) {
				t.Errorf("no overlap message on the window:\n%s", body)
			}
			form := good()
			form.Set("action", "show_times")
			_, body = parent.postMultipart("/jobs/new", form)
			if strings.Contains(body, `>10:00–12:00</option>`) {
				t.Error("the booked window is still offered")
			}
		})
		t.Run("a quote request goes to its quote page", func(t *testing.T) {
			form := good()
			form.Del("kind")
			form.Set("window", "14:00")
			res, body := b.postMultipart("/quotes/new", form)
			if res.StatusCode != http.StatusSeeOther || !strings.HasPrefix(res.Header.Get("Location"), "/quotes/") {
				t.Fatalf("request = %d to %q:\n%s", res.StatusCode, res.Header.Get("Location"), body)
			}
		})
		t.Run("a contact who may not book finds no form", func(t *testing.T) {
			f.addLogin("child", "Quinn", "Quotes", "quotes@example.test", fieldportal.LoginActive, testPassword, false,
				[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleQuotes})
			q := f.browser()
			q.login("quotes@example.test", testPassword)
			for _, path := range []string{"/jobs/new", "/jobs/new?kind=install"} {
				res, body := q.get(path)
				wantStatus(t, path, res, body, http.StatusNotFound)
			}
			res, body := q.postMultipart("/jobs/new", good())
			wantStatus(t, "post", res, body, http.StatusNotFound)
			res, body = q.get("/quotes/new")
			wantStatus(t, "quotes", res, body, http.StatusOK)
			if strings.Contains(body, `href="/jobs/new"`) || strings.Contains(body, `name="attachments"`) {
				t.Error("a contact without Service or Documents is offered Book a job or attachments")
			}
		})
	})
}

// countingBody is a request body that counts what the server read of it.
type countingBody struct {
	r    io.Reader
	read int
}

func (c *countingBody) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.read += n
	return n, err
}

func (c *countingBody) Close() error { return nil }

// A contact who may not book is refused before the files it sends are
// read: 404, with the body left unread.
func TestBookingRefusedBeforeTheBody(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addLogin("parent", "Ida", "Issues", "issues-only@example.test", fieldportal.LoginActive, testPassword, false,
			[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleIssues})
		b := f.browser()
		b.login("issues-only@example.test", testPassword)
		u, _ := url.Parse(f.srv.URL)
		var cookies []string
		for _, c := range b.jar.Cookies(u) {
			cookies = append(cookies, c.Name+"="+c.Value)
		}
		var form bytes.Buffer
		mw := multipart.NewWriter(&form)
		fw, err := mw.CreateFormFile("attachments", "scan.pdf")
		if err != nil {
			t.Fatal(err)
		}
		fw.Write(append([]byte("%PDF-1.7\n"), make([]byte, 4<<20)...))
		mw.Close()
		body := &countingBody{r: &form}
		req := httptest.NewRequest("POST", f.srv.URL+"/jobs/new", body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Cookie", strings.Join(cookies, "; "))
		req.Header.Set("Origin", f.srv.URL)
		rec := httptest.NewRecorder()
		f.s.Handler().ServeHTTP(rec, req)
		if rec.Code != http.StatusNotFound {
			t.Errorf("booking without the Book a job action: %d", rec.Code)
		}
		if body.read > 64<<10 {
			t.Errorf("the server read %d bytes of a refused booking", body.read)
		}
	})
}

// A contact of the Install page alone gets the form for an install.
func TestBookingFormForInstallsAlone(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addLogin("parent", "Ian", "Installs", "installs@example.test", fieldportal.LoginActive, testPassword, false,
			[]fieldportal.Module{fieldportal.ModuleDashboard, fieldportal.ModuleSites, fieldportal.ModuleInstall})
		b := f.browser()
		b.login("installs@example.test", testPassword)
		res, body := b.get("/jobs/new")
		wantStatus(t, "booking form", res, body, http.StatusOK)
		if !strings.Contains(body, `<input type="hidden" name="kind" value="install">`) || !strings.Contains(body, "<h1>Book an installation</h1>") {
			t.Errorf("the form is not for an install:\n%s", body)
		}
		if _, body := b.get("/"); !strings.Contains(body, `href="/jobs/new"`) {
			t.Error("the header does not offer Book a job")
		}
	})
}
