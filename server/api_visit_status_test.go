package server

import (
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestAPIVisitStatus walks an appointment's visit status through the
// API on both engines: the technician linked by email, on the way with an
// ETA, the moves refused naming the field, and done.
func TestAPIVisitStatus(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		_, site := mustAPICustomerSite(t, c, "C-1", "S-1")
		c.must(201, nil, "PUT", "/api/v1/jobs/by-external-id/J-1", `{"site_id":"`+site.ID+`","kind":"service"}`)
		tech := &fieldportal.StaffUser{Email: "sam@op.test", Name: "Sam Reed", DisplayName: "Sam", Role: fieldportal.RoleStaff}
		if err := db.CreateStaffUser(t.Context(), fieldportal.SystemViewer(f.org.ID, "test"), tech); err != nil {
			t.Fatal(err)
		}
		if err := db.SetStaffProfile(t.Context(), fieldportal.SystemViewer(f.org.ID, "test"), fieldportal.StaffProfile{StaffID: tech.ID, DisplayName: "Sam"}); err != nil {
			t.Fatal(err)
		}
		var made api.Appointment
		c.must(201, &made, "POST", "/api/v1/appointments", `{"job_external_id":"J-1","technician_email":"sam@op.test",
			"starts_at":"2026-03-02T09:00:00Z","ends_at":"2026-03-02T10:00:00Z"}`)
		path := "/api/v1/appointments/" + made.ID

		t.Run("a new visit is scheduled with the staff user as technician", func(t *testing.T) {
			if made.Status != "scheduled" || made.ETA != nil || made.TechnicianStaffID == nil || *made.TechnicianStaffID != tech.ID ||
				made.Technician != "Sam Reed" || made.TechnicianDisplayName != "Sam" {
				t.Errorf("appointment = %+v", made)
			}
		})
		t.Run("bad input names the field", func(t *testing.T) {
			c.problem(422, []string{"status"}, "PATCH", path, `{"status":"lost"}`)
			c.problem(422, []string{"eta"}, "PATCH", path, `{"status":"on_the_way"}`)
			c.problem(422, []string{"eta"}, "PATCH", path, `{"status":"on_the_way","eta":"soon"}`)
			c.problem(422, []string{"status"}, "PATCH", path, `{"status":"done"}`)
			c.problem(422, []string{"technician_email"}, "PATCH", path, `{"technician_email":"nobody@op.test"}`)
		})
		t.Run("on the way with an ETA, then on site and done", func(t *testing.T) {
			var got api.Appointment
			c.must(200, &got, "PATCH", path, `{"status":"on_the_way","eta":"2026-03-02T08:50:00Z"}`)
			if got.Status != "on_the_way" || got.ETA == nil || got.ETA.Format("15:04") != "08:50" {
				t.Errorf("on the way = %+v", got)
			}
			c.must(200, &got, "PATCH", path, `{"status":"on_site"}`)
			if got.Status != "on_site" || got.ETA != nil {
				t.Errorf("on site = %+v", got)
			}
			c.must(200, &got, "PATCH", path, `{"description":"Alarm serviced"}`)
			if got.Status != "on_site" {
				t.Errorf("a patch without status moved the visit: %+v", got)
			}
			c.must(200, &got, "PATCH", path, `{"status":"done"}`)
			if got.Status != "done" {
				t.Errorf("done = %+v", got)
			}
			c.problem(422, []string{"status"}, "PATCH", path, `{"status":"scheduled"}`)
		})
	})
}
