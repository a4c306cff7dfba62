package server

import (
	"bytes"
	"context"
	"fmt"
	"html"
	"mime/multipart"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// postConsoleUpload posts the console's upload form.
func (b *browser) postConsoleUpload(kind, record string, visible bool, name string, data []byte) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("attached", kind)
	mw.WriteField("record", record)
	if visible {
		mw.WriteField("visible", "on")
	}
	fw, _ := mw.CreateFormFile("files", name)
	fw.Write(data)
	mw.Close()
	req, _ := http.NewRequest("POST", b.f.srv.URL+"/console/documents", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// TestConsoleDocuments: staff upload files to a site with the
// visible-to-customer flag, customers see only the visible ones, a toggle
// hides one again; a bad file is refused with a message; staff downloads
// are always saved; and the upload limit is a setting admins change.
func TestConsoleDocuments(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		admin := f.browser()
		admin.consoleLogin("admin@example.test")
		child := f.browser()
		child.login("child@example.test", testPassword)
		dock := f.site["dock"].ID
		pdf := []byte("%PDF-1.7\n%%EOF\n")

		t.Run("visible and hidden uploads", func(t *testing.T) {
			res, body := admin.postConsoleUpload("site", dock, true, "shown.pdf", pdf)
			wantRedirect(t, "visible upload", res, "/console/documents?attached=site&record="+url.QueryEscape(dock)+"&done=uploaded")
			res, body = admin.postConsoleUpload("site", dock, false, "office-only.pdf", pdf)
			wantStatus(t, "hidden upload", res, body, http.StatusSeeOther)
			_, body = child.get("/documents")
			if !strings.Contains(body, "shown.pdf") || strings.Contains(body, "office-only.pdf") {
				t.Errorf("the contact's list:\n%s", body)
			}
			_, body = admin.get("/console/documents?attached=site&record=" + url.QueryEscape(dock))
			if !strings.Contains(body, "shown.pdf") || !strings.Contains(body, "office-only.pdf") {
				t.Errorf("the console's list:\n%s", body)
			}
		})
		t.Run("a toggle hides a file from customers", func(t *testing.T) {
			docs, _, err := db.FindDocuments(ctx, f.sys, fieldportal.DocumentFilter{SiteID: dock, Search: "shown"})
			if err != nil || len(docs) != 1 {
				t.Fatalf("find: %v %v", docs, err)
			}
			res, _ := admin.post("/console/documents/"+docs[0].ID+"/visibility", url.Values{"visible": {"false"}, "attached": {"site"}, "record": {dock}})
			wantRedirect(t, "hide", res, "/console/documents?attached=site&record="+url.QueryEscape(dock)+"&done=visibility")
			if _, body := child.get("/documents"); strings.Contains(body, "shown.pdf") {
				t.Error("a hidden file is still listed to the contact")
			}
			res, body := child.get("/documents/" + docs[0].ID + "/download")
			wantStatus(t, "download of a hidden file", res, body, http.StatusNotFound)
			res, body = admin.get("/console/documents/" + docs[0].ID + "/download")
			wantStatus(t, "staff download", res, body, http.StatusOK)
			if cd := res.Header.Get("Content-Disposition"); !strings.HasPrefix(cd, "attachment;") || body != string(pdf) {
				t.Errorf("staff download: %q, %q", cd, body)
			}
		})
		t.Run("the search finds files by name and sites, a page at a time", func(t *testing.T) {
			for i := range 3 {
				res, body := admin.postConsoleUpload("site", dock, false, fmt.Sprintf("boiler-report-%d.pdf", i), pdf)
				wantStatus(t, "upload", res, body, http.StatusSeeOther)
			}
			_, body := admin.get("/console/documents?q=boiler")
			for i := range 3 {
				if !strings.Contains(body, fmt.Sprintf("boiler-report-%d.pdf", i)) {
					t.Errorf("the search does not list boiler-report-%d.pdf", i)
				}
			}
			if strings.Contains(body, "shown.pdf") {
				t.Error("the search lists a file of another name")
			}
			_, body = admin.get("/console/documents?q=Dock")
			if !strings.Contains(body, "/console/documents?attached=site&amp;record="+url.QueryEscape(dock)) {
				t.Errorf("the search does not offer the site:\n%s", body)
			}
			if !strings.Contains(body, "No file is named") {
				t.Error("no word that no file matches")
			}
		})
		t.Run("HTML named .pdf is refused with a message", func(t *testing.T) {
			before := f.count("documents")
			res, body := admin.postConsoleUpload("site", dock, true, "invoice.pdf", []byte("<!doctype html><script>alert(1)</script>"))
			wantStatus(t, "html upload", res, body, http.StatusBadRequest)
			if !strings.Contains(html.UnescapeString(body), "“invoice.pdf” is not a file type that can be attached (text/html).") {
				t.Errorf("no message:\n%s", body)
			}
			if f.count("documents") != before {
				t.Error("saved")
			}
		})
		t.Run("another organisation's record is not found", func(t *testing.T) {
			_, otherSys, other := f.mustOtherOrg()
			site := &fieldportal.Site{Name: "Theirs", CustomerID: other.ID, Address: fieldportal.Address{Line1: "1 Road"}}
			if err := db.CreateSite(ctx, otherSys, site); err != nil {
				t.Fatal(err)
			}
			res, body := admin.postConsoleUpload("site", site.ID, true, "x.pdf", pdf)
			wantStatus(t, "upload to another organisation", res, body, http.StatusNotFound)
			res, body = admin.get("/console/documents?attached=site&record=" + url.QueryEscape(site.ID))
			wantStatus(t, "page of another organisation's site", res, body, http.StatusNotFound)
		})
		t.Run("the upload limit is a setting", func(t *testing.T) {
			st, err := db.FindSettings(ctx, f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			form := func(limit string) url.Values {
				return url.Values{"modules": {"dashboard", "sites", "documents"}, "password_policy.min_length": {"10"}, "diary_form": {"1"},
					"booking_window_days": {strconv.Itoa(st.BookingWindowDays)}, "diary.slot_minutes": {strconv.Itoa(st.Diary.SlotMinutes)},
					"diary.day_start": {st.Diary.DayStart}, "diary.day_end": {st.Diary.DayEnd}, "max_upload_mb": {limit}}
			}
			if _, body := admin.get("/console/settings"); !strings.Contains(body, `id="max_upload_mb"`) || !strings.Contains(body, `value="25"`) {
				t.Errorf("the settings page lacks the limit at its default:\n%s", body)
			}
			res, body := admin.post("/console/settings", form("0"))
			wantStatus(t, "a zero limit", res, body, http.StatusBadRequest)
			if !strings.Contains(body, "Largest upload must be a whole number from 1 to 1024 MB.") || !strings.Contains(body, `value="0"`) {
				t.Errorf("no message, or the typed value lost:\n%s", body)
			}
			res, _ = admin.post("/console/settings", form("5"))
			wantRedirect(t, "save", res, "/console/settings?done=saved")
			if st, _ := db.FindSettings(ctx, f.org.ID); st.MaxUploadMB != 5 {
				t.Errorf("saved limit %d, want 5", st.MaxUploadMB)
			}
			if _, body := child.get("/documents?site=" + url.QueryEscape(dock)); !strings.Contains(body, "up to 5 MB each") {
				t.Errorf("the upload hint does not follow the setting:\n%s", body)
			}
		})
	})
}
