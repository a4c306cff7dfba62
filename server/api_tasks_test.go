package server

import (
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// TestAPITasks walks the tasks resource on both engines: the customer
// taken from the site, references by external id, filters, If-Match,
// upserts and bad input.
func TestAPITasks(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		cu, site := mustAPICustomerSite(t, c, "C-1", "S-1")
		var job api.Job
		c.must(201, &job, "PUT", "/api/v1/jobs/by-external-id/J-1", `{"site_id":"`+site.ID+`","kind":"service"}`)

		var made api.Task
		res := c.must(201, &made, "POST", "/api/v1/tasks",
			`{"site_external_id":"S-1","job_external_id":"J-1","subject":"Order valve","due_date":"2026-03-05","assignee":"Ana"}`)
		t.Run("create takes the site's customer and starts open", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/tasks/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			if made.CustomerID != cu.ID || made.SiteID == nil || *made.SiteID != site.ID || made.JobID == nil ||
				*made.JobID != job.ID || made.Status != "open" || made.DueDate == nil || made.DueDate.String() != "2026-03-05" {
				t.Errorf("task = %+v", made)
			}
			var got api.Task
			c.must(200, &got, "GET", "/api/v1/tasks/"+made.ID, "")
			if diff := cmp.Diff(made, got); diff != "" {
				t.Errorf("(-created +got):\n%s", diff)
			}
		})
		t.Run("patch changes only the fields sent; If-Match refuses a stale version", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/tasks/"+made.ID, "").Header.Get("ETag")
			var got api.Task
			c.must(200, &got, "PATCH", "/api/v1/tasks/"+made.ID, `{"status":"in_progress","due_date":""}`, "If-Match", stale)
			if got.Status != "in_progress" || got.DueDate != nil || got.Subject != "Order valve" || got.Assignee != "Ana" {
				t.Errorf("task = %+v", got)
			}
			c.problem(412, nil, "PATCH", "/api/v1/tasks/"+made.ID, `{"status":"done"}`, "If-Match", stale)
		})
		t.Run("upsert by external id twice leaves one task; a replace keeps the status", func(t *testing.T) {
			var first, second api.Task
			c.must(201, &first, "PUT", "/api/v1/tasks/by-external-id/T-1", `{"customer_external_id":"C-1","subject":"Call back","status":"done"}`)
			c.must(200, &second, "PUT", "/api/v1/tasks/by-external-id/T-1", `{"customer_id":"`+cu.ID+`","subject":"Call back again"}`)
			if first.ID != second.ID || second.Status != "done" || second.Subject != "Call back again" || second.SiteID != nil {
				t.Errorf("first %+v, second %+v", first, second)
			}
		})
		t.Run("filters", func(t *testing.T) {
			ids := func(path string) []string {
				var list api.List[api.Task]
				c.must(200, &list, "GET", path, "")
				var out []string
				for _, x := range list.Data {
					out = append(out, x.Subject+" "+x.Status)
				}
				return out
			}
			for path, want := range map[string][]string{
				"/api/v1/tasks?customer_id=" + cu.ID:         {"Call back again done", "Order valve in_progress"},
				"/api/v1/tasks?site_id=" + site.ID:           {"Order valve in_progress"},
				"/api/v1/tasks?job_id=" + job.ID:             {"Order valve in_progress"},
				"/api/v1/tasks?status=done":                  {"Call back again done"},
				"/api/v1/tasks?external_id=T-1":              {"Call back again done"},
				"/api/v1/tasks?status=open&job_id=" + job.ID: nil,
			} {
				if diff := cmp.Diff(want, ids(path)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", path, diff)
				}
			}
			c.problem(400, []string{"status"}, "GET", "/api/v1/tasks?status=closed", "")
			c.problem(400, []string{"assignee"}, "GET", "/api/v1/tasks?assignee=Ana", "")
		})
		t.Run("a read key reads tasks and writes none", func(t *testing.T) {
			key, _, err := db.CreateAPIKey(t.Context(), fieldportal.SystemViewer(f.org.ID, "test"), "Reader", fieldportal.APIKeyRead)
			if err != nil {
				t.Fatal(err)
			}
			reader := &apiClient{t: t, h: c.h, host: c.host, key: key, onResponse: c.onResponse}
			reader.must(200, nil, "GET", "/api/v1/tasks/"+made.ID, "")
			reader.must(200, nil, "GET", "/api/v1/tasks", "")
			reader.problem(403, nil, "POST", "/api/v1/tasks", `{"customer_id":"`+cu.ID+`","subject":"No"}`)
			reader.problem(403, nil, "PATCH", "/api/v1/tasks/"+made.ID, `{"subject":"No"}`)
			reader.problem(403, nil, "PUT", "/api/v1/tasks/by-external-id/R-1", `{"customer_id":"`+cu.ID+`","subject":"No"}`)
		})
		t.Run("bad input names the fields", func(t *testing.T) {
			c.problem(422, []string{"subject", "customer_id"}, "POST", "/api/v1/tasks", `{}`)
			c.problem(422, []string{"status"}, "POST", "/api/v1/tasks", `{"customer_id":"`+cu.ID+`","subject":"X","status":"closed"}`)
			c.problem(422, []string{"due_date"}, "POST", "/api/v1/tasks", `{"customer_id":"`+cu.ID+`","subject":"X","due_date":"5 March"}`)
			c.problem(422, []string{"customer_external_id"}, "POST", "/api/v1/tasks", `{"customer_external_id":"NOPE","subject":"X"}`)
			c.problem(422, []string{"job_external_id"}, "POST", "/api/v1/tasks", `{"customer_id":"`+cu.ID+`","subject":"X","job_external_id":"NOPE"}`)
			c.problem(422, []string{"external_id"}, "PUT", "/api/v1/tasks/by-external-id/T-1", `{"external_id":"T-2"}`)
			c.problem(400, []string{"colour"}, "POST", "/api/v1/tasks", `{"colour":"red"}`)
			c.problem(404, nil, "GET", "/api/v1/tasks/no-such-task", "")
		})
	})
}

// TestAPITasksOtherOrganisation checks a key reaches its own
// organisation's tasks alone, by id, by external id and as references.
func TestAPITasksOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		theirs := mustAPIClient(t, f, mustOrg(t, db, "Other Org", "other.example.test").ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		cu, _ := mustAPICustomerSite(t, ours, "C-1", "S-1")
		var x api.Task
		ours.must(201, &x, "PUT", "/api/v1/tasks/by-external-id/SHARED", `{"customer_id":"`+cu.ID+`","subject":"Ours"}`)

		theirs.problem(404, nil, "GET", "/api/v1/tasks/"+x.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/tasks/"+x.ID, `{"subject":"Taken"}`)
		theirs.problem(422, []string{"customer_id"}, "POST", "/api/v1/tasks", `{"customer_id":"`+cu.ID+`","subject":"X"}`)
		theirs.problem(422, []string{"customer_external_id"}, "POST", "/api/v1/tasks", `{"customer_external_id":"C-1","subject":"X"}`)
		var list api.List[api.Task]
		theirs.must(200, &list, "GET", "/api/v1/tasks?external_id=SHARED", "")
		if len(list.Data) != 0 {
			t.Errorf("their list shows ours: %+v", list)
		}
		theirCu, _ := mustAPICustomerSite(t, theirs, "C-1", "S-1")
		var tx api.Task
		theirs.must(201, &tx, "PUT", "/api/v1/tasks/by-external-id/SHARED", `{"customer_id":"`+theirCu.ID+`","subject":"Theirs"}`)
		var again api.Task
		ours.must(200, &again, "GET", "/api/v1/tasks/"+x.ID, "")
		if tx.ID == x.ID || again.Subject != "Ours" {
			t.Errorf("their upsert touched ours: %+v / %+v", tx, again)
		}
	})
}
