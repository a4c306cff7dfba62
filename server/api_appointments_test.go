package server

import (
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// TestAPIAppointments walks the appointments resource on both engines:
// the job by external id giving the site, the diary's overlap rule on
// create and patch but not on the back office's upsert, filters, If-Match
// and bad input.
func TestAPIAppointments(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		cu, site := mustAPICustomerSite(t, c, "C-1", "S-1")
		var job api.Job
		c.must(201, &job, "PUT", "/api/v1/jobs/by-external-id/J-1", `{"site_id":"`+site.ID+`","kind":"service"}`)

		var made api.Appointment
		res := c.must(201, &made, "POST", "/api/v1/appointments", `{"job_external_id":"J-1","technician":"Ana",
			"starts_at":"2026-03-02T09:00:00+01:00","ends_at":"2026-03-02T10:00:00+01:00","description":"Service visit"}`)
		t.Run("create takes the job's site and answers the appointment", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/appointments/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			if made.SiteID != site.ID || made.CustomerID != cu.ID || made.JobID == nil || *made.JobID != job.ID ||
				made.StartsAt.Hour() != 8 || made.Technician != "Ana" || made.QuoteID != nil || made.ExternalID != nil {
				t.Errorf("appointment = %+v", made)
			}
			var got api.Appointment
			c.must(200, &got, "GET", "/api/v1/appointments/"+made.ID, "")
			if diff := cmp.Diff(made, got); diff != "" {
				t.Errorf("(-created +got):\n%s", diff)
			}
		})
		t.Run("the overlap rule refuses a clash of the technician", func(t *testing.T) {
			c.problem(409, []string{"starts_at"}, "POST", "/api/v1/appointments", `{"site_id":"`+site.ID+`","technician":"Ana",
				"starts_at":"2026-03-02T08:30:00Z","ends_at":"2026-03-02T09:30:00Z"}`)
			var other api.Appointment
			c.must(201, &other, "POST", "/api/v1/appointments", `{"site_id":"`+site.ID+`","technician":"Bo",
				"starts_at":"2026-03-02T08:30:00Z","ends_at":"2026-03-02T09:30:00Z"}`)
			c.problem(409, []string{"starts_at"}, "PATCH", "/api/v1/appointments/"+other.ID, `{"technician":"Ana"}`)
		})
		t.Run("patch changes only the fields sent; If-Match refuses a stale version", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/appointments/"+made.ID, "").Header.Get("ETag")
			var got api.Appointment
			c.must(200, &got, "PATCH", "/api/v1/appointments/"+made.ID, `{"description":"Changed"}`, "If-Match", stale)
			if got.Description != "Changed" || got.Technician != "Ana" || !got.StartsAt.Equal(made.StartsAt) {
				t.Errorf("appointment = %+v", got)
			}
			c.problem(412, nil, "PATCH", "/api/v1/appointments/"+made.ID, `{"description":"Again"}`, "If-Match", stale)
		})
		t.Run("upsert by external id twice leaves one appointment", func(t *testing.T) {
			body := `{"site_external_id":"S-1","technician":"Ana","starts_at":"2026-03-02T08:15:00Z","ends_at":"2026-03-02T08:45:00Z"}`
			var first, second api.Appointment
			c.must(201, &first, "PUT", "/api/v1/appointments/by-external-id/A-1", body)
			c.must(200, &second, "PUT", "/api/v1/appointments/by-external-id/A-1", body)
			if first.ID != second.ID || second.ExternalID == nil || *second.ExternalID != "A-1" {
				t.Errorf("first %+v, second %+v", first, second)
			}
		})
		t.Run("filters", func(t *testing.T) {
			ids := func(path string) []string {
				var list api.List[api.Appointment]
				c.must(200, &list, "GET", path, "")
				var out []string
				for _, x := range list.Data {
					out = append(out, x.Technician+" "+x.StartsAt.Format("15:04"))
				}
				return out
			}
			for path, want := range map[string][]string{
				"/api/v1/appointments?job_id=" + job.ID:                                  {"Ana 08:00"},
				"/api/v1/appointments?technician=Bo":                                     {"Bo 08:30"},
				"/api/v1/appointments?external_id=A-1":                                   {"Ana 08:15"},
				"/api/v1/appointments?site_id=" + site.ID + "&from=2026-03-02T08:50:00Z": {"Ana 08:00", "Bo 08:30"},
				"/api/v1/appointments?to=2026-03-02T08:10:00Z":                           {"Ana 08:00"},
			} {
				if diff := cmp.Diff(want, ids(path)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", path, diff)
				}
			}
			c.problem(400, []string{"from", "to"}, "GET", "/api/v1/appointments?from=monday&to=later", "")
			c.problem(400, []string{"customer_id"}, "GET", "/api/v1/appointments?customer_id="+cu.ID, "")
		})
		t.Run("a read key reads appointments and writes none", func(t *testing.T) {
			key, _, err := db.CreateAPIKey(t.Context(), fieldportal.SystemViewer(f.org.ID, "test"), "Reader", fieldportal.APIKeyRead)
			if err != nil {
				t.Fatal(err)
			}
			reader := &apiClient{t: t, h: c.h, host: c.host, key: key, onResponse: c.onResponse}
			reader.must(200, nil, "GET", "/api/v1/appointments/"+made.ID, "")
			reader.must(200, nil, "GET", "/api/v1/appointments", "")
			reader.problem(403, nil, "POST", "/api/v1/appointments", `{"site_id":"`+site.ID+`"}`)
			reader.problem(403, nil, "PATCH", "/api/v1/appointments/"+made.ID, `{"description":"No"}`)
			reader.problem(403, nil, "PUT", "/api/v1/appointments/by-external-id/R-1", `{"site_id":"`+site.ID+`"}`)
		})
		t.Run("bad input names the fields", func(t *testing.T) {
			c.problem(422, []string{"site_id", "starts_at", "ends_at"}, "POST", "/api/v1/appointments", `{}`)
			c.problem(422, []string{"starts_at", "ends_at"}, "POST", "/api/v1/appointments",
				`{"site_id":"`+site.ID+`","starts_at":"9am","ends_at":"10am"}`)
			c.problem(422, []string{"ends_at"}, "POST", "/api/v1/appointments",
				`{"site_id":"`+site.ID+`","starts_at":"2026-03-02T10:00:00Z","ends_at":"2026-03-02T09:00:00Z"}`)
			c.problem(422, []string{"job_external_id"}, "POST", "/api/v1/appointments", `{"job_external_id":"NOPE"}`)
			c.problem(422, []string{"quote_external_id"}, "POST", "/api/v1/appointments", `{"quote_external_id":"NOPE"}`)
			c.problem(422, []string{"job_id"}, "POST", "/api/v1/appointments", `{"job_id":"no-such-job"}`)
			c.problem(422, []string{"external_id"}, "PUT", "/api/v1/appointments/by-external-id/A-1", `{"external_id":"A-2"}`)
			c.problem(400, []string{"colour"}, "POST", "/api/v1/appointments", `{"colour":"red"}`)
			c.problem(404, nil, "GET", "/api/v1/appointments/no-such-appointment", "")
		})
	})
}

// TestAPIAppointmentsOtherOrganisation checks a key reaches its own
// organisation's appointments alone, by id, by external id and as the
// job an appointment refers to.
func TestAPIAppointmentsOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		theirs := mustAPIClient(t, f, mustOrg(t, db, "Other Org", "other.example.test").ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		_, site := mustAPICustomerSite(t, ours, "C-1", "S-1")
		var j api.Job
		ours.must(201, &j, "PUT", "/api/v1/jobs/by-external-id/J-1", `{"site_id":"`+site.ID+`","kind":"service"}`)
		var x api.Appointment
		ours.must(201, &x, "PUT", "/api/v1/appointments/by-external-id/SHARED",
			`{"job_id":"`+j.ID+`","starts_at":"2026-03-02T09:00:00Z","ends_at":"2026-03-02T10:00:00Z"}`)

		theirs.problem(404, nil, "GET", "/api/v1/appointments/"+x.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/appointments/"+x.ID, `{"description":"Taken"}`)
		theirs.problem(422, []string{"job_id"}, "POST", "/api/v1/appointments",
			`{"job_id":"`+j.ID+`","starts_at":"2026-03-02T09:00:00Z","ends_at":"2026-03-02T10:00:00Z"}`)
		theirs.problem(422, []string{"job_external_id"}, "POST", "/api/v1/appointments", `{"job_external_id":"J-1"}`)
		var list api.List[api.Appointment]
		theirs.must(200, &list, "GET", "/api/v1/appointments?external_id=SHARED", "")
		if len(list.Data) != 0 {
			t.Errorf("their list shows ours: %+v", list)
		}
		_, theirSite := mustAPICustomerSite(t, theirs, "C-1", "S-1")
		var tx api.Appointment
		theirs.must(201, &tx, "PUT", "/api/v1/appointments/by-external-id/SHARED",
			`{"site_id":"`+theirSite.ID+`","starts_at":"2026-03-03T09:00:00Z","ends_at":"2026-03-03T10:00:00Z"}`)
		var again api.Appointment
		ours.must(200, &again, "GET", "/api/v1/appointments/"+x.ID, "")
		if tx.ID == x.ID || again.SiteID != site.ID || again.StartsAt.Day() != 2 {
			t.Errorf("their upsert touched ours: %+v / %+v", tx, again)
		}
	})
}
