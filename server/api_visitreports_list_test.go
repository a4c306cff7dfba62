package server

import (
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// mustReportedJob makes a complete service job at a site with a report
// sent through the API.
func mustReportedJob(t *testing.T, db *sqlstore.DB, orgID string, c *apiClient, siteID, notes string) string {
	t.Helper()
	j := &fieldportal.Job{SiteID: siteID, Kind: fieldportal.JobService, Stage: fieldportal.StageComplete}
	if err := db.CreateJob(t.Context(), fieldportal.SystemViewer(orgID, "test"), j); err != nil {
		t.Fatal(err)
	}
	c.must(201, nil, "PUT", "/api/v1/job-reports/"+j.ID, `{"notes":"`+notes+`"}`)
	return j.ID
}

// walkReports follows next_cursor from path, returning the reports read.
func walkReports(t *testing.T, c *apiClient, path string) []api.VisitReport {
	t.Helper()
	var out []api.VisitReport
	next := path
	for next != "" {
		var list api.List[api.VisitReport]
		c.must(200, &list, "GET", next, "")
		out = append(out, list.Data...)
		next = ""
		if list.NextCursor != nil {
			next = path + "&cursor=" + url.QueryEscape(*list.NextCursor)
		}
	}
	return out
}

func reportJobs(l []api.VisitReport) []string {
	out := make([]string, len(l))
	for i, r := range l {
		out[i] = r.JobID
	}
	return out
}

// TestAPIVisitReportsList checks the list of visit reports (issues 19
// and 22): each report as its GET shows it, newest job first, filtered
// by job and site, and the sync walk by updated_since oldest change
// first, a photo added or removed bringing the report again, a report
// changed within the lag of the sync horizon left for the next sync.
func TestAPIVisitReportsList(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "")
		c.checkResponses()
		base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		at := base
		db.Now = func() time.Time { return at }
		t.Cleanup(func() { db.Now = time.Now })
		var jobs []string
		for i, site := range []string{"dock", "dock", "hq"} {
			at = base.Add(time.Duration(i) * time.Minute)
			jobs = append(jobs, mustReportedJob(t, db, f.org.ID, c, f.site[site].ID, "Visit "+site))
		}
		// A photo added later brings the first report after the others.
		at = base.Add(10 * time.Minute)
		body, ctype := photoBody(t, "p.png", mustPhotoPNG(t, 20, 10), "The panel")
		var photo api.VisitPhoto
		c.must(201, &photo, "POST", "/api/v1/jobs/"+jobs[0]+"/report/photos", body, "Content-Type", ctype)
		// One sent just now is within the lag of the horizon.
		db.Now = time.Now
		late := mustReportedJob(t, db, f.org.ID, c, f.site["dock"].ID, "Late")
		all := append(slices.Clone(jobs), late)

		t.Run("newest job first, each as its GET shows it", func(t *testing.T) {
			got := walkReports(t, c, "/api/v1/job-reports?limit=2")
			want := slices.Clone(all)
			slices.Sort(want)
			slices.Reverse(want)
			if diff := cmp.Diff(want, reportJobs(got)); diff != "" {
				t.Errorf("jobs (-want +got):\n%s", diff)
			}
			for _, r := range got {
				var one api.VisitReport
				c.must(200, &one, "GET", "/api/v1/job-reports/"+r.JobID, "")
				if diff := cmp.Diff(one, r); diff != "" {
					t.Errorf("report %s (-GET +list):\n%s", r.JobID, diff)
				}
			}
		})
		t.Run("filters", func(t *testing.T) {
			if diff := cmp.Diff([]string{jobs[2]}, reportJobs(walkReports(t, c, "/api/v1/job-reports?site_id="+f.site["hq"].ID))); diff != "" {
				t.Errorf("site_id (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{jobs[1]}, reportJobs(walkReports(t, c, "/api/v1/job-reports?job_id="+jobs[1]))); diff != "" {
				t.Errorf("job_id (-want +got):\n%s", diff)
			}
			c.problem(400, []string{"stage"}, "GET", "/api/v1/job-reports?stage=complete", "")
			c.problem(400, []string{"limit"}, "GET", "/api/v1/job-reports?limit=501", "")
			c.problem(400, []string{"cursor"}, "GET", "/api/v1/job-reports?cursor=bad", "")
			// A forged cursor holding a number for the job's id is refused,
			// not handed to PostgreSQL to compare with text.
			c.problem(400, []string{"cursor"}, "GET", "/api/v1/job-reports?cursor="+forgeCursor(`[5]`, false), "")
			c.problem(400, []string{"cursor"}, "GET", "/api/v1/job-reports?updated_since=2026-01-01T00:00:00Z&cursor="+
				forgeCursor(`["t:2026-01-01T00:00:00Z",5]`, true), "")
		})
		t.Run("the sync walk", func(t *testing.T) {
			since := base.Add(time.Minute).Format(time.RFC3339) // at or after: the second is in
			got := walkReports(t, c, "/api/v1/job-reports?limit=1&updated_since="+since)
			if diff := cmp.Diff([]string{jobs[1], jobs[2], jobs[0]}, reportJobs(got)); diff != "" {
				t.Errorf("synced (-want +got):\n%s", diff)
			}
			if len(got) == 3 && (len(got[2].Photos) != 1 || got[2].Photos[0].ID != photo.ID) {
				t.Errorf("the report's photos = %+v", got[2].Photos)
			}
			// The photo removed brings the report again, without it.
			at = base.Add(20 * time.Minute)
			db.Now = func() time.Time { return at }
			c.must(204, nil, "DELETE", "/api/v1/jobs/"+jobs[0]+"/report/photos/"+photo.ID, "")
			db.Now = time.Now
			since = base.Add(15 * time.Minute).Format(time.RFC3339)
			got = walkReports(t, c, "/api/v1/job-reports?updated_since="+since)
			if len(got) != 1 || got[0].JobID != jobs[0] || len(got[0].Photos) != 0 {
				t.Errorf("after the photo's removal synced %+v", got)
			}
		})
	})
}

// TestAPIVisitReportsOtherOrganisation checks a key lists its own
// organisation's reports alone.
func TestAPIVisitReportsOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ourOrg := mustOrg(t, db, "Our Org", "ours.example.test")
		ours := mustAPIClient(t, f, ourOrg.ID, "ours.example.test")
		other := mustOrg(t, db, "Other Org", "other.example.test")
		theirs := mustAPIClient(t, f, other.ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		_, site := mustAPICustomerSite(t, ours, "C-1", "S-1")
		job := mustReportedJob(t, db, ourOrg.ID, ours, site.ID, "Ours")
		theirs.problem(404, nil, "GET", "/api/v1/job-reports/"+job, "")
		for _, q := range []string{"", "?job_id=" + job, "?site_id=" + site.ID,
			"?updated_since=" + url.QueryEscape(time.Now().Add(-time.Hour).Format(time.RFC3339))} {
			var list api.List[api.VisitReport]
			theirs.must(200, &list, "GET", "/api/v1/job-reports"+q, "")
			if len(list.Data) != 0 {
				t.Errorf("their list %q shows ours: %+v", q, list)
			}
		}
		var list api.List[api.VisitReport]
		ours.must(200, &list, "GET", "/api/v1/job-reports?job_id="+job, "")
		if len(list.Data) != 1 {
			t.Errorf("our list = %+v", list)
		}
	})
}
