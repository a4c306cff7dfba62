package server

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestPortalFeedback posts the job page's rating form on both engines: a
// rating of 6 is refused naming the field with the comment kept; with
// feedback off the form is gone and a post refused; a contact without the
// job role has no form; the job contact rates once.
func TestPortalFeedback(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		jo, _ := f.addLogin("child", "Jo", "Jobs", "jo@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
		if _, err := db.SQL().Exec(`UPDATE contacts SET job_contact = TRUE WHERE id = $1`, jo.ID); err != nil {
			t.Fatal(err)
		}
		j := &fieldportal.Job{SiteID: f.site["dock"].ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending, Description: "Alarm fault"}
		if err := db.CreateJob(ctx, f.sys, j); err != nil {
			t.Fatal(err)
		}
		start := time.Now().Add(-3 * time.Hour).Truncate(time.Hour)
		a := &fieldportal.Appointment{SiteID: j.SiteID, JobID: j.ID, StartsAt: start, EndsAt: start.Add(time.Hour), Technician: "Sam",
			Status: fieldportal.VisitDone}
		if err := db.CreateAppointment(ctx, f.sys, a); err != nil {
			t.Fatal(err)
		}
		b := f.browser()
		b.login("jo@example.test", testPassword)
		page, action := "/jobs/"+j.ID, "/jobs/"+j.ID+"/feedback"
		form := func(rating string) url.Values {
			return url.Values{"appointment_id": {a.ID}, "rating": {rating}, "comment": {"Tidy <b>work</b>"}}
		}
		setOff := func(off bool) {
			st, err := db.FindSettings(ctx, f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			st.FeedbackOff = off
			if err := db.UpdateSettings(ctx, f.sys, st); err != nil {
				t.Fatal(err)
			}
		}

		t.Run("a rating of 6 is refused naming the field, keeping the comment", func(t *testing.T) {
			res, body := b.post(action, form("6"))
			wantStatus(t, "post", res, body, http.StatusBadRequest)
			if !strings.Contains(body, `href="#rating"`) || !strings.Contains(body, "Rating must be a whole number from 1 to 5.") {
				t.Error("the refusal does not name the rating")
			}
			if !strings.Contains(body, "Tidy &lt;b&gt;work&lt;/b&gt;") {
				t.Error("the comment typed is not kept, escaped")
			}
		})
		t.Run("feedback off hides the form and refuses the post", func(t *testing.T) {
			setOff(true)
			defer setOff(false)
			_, body := b.get(page)
			if strings.Contains(body, `action="`+action+`"`) {
				t.Error("the form shows with feedback off")
			}
			res, body := b.post(action, form("5"))
			wantStatus(t, "post", res, body, http.StatusForbidden)
		})
		t.Run("a contact without the job role has no form", func(t *testing.T) {
			other := f.browser()
			other.login("child@example.test", testPassword)
			_, body := other.get(page)
			if strings.Contains(body, `action="`+action+`"`) {
				t.Error("the form shows to a contact without the job role")
			}
			res, body := other.post(action, form("5"))
			wantStatus(t, "post", res, body, http.StatusForbidden)
		})
		t.Run("the job contact rates once", func(t *testing.T) {
			res, _ := b.post(action, form("4"))
			wantRedirect(t, "post", res, page+"?done=rated#feedback-heading")
			_, body := b.get(page + "?done=rated")
			if !strings.Contains(body, "4 out of 5") || strings.Contains(body, `action="`+action+`"`) {
				t.Errorf("after rating:\n%s", body)
			}
			res, body = b.post(action, form("5"))
			wantStatus(t, "second post", res, body, http.StatusConflict)
			if !strings.Contains(body, "already been rated") {
				t.Error("the second rating's refusal does not say why")
			}
		})
		t.Run("the console's averages tell two staff users called Sam apart", func(t *testing.T) {
			// Sam in text (rated 4 above), and two staff users shown as Sam.
			sams := map[string]*fieldportal.StaffUser{}
			for k, email := range []string{"reed@example.test", "cole@example.test"} {
				u := f.addStaff(email, fieldportal.RoleStaff)
				if err := db.SetStaffProfile(ctx, fieldportal.NewStaffViewer(f.org.ID, u.ID, u.Name, fieldportal.RoleStaff),
					fieldportal.StaffProfile{StaffID: u.ID, DisplayName: "Sam"}); err != nil {
					t.Fatal(err)
				}
				at := start.Add(time.Duration(-24*(k+1)) * time.Hour)
				x := &fieldportal.Appointment{SiteID: j.SiteID, JobID: j.ID, StartsAt: at, EndsAt: at.Add(time.Hour),
					TechnicianStaffID: u.ID, Status: fieldportal.VisitDone}
				if err := db.CreateAppointment(ctx, f.sys, x); err != nil {
					t.Fatal(err)
				}
				res, _ := b.post(action, url.Values{"appointment_id": {x.ID}, "rating": {strconv.Itoa(k + 1)}})
				wantRedirect(t, "post", res, page+"?done=rated#feedback-heading")
				sams[email] = u
			}
			f.addStaff("desk@example.test", fieldportal.RoleStaff)
			staff := f.browser()
			staff.consoleLogin("desk@example.test")
			res, body := staff.get("/console/feedback")
			wantStatus(t, "feedback", res, body, http.StatusOK)
			for _, want := range []string{
				`href="/console/feedback?technician=Sam">Sam</a>`,
				`href="/console/feedback?technician_staff_id=` + sams["reed@example.test"].ID + `">Sam (reed@example.test)</a>`,
				`href="/console/feedback?technician_staff_id=` + sams["cole@example.test"].ID + `">Sam (cole@example.test)</a>`,
			} {
				if !strings.Contains(body, want) {
					t.Errorf("the averages lack %s", want)
				}
			}
			_, body = staff.get("/console/feedback?technician_staff_id=" + sams["cole@example.test"].ID)
			if !strings.Contains(body, "Showing the ratings of Sam.") || strings.Count(body, `data-label="Rating">`) != 1 ||
				!strings.Contains(body, `data-label="Rating">2 out of 5</td>`) {
				t.Errorf("Sam Cole's ratings:\n%s", body)
			}
		})
	})
}
