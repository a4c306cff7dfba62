package server

import (
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestVisitReportETag: a job's report carries an ETag as every record of
// the API does, and a PUT under If-Match replaces only the version named
// (412 when stale, or when there is no report yet to match).
func TestVisitReportETag(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "")
		c.checkResponses()
		j := &fieldportal.Job{SiteID: f.site["dock"].ID, Kind: fieldportal.JobService, Stage: fieldportal.StageInProgress, Number: "J-78"}
		if err := db.CreateJob(t.Context(), f.sys, j); err != nil {
			t.Fatal(err)
		}
		report := "/api/v1/job-reports/" + j.ID
		t.Run("If-Match on a report not yet sent is stale", func(t *testing.T) {
			c.problem(412, nil, "PUT", report, `{"notes":"First"}`, "If-Match", `"0123456789abcdef0123456789abcdef"`)
			c.problem(412, nil, "PUT", report, `{"notes":"First"}`, "If-Match", "*")
		})
		var rep api.VisitReport
		made := c.must(201, &rep, "PUT", report, `{"notes":"First"}`)
		got := c.must(200, &rep, "GET", report, "")
		tag := got.Header.Get("ETag")
		t.Run("the write and the read give the same ETag", func(t *testing.T) {
			if tag == "" || made.Header.Get("ETag") != tag {
				t.Errorf("PUT ETag %q, GET ETag %q", made.Header.Get("ETag"), tag)
			}
		})
		t.Run("a PUT over the version read", func(t *testing.T) {
			res := c.must(200, &rep, "PUT", report, `{"notes":"Second"}`, "If-Match", tag)
			if rep.Notes != "Second" || res.Header.Get("ETag") == tag || res.Header.Get("ETag") == "" {
				t.Errorf("notes %q, ETag %q after %q", rep.Notes, res.Header.Get("ETag"), tag)
			}
		})
		t.Run("a PUT over a stale version is refused", func(t *testing.T) {
			c.problem(412, nil, "PUT", report, `{"notes":"Lost update"}`, "If-Match", tag)
			c.must(200, &rep, "GET", report, "")
			if rep.Notes != "Second" {
				t.Errorf("notes = %q after a stale write", rep.Notes)
			}
		})
	})
}
