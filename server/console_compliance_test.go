package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/blob"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// postWithFile posts fields and one file under field as multipart/form-data.
func (b *browser) postWithFile(path string, fields url.Values, field, name string, data []byte) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range fields {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	if name != "" {
		fw, _ := mw.CreateFormFile(field, name)
		fw.Write(data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.f.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// TestConsoleCertificates issues a certificate with its file in the
// console: a mistake keeps what was typed, a file that is not a document
// is refused, and the customer downloads exactly the bytes uploaded.
func TestConsoleCertificates(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("desk@example.test", fieldportal.RoleStaff)
		staff := f.browser()
		staff.consoleLogin("desk@example.test")
		pdf := []byte("%PDF-1.4\n% Gas safety record for Dock Warehouse\n" + strings.Repeat("0123456789", 300) + "\n%%EOF\n")
		form := url.Values{"site_id": {f.site["dock"].ID}, "type": {"Gas safety"}, "number": {"GS-77"},
			"issued_on": {"2026-01-05"}, "expires_on": {"2027-01-04"}, "visible": {"yes"}}

		t.Run("the form finds sites", func(t *testing.T) {
			res, body := staff.get("/console/certificates/new?site_q=Dock")
			wantStatus(t, "form", res, body, http.StatusOK)
			if !strings.Contains(body, f.site["dock"].ID) || strings.Contains(body, f.site["solo"].ID) {
				t.Error("the site search does not list exactly the matching site")
			}
		})
		t.Run("a mistake keeps what was typed", func(t *testing.T) {
			bad := url.Values{}
			for k, v := range form {
				bad[k] = v
			}
			bad.Set("issued_on", "05/01/2026")
			bad.Set("type", "Gas & electric")
			res, body := staff.postWithFile("/console/certificates/new", bad, "file", "", nil)
			wantStatus(t, "bad date", res, body, http.StatusUnprocessableEntity)
			for _, want := range []string{"Issued on must be a date such as 2026-03-31.", `value="05/01/2026"`, `value="Gas &amp; electric"`, `value="GS-77"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the form does not show %s", want)
				}
			}
			bad.Set("issued_on", "2026-01-05")
			bad.Set("expires_on", "2025-01-01")
			res, body = staff.postWithFile("/console/certificates/new", bad, "file", "", nil)
			wantStatus(t, "expiry before issue", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, "Expiry cannot be before the issue date.") {
				t.Error("no message for the expiry")
			}
		})
		t.Run("a file that is really HTML is refused", func(t *testing.T) {
			res, body := staff.postWithFile("/console/certificates/new", form, "file", "cert.pdf", []byte("<html><script>alert(1)</script></html>"))
			wantStatus(t, "html as pdf", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, `value="GS-77"`) {
				t.Error("the refused form lost what was typed")
			}
		})
		t.Run("issued, downloaded with the same bytes", func(t *testing.T) {
			res, body := staff.postWithFile("/console/certificates/new", form, "file", "gas-safety.pdf", pdf)
			wantRedirect(t, "issue", res, "/console/certificates?done=issued")
			_, body = staff.get("/console/certificates?done=issued")
			if !strings.Contains(body, "GS-77") || !strings.Contains(body, "gas-safety.pdf") {
				t.Fatalf("the list does not show the certificate with its file:\n%s", body)
			}
			parent := f.browser()
			parent.login("parent@example.test", testPassword)
			_, page := parent.get("/certificates")
			m := regexp.MustCompile(`href="(/certificates/[^"/]+/download)"`).FindStringSubmatch(page)
			if m == nil {
				t.Fatalf("no download link on /certificates:\n%s", page)
			}
			res, got := parent.get(m[1])
			wantStatus(t, "download", res, got, http.StatusOK)
			if sha256.Sum256([]byte(got)) != sha256.Sum256(pdf) {
				t.Errorf("downloaded %d bytes that differ from the %d uploaded", len(got), len(pdf))
			}
			if res.Header.Get("Content-Type") != "application/pdf" || res.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("headers: %v", res.Header)
			}
			// The solo customer's contact cannot reach it.
			f.addLogin("solo", "Sol", "Solo", "solo@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
			solo := f.browser()
			solo.login("solo@example.test", testPassword)
			if res, _ := solo.get(m[1]); res.StatusCode != http.StatusNotFound {
				t.Errorf("another customer's download = %d, want 404", res.StatusCode)
			}
		})
		t.Run("a file the store refuses issues no certificate", func(t *testing.T) {
			db.SetFileStore(refusingStore{})
			defer db.SetFileStore(nil)
			failed := url.Values{}
			for k, v := range form {
				failed[k] = v
			}
			failed.Set("number", "GS-404")
			res, body := staff.postWithFile("/console/certificates/new", failed, "file", "gas-safety.pdf", pdf)
			if res.StatusCode < 500 {
				t.Fatalf("a store that refuses the file answered %d", res.StatusCode)
			}
			if strings.Contains(body, "store refused") {
				t.Error("the page shows the store's internal error")
			}
			db.SetFileStore(nil)
			_, list := staff.get("/console/certificates")
			if strings.Contains(list, "GS-404") {
				t.Error("the certificate was issued without its file")
			}
		})
		t.Run("contacts cannot use the console's forms", func(t *testing.T) {
			parent := f.browser()
			parent.login("parent@example.test", testPassword)
			res, _ := parent.postWithFile("/console/certificates/new", form, "file", "x.pdf", pdf)
			if (res.StatusCode != http.StatusFound && res.StatusCode != http.StatusSeeOther) || !strings.HasPrefix(res.Header.Get("Location"), "/console/login") {
				t.Errorf("a contact's post = %d %s", res.StatusCode, res.Header.Get("Location"))
			}
		})
	})
}

// TestConsoleTasks makes and changes a task in the console; a mistake
// keeps what was typed, and the customer reads the task on /tasks.
func TestConsoleTasks(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("desk@example.test", fieldportal.RoleStaff)
		staff := f.browser()
		staff.consoleLogin("desk@example.test")

		t.Run("a mistake keeps what was typed", func(t *testing.T) {
			res, body := staff.post("/console/tasks/new", url.Values{"site_id": {f.site["hq"].ID}, "subject": {""},
				"status": {"open"}, "due_date": {"next week"}, "assignee": {"Office <desk>"}})
			wantStatus(t, "bad task", res, body, http.StatusUnprocessableEntity)
			for _, want := range []string{"Due date must be a date such as 2026-03-31.", `value="next week"`, `value="Office &lt;desk&gt;"`} {
				if !strings.Contains(body, want) {
					t.Errorf("the form does not show %s", want)
				}
			}
			res, body = staff.post("/console/tasks/new", url.Values{"site_id": {f.site["hq"].ID}, "subject": {""}, "status": {"open"}})
			wantStatus(t, "no subject", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, "Subject is required.") {
				t.Error("no message for the subject")
			}
			res, body = staff.post("/console/tasks/new", url.Values{"subject": {"Lost site"}, "status": {"open"}})
			wantStatus(t, "no site", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, "Site is required") || !strings.Contains(body, `value="Lost site"`) {
				t.Error("no message for the site, or the subject lost")
			}
			res, body = staff.post("/console/tasks/new", url.Values{"site_id": {f.site["hq"].ID}, "subject": {"x"}, "status": {"closed"}})
			wantStatus(t, "bad status", res, body, http.StatusUnprocessableEntity)
		})
		t.Run("made, changed, and read by the customer", func(t *testing.T) {
			res, _ := staff.post("/console/tasks/new", url.Values{"site_id": {f.site["dock"].ID}, "subject": {"Send the key holder list"},
				"status": {"open"}, "due_date": {"2026-02-01"}, "assignee": {"Office"}})
			wantRedirect(t, "create", res, "/console/tasks?done=created")
			_, body := staff.get("/console/tasks")
			m := regexp.MustCompile(`href="(/console/tasks/[^"]+)">Send the key holder list`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("the task is not listed:\n%s", body)
			}
			_, body = staff.get(m[1])
			if !strings.Contains(body, `value="Send the key holder list"`) || !strings.Contains(body, `value="2026-02-01"`) {
				t.Error("the task's form is not filled with the task")
			}
			res, body = staff.post(m[1], url.Values{"site_id": {f.site["dock"].ID}, "subject": {"Send the key holder list"},
				"status": {"done"}, "due_date": {"2026-02-30"}, "assignee": {"Office"}})
			wantStatus(t, "bad date on update", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, `value="2026-02-30"`) {
				t.Error("the update lost the typed date")
			}
			res, _ = staff.post(m[1], url.Values{"site_id": {f.site["dock"].ID}, "subject": {"Send the key holder list"},
				"status": {"done"}, "due_date": {"2026-02-01"}, "assignee": {"Office"}})
			wantRedirect(t, "update", res, m[1]+"?done=saved")
			child := f.browser()
			child.login("child@example.test", testPassword)
			_, page := child.get("/tasks?status=done")
			if !strings.Contains(page, "Send the key holder list") {
				t.Error("the customer does not see the done task")
			}
		})
		t.Run("a job by its number, only at the task's site", func(t *testing.T) {
			jobs := f.addJobs()
			dockJob, hqJob := jobs["complete"], jobs["pending"]
			task := url.Values{"site_id": {f.site["dock"].ID}, "subject": {"Chase the access code"}, "status": {"open"}}
			with := func(number string) url.Values {
				v := url.Values{}
				for k, x := range task {
					v[k] = x
				}
				v.Set("job_number", number)
				return v
			}
			res, body := staff.post("/console/tasks/new", with(hqJob.Number))
			wantStatus(t, "a job of another site", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, "there is no job "+hqJob.Number+" at the task&#39;s site") || !strings.Contains(body, `value="`+hqJob.Number+`"`) {
				t.Errorf("no message naming the job number, or the number lost:\n%s", body)
			}
			res, body = staff.post("/console/tasks/new", with("J-NOPE"))
			wantStatus(t, "no such job", res, body, http.StatusUnprocessableEntity)
			res, _ = staff.post("/console/tasks/new", with(strings.ToLower(dockJob.Number)))
			wantRedirect(t, "create with a job", res, "/console/tasks?done=created")
			_, body = staff.get("/console/tasks")
			m := regexp.MustCompile(`href="(/console/tasks/[^"]+)">Chase the access code`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("the task is not listed:\n%s", body)
			}
			_, body = staff.get(m[1])
			if !strings.Contains(body, `value="`+dockJob.Number+`"`) {
				t.Error("the task's form does not show its job's number")
			}
			child := f.browser()
			child.login("child@example.test", testPassword)
			if _, page := child.get("/tasks"); !strings.Contains(page, dockJob.Number) {
				t.Error("the customer's tasks do not show the job")
			}
			noSite := with(dockJob.Number)
			noSite.Set("site_id", "")
			res, body = staff.post(m[1], noSite)
			wantStatus(t, "a site's task without a site", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, "Site is required") {
				t.Error("no message for the site")
			}
			res, _ = staff.post(m[1], with(""))
			wantRedirect(t, "job taken off", res, m[1]+"?done=saved")
			if _, body = staff.get(m[1]); strings.Contains(body, `value="`+dockJob.Number+`"`) {
				t.Error("the job stayed on the task after its number was cleared")
			}
		})
		t.Run("a job found past a page of jobs whose order numbers quote it", func(t *testing.T) {
			jobs := f.addJobs()
			dockJob := jobs["complete"]
			for i := range 25 {
				// Newer follow-up orders at the site that name the job:
				// the number search matches them too, newest first.
				j := &fieldportal.Job{SiteID: f.site["dock"].ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending,
					OrderNo: fmt.Sprintf("Re %s/%d", dockJob.Number, i), Description: "Follow-up",
					PreferredDate: fieldportal.Date{Year: 2026, Month: 1, Day: 10}, PreferredWindow: "am"}
				if err := f.db.CreateJob(context.Background(), f.sys, j); err != nil {
					t.Fatal(err)
				}
			}
			res, body := staff.post("/console/tasks/new", url.Values{"site_id": {f.site["dock"].ID}, "subject": {"Find the old job"},
				"status": {"open"}, "job_number": {dockJob.Number}})
			if strings.Contains(body, "there is no job") {
				t.Error("the job's number was not found at its site")
			}
			wantRedirect(t, "create with an older job", res, "/console/tasks?done=created")
		})
	})
}

// refusingStore is a file store that keeps nothing (a disk full, S3 down).
type refusingStore struct{}

func (refusingStore) Put(context.Context, string, string, io.Reader, int64) error {
	return errors.New("store refused")
}

func (refusingStore) Open(context.Context, string, string) (io.ReadCloser, error) {
	return nil, blob.ErrNotFound
}

func (refusingStore) Delete(context.Context, string, string) error { return nil }
