package server

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestConsoleSchedule(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.addStaff("desk@example.test", fieldportal.RoleStaff)
		// The dock's job contact, who is mailed.
		jo := &fieldportal.Contact{FirstName: "Jo", LastName: "Jobs", Email: "jo@example.test", JobContact: true, CustomerID: f.cust["child"].ID}
		if err := db.CreateContact(ctx, f.sys, jo); err != nil {
			t.Fatal(err)
		}
		// A login that reaches the record: the mail links to it.
		if err := db.CreatePortalLogin(ctx, f.sys, &fieldportal.PortalLogin{ContactID: jo.ID, Username: "jo@example.test", Status: fieldportal.LoginActive,
			Pages: fieldportal.AllModules, SiteAccess: fieldportal.SiteAccessAll}); err != nil {
			t.Fatal(err)
		}
		job := func() *fieldportal.Job {
			j := &fieldportal.Job{SiteID: f.site["dock"].ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending, Description: "Alarm fault"}
			if err := db.CreateJob(ctx, f.sys, j); err != nil {
				t.Fatal(err)
			}
			return j
		}
		j := job()
		path := "/console/jobs/" + j.ID + "/schedule"
		staff := f.browser()
		staff.consoleLogin("desk@example.test")
		day := nextBookingDay()
		form := func(tech, start, end string) url.Values {
			return url.Values{"technician": {tech}, "starts_at": {start}, "ends_at": {end}}
		}

		t.Run("the form shows the job", func(t *testing.T) {
			res, body := staff.get(path)
			wantStatus(t, "form", res, body, http.StatusOK)
			if !strings.Contains(body, j.Number) || !strings.Contains(body, "Dock Warehouse") || !strings.Contains(body, `type="datetime-local"`) {
				t.Errorf("form lacks the job:\n%s", body)
			}
		})
		t.Run("a contact is sent to the console's sign-in", func(t *testing.T) {
			b := f.browser()
			b.login("child@example.test", testPassword)
			res, _ := b.get(path)
			if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusFound {
				t.Errorf("contact = %d, want a redirect to sign in", res.StatusCode)
			}
		})
		t.Run("bad input names its field and keeps what was typed", func(t *testing.T) {
			for _, tc := range []struct {
				name  string
				form  url.Values
				field string
				msg   string
			}{
				{"no technician", form(" ", day+"T09:00", day+"T11:00"), "technician", "Technician is required."},
				{"no start", form("Sam Reed", "", day+"T11:00"), "starts_at", "Start is required."},
				{"a start that is no time", form("Sam Reed", "9am", day+"T11:00"), "starts_at", "Start must be a date and time"},
				{"an end before the start", form("Sam Reed", day+"T11:00", day+"T09:00"), "ends_at", "End must be after the start."},
			} {
				t.Run(tc.name, func(t *testing.T) {
					res, body := staff.post(path, tc.form)
					wantStatus(t, tc.name, res, body, http.StatusUnprocessableEntity)
					if !strings.Contains(html.UnescapeString(body), tc.msg) || !strings.Contains(body, `href="#`+tc.field+`"`) {
						t.Errorf("no %q on #%s:\n%s", tc.msg, tc.field, body)
					}
					if v := tc.form.Get("ends_at"); v != "" && !strings.Contains(body, `value="`+v+`"`) {
						t.Error("the end typed was not kept")
					}
				})
			}
		})
		t.Run("scheduling books the job in and mails its job contact a link", func(t *testing.T) {
			res, body := staff.post(path, form("Sam Reed", day+"T09:00", day+"T11:00"))
			wantRedirect(t, "schedule", res, path+"?done=scheduled&mailed=1")
			_ = body
			got, err := db.FindJobByID(ctx, f.sys, j.ID)
			if err != nil || got.Stage != fieldportal.StageScheduled || got.Technician != "Sam Reed" {
				t.Fatalf("job %+v, %v", got, err)
			}
			to, mail, n := f.outboxMail("job.scheduled")
			if n != 1 || to != "jo@example.test" || !strings.Contains(mail, "/jobs/"+j.ID+"\n") || !strings.Contains(mail, "09:00–11:00") {
				t.Errorf("mail %d to %q:\n%s", n, to, mail)
			}
			_, body = staff.get(path + "?done=scheduled&mailed=1")
			if !strings.Contains(body, "is scheduled. Its job contact has been mailed") {
				t.Error("no notice after scheduling")
			}
			_, body = staff.get(path + "?done=scheduled&mailed=0")
			if !strings.Contains(body, "nobody was mailed") {
				t.Error("the notice claims a mail when none went")
			}
			_, body = staff.get(path + "?done=scheduled&mailed=Call+0800+now")
			if strings.Contains(body, "0800") || strings.Contains(body, "been mailed") || strings.Contains(body, "nobody was mailed") {
				t.Error("the notice shows words from the address")
			}
		})
		t.Run("the technician's overlap is refused with its message", func(t *testing.T) {
			other := job()
			res, body := staff.post("/console/jobs/"+other.ID+"/schedule", form("Sam Reed", day+"T10:00", day+"T12:00"))
			wantStatus(t, "overlap", res, body, http.StatusUnprocessableEntity)
			if !strings.Contains(body, "Sam Reed is already booked at that time") || !strings.Contains(body, `href="#starts_at"`) {
				t.Errorf("no overlap message:\n%s", body)
			}
		})
		t.Run("a job of nobody's is not found", func(t *testing.T) {
			res, body := staff.get("/console/jobs/no-such-job/schedule")
			wantStatus(t, "missing", res, body, http.StatusNotFound)
		})
	})
}

func TestConsoleDiarySettings(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		admin := f.browser()
		admin.consoleLogin("admin@example.test")
		base := func() url.Values {
			return url.Values{"modules": {"dashboard", "sites"}, "password_policy.min_length": {"10"}, "diary_form": {"1"},
				"diary_overlap": {"on"}, "booking_window_days": {"30"}, "diary.slot_minutes": {"60"}, "diary.day_start": {"07:30"}, "diary.day_end": {"16:30"}}
		}
		for _, tc := range []struct {
			name, field, value, msg string
		}{
			{"a booking window that is no number", "booking_window_days", "a month", "Booking window must be a whole number."},
			{"a booking window too long", "booking_window_days", "999", "Booking window must be between 0 and 730 days."},
			{"a window length not a multiple of 15", "diary.slot_minutes", "50", "must be a multiple of 15 minutes"},
			{"a start that is no time", "diary.day_start", "half seven", "Working day start must be a time"},
			{"an end too early for one window", "diary.day_end", "08:00", "must leave room for one booking window"},
		} {
			t.Run(tc.name, func(t *testing.T) {
				form := base()
				form.Set(tc.field, tc.value)
				res, body := admin.post("/console/settings", form)
				wantStatus(t, tc.name, res, body, http.StatusBadRequest)
				if !strings.Contains(html.UnescapeString(body), tc.msg) || !strings.Contains(body, `href="#`+tc.field+`"`) || !strings.Contains(body, `value="`+tc.value+`"`) {
					t.Errorf("no %q on #%s with the value kept:\n%s", tc.msg, tc.field, body)
				}
			})
		}
		t.Run("saved", func(t *testing.T) {
			res, _ := admin.post("/console/settings", base())
			wantRedirect(t, "save", res, "/console/settings?done=saved")
			st, err := db.FindSettings(context.Background(), f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := fieldportal.DiarySettings{SlotMinutes: 60, DayStart: "07:30", DayEnd: "16:30"}
			if st.Diary != want || !st.DiaryOverlap || st.BookingWindowDays != 30 {
				t.Errorf("saved %+v, overlap %v, window %d", st.Diary, st.DiaryOverlap, st.BookingWindowDays)
			}
		})
	})
}
