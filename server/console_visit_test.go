package server

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestConsoleVisit walks issue 22's console pages on both engines: the
// visit status form from the job page (bad input naming the field, then
// on the way, which mails the job contact), My account's photo (checked
// by content as the logo is) and the Visit feedback page.
func TestConsoleVisit(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		desk := f.addStaff("desk@example.test", fieldportal.RoleStaff)
		jo := &fieldportal.Contact{FirstName: "Jo", LastName: "Jobs", Email: "jo@example.test", JobContact: true, CustomerID: f.cust["child"].ID}
		if err := db.CreateContact(ctx, f.sys, jo); err != nil {
			t.Fatal(err)
		}
		if err := db.CreatePortalLogin(ctx, f.sys, &fieldportal.PortalLogin{ContactID: jo.ID, Username: "jo@example.test", Status: fieldportal.LoginActive,
			Pages: fieldportal.AllModules, SiteAccess: fieldportal.SiteAccessAll}); err != nil {
			t.Fatal(err)
		}
		j := &fieldportal.Job{SiteID: f.site["dock"].ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending, Description: "Alarm fault"}
		if err := db.CreateJob(ctx, f.sys, j); err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(2 * time.Hour).Truncate(time.Hour)
		a := &fieldportal.Appointment{SiteID: j.SiteID, JobID: j.ID, StartsAt: start, EndsAt: start.Add(time.Hour), Technician: "Sam"}
		if err := db.CreateAppointment(ctx, f.sys, a); err != nil {
			t.Fatal(err)
		}
		staff := f.browser()
		staff.consoleLogin("desk@example.test")
		path := "/console/appointments/" + a.ID + "/visit"

		t.Run("the job page links to the visit's status form", func(t *testing.T) {
			res, body := staff.get("/console/jobs/" + j.ID)
			wantStatus(t, "job page", res, body, http.StatusOK)
			if !strings.Contains(body, `href="`+path+`"`) {
				t.Errorf("no link to %s", path)
			}
		})
		t.Run("bad input is refused naming the field, keeping what was typed", func(t *testing.T) {
			for _, tc := range []struct {
				form  url.Values
				field string
			}{
				{url.Values{"status": {"on_the_way"}}, "eta"},
				{url.Values{"status": {"on_the_way"}, "eta": {"soon"}}, "eta"},
				{url.Values{"status": {"done"}}, "status"},
				{url.Values{"status": {"lost"}}, "status"},
			} {
				res, body := staff.post(path, tc.form)
				wantStatus(t, "post "+tc.form.Encode(), res, body, http.StatusUnprocessableEntity)
				if !strings.Contains(body, `href="#`+tc.field+`"`) {
					t.Errorf("%s: the error summary does not name %s", tc.form.Encode(), tc.field)
				}
				if eta := tc.form.Get("eta"); eta != "" && !strings.Contains(body, `value="`+eta+`"`) {
					t.Errorf("%s: the typed ETA is lost", tc.form.Encode())
				}
			}
			if n := f.count("outbox"); n != 0 {
				t.Errorf("%d outbox messages after refusals", n)
			}
		})
		t.Run("on the way with an ETA mails the job contact", func(t *testing.T) {
			eta := start.Add(-10 * time.Minute).In(time.UTC).Format("2006-01-02T15:04")
			res, body := staff.post(path, url.Values{"status": {"on_the_way"}, "eta": {eta}, "technician_staff_id": {desk.ID}})
			wantRedirect(t, "post", res, path+"?done=saved")
			_ = body
			to, mail, n := f.outboxMail("visit.on_the_way")
			if n != 1 || to != "jo@example.test" || !strings.Contains(mail, "/jobs/"+j.ID) {
				t.Errorf("mail to %q (%d): %s", to, n, mail)
			}
			got, _ := db.FindAppointmentByID(ctx, f.sys, a.ID)
			if got.Status != fieldportal.VisitOnTheWay || got.TechnicianStaffID != desk.ID {
				t.Errorf("appointment %s by %q", got.Status, got.TechnicianStaffID)
			}
		})
		t.Run("a photo that is not an image is refused naming the field", func(t *testing.T) {
			res, body := staff.postFile("/console/staff/"+desk.ID+"/profile", "photo", "me.png", []byte("not an image at all"))
			wantStatus(t, "upload", res, body, http.StatusBadRequest)
			if !strings.Contains(body, `id="photo-error"`) || !strings.Contains(body, "The photo must be a PNG or JPEG") {
				t.Errorf("the refusal does not name the photo:\n%s", body)
			}
		})
		t.Run("a PNG becomes the photo, served to staff", func(t *testing.T) {
			res, _ := staff.postFile("/console/staff/"+desk.ID+"/profile", "photo", "me.png", tinyPNG(40, 40))
			wantRedirect(t, "upload", res, "/console/account?done=profile")
			_, body := staff.get("/console/account")
			m := regexp.MustCompile(`src="(/console/staff/[^"]+/photo/[0-9a-f]{64})"`).FindStringSubmatch(body)
			if m == nil {
				t.Fatalf("no photo on My account:\n%s", body)
			}
			res, img := staff.get(m[1])
			wantStatus(t, "photo", res, img, http.StatusOK)
			if res.Header.Get("Content-Type") != "image/png" {
				t.Errorf("content type %q", res.Header.Get("Content-Type"))
			}
		})
		t.Run("someone else's profile is refused to staff", func(t *testing.T) {
			other := f.addStaff("other@example.test", fieldportal.RoleStaff)
			res, body := staff.postFile("/console/staff/"+other.ID+"/profile", "photo", "me.png", tinyPNG(40, 40))
			wantStatus(t, "upload", res, body, http.StatusForbidden)
		})
		t.Run("the feedback page", func(t *testing.T) {
			res, body := staff.get("/console/feedback")
			wantStatus(t, "feedback", res, body, http.StatusOK)
			if !strings.Contains(body, "No ratings yet") {
				t.Error("the empty feedback page does not say so")
			}
			res, body = staff.get("/console/feedback?after=garbage")
			if res.StatusCode == http.StatusOK || res.StatusCode >= 500 {
				t.Errorf("a forged cursor = %d", res.StatusCode)
			}
			_ = body
		})
	})
}
