package server

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// TestAPIIssues walks the issues resource end to end on both engines: the
// site by external id, closing and reopening as the console does (with
// the history), upserts, filters and bad input.
func TestAPIIssues(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		cu, site := mustAPICustomerSite(t, c, "C-1", "S-1")

		var made api.Issue
		res := c.must(201, &made, "POST", "/api/v1/issues", `{"site_external_id":"S-1","title":"Leak in plant room","description":"Drip"}`)
		t.Run("create answers the issue, open and of normal priority", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/issues/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			if made.SiteID != site.ID || made.CustomerID != cu.ID || made.Status != "open" || made.Priority != "normal" ||
				made.Number == "" || made.ClosedAt != nil || made.ReportedBy != nil || made.ExternalID != nil {
				t.Errorf("issue = %+v", made)
			}
			var got api.Issue
			c.must(200, &got, "GET", "/api/v1/issues/"+made.ID, "")
			if diff := cmp.Diff(made, got); diff != "" {
				t.Errorf("get (-created +got):\n%s", diff)
			}
		})
		t.Run("patch changes only the fields sent", func(t *testing.T) {
			var got api.Issue
			c.must(200, &got, "PATCH", "/api/v1/issues/"+made.ID, `{"priority":"urgent"}`)
			if got.Priority != "urgent" || got.Title != "Leak in plant room" || got.Description != "Drip" || got.Status != "open" {
				t.Errorf("issue = %+v", got)
			}
		})
		t.Run("status closes and reopens as the console does, with the history", func(t *testing.T) {
			var got api.Issue
			c.must(200, &got, "PATCH", "/api/v1/issues/"+made.ID, `{"status":"closed","description":"Fixed on site"}`)
			if got.Status != "closed" || got.ClosedAt == nil || got.Description != "Fixed on site" {
				t.Errorf("closed = %+v", got)
			}
			c.must(200, &got, "PATCH", "/api/v1/issues/"+made.ID, `{"status":"open"}`)
			if got.Status != "open" || got.ClosedAt != nil {
				t.Errorf("reopened = %+v", got)
			}
			c.problem(422, []string{"status"}, "PATCH", "/api/v1/issues/"+made.ID, `{"status":"done","title":"Renamed"}`)
			c.must(200, &got, "GET", "/api/v1/issues/"+made.ID, "")
			if got.Title != "Leak in plant room" {
				t.Errorf("a refused status saved the title: %+v", got)
			}
			hist, err := db.FindIssueHistory(t.Context(), fieldportal.SystemViewer(f.org.ID, "test"), made.ID)
			if err != nil {
				t.Fatal(err)
			}
			var kinds []string
			for _, h := range hist {
				kinds = append(kinds, string(h.Kind))
			}
			if diff := cmp.Diff([]string{"reported", "closed", "reopened"}, kinds); diff != "" {
				t.Errorf("history (-want +got):\n%s", diff)
			}
		})
		t.Run("If-Match: a stale version is refused", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/issues/"+made.ID, "").Header.Get("ETag")
			c.must(200, nil, "PATCH", "/api/v1/issues/"+made.ID, `{"priority":"low"}`, "If-Match", stale)
			c.problem(412, nil, "PATCH", "/api/v1/issues/"+made.ID, `{"priority":"high"}`, "If-Match", stale)
		})
		t.Run("upsert by external id twice leaves one issue; a replace without a status keeps it", func(t *testing.T) {
			body := `{"site_id":"` + site.ID + `","title":"Door sticks","status":"closed","priority":"high"}`
			var first, second, kept api.Issue
			c.must(201, &first, "PUT", "/api/v1/issues/by-external-id/I-1", body)
			c.must(200, &second, "PUT", "/api/v1/issues/by-external-id/I-1", body)
			if first.ID != second.ID || second.Status != "closed" || second.ClosedAt == nil || *second.ExternalID != "I-1" {
				t.Errorf("first %+v, second %+v", first, second)
			}
			c.must(200, &kept, "PUT", "/api/v1/issues/by-external-id/I-1", `{"site_external_id":"S-1","title":"Door sticks again"}`)
			if kept.Status != "closed" || kept.Priority != "normal" || kept.Title != "Door sticks again" {
				t.Errorf("replace = %+v", kept)
			}
		})
		t.Run("filters", func(t *testing.T) {
			_, other := mustAPICustomerSite(t, c, "C-2", "S-2")
			var elsewhere api.Issue
			c.must(201, &elsewhere, "POST", "/api/v1/issues", `{"site_id":"`+other.ID+`","title":"Roof"}`)
			first := mustIssueIDs(t, c, "/api/v1/issues?external_id=I-1")
			for path, want := range map[string][]string{
				"/api/v1/issues?site_id=" + site.ID:                  {first[0], made.ID},
				"/api/v1/issues?status=open":                         {elsewhere.ID, made.ID},
				"/api/v1/issues?status=closed&site_id=" + other.ID:   nil,
				"/api/v1/issues?site_id=" + other.ID + "&limit=1":    {elsewhere.ID},
				"/api/v1/issues?status=closed&external_id=I-1":       {first[0]},
				"/api/v1/issues?status=open&external_id=I-1&limit=5": nil,
			} {
				if diff := cmp.Diff(want, mustIssueIDs(t, c, path)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", path, diff)
				}
			}
			c.problem(400, []string{"status"}, "GET", "/api/v1/issues?status=pending", "")
			c.problem(400, []string{"priority"}, "GET", "/api/v1/issues?priority=high", "")
		})
		t.Run("an issue made through the API is an issue.created event from the api", func(t *testing.T) {
			e, err := db.CreateWebhookEndpoint(t.Context(), f.sys, fieldportal.WebhookEndpointInput{URL: "https://hooks.example.com/fp",
				Events: []string{"issue.created"}})
			if err != nil {
				t.Fatal(err)
			}
			var x api.Issue
			c.must(201, &x, "POST", "/api/v1/issues", `{"site_id":"`+site.ID+`","title":"Hooked"}`)
			ds, _, err := db.FindWebhookDeliveries(t.Context(), f.sys, e.ID, fieldportal.Page{})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, d := range ds {
				var body struct {
					Type, Source string
					Data         map[string]any
				}
				if err := json.Unmarshal([]byte(d.Payload), &body); err != nil {
					t.Fatal(err)
				}
				got = append(got, fmt.Sprint(body.Type, " ", body.Source, " ", body.Data["id"]))
				// The data is the record as the API shows it: the same
				// fields, named as a GET names them.
				var shown map[string]any
				if err := json.Unmarshal([]byte(mustJSON(t, x)), &shown); err != nil {
					t.Fatal(err)
				}
				if diff := cmp.Diff(slices.Sorted(maps.Keys(shown)), slices.Sorted(maps.Keys(body.Data))); diff != "" {
					t.Errorf("the event's data fields differ from the API's issue (-api +event):\n%s", diff)
				}
				if body.Data["site_id"] != site.ID || body.Data["title"] != "Hooked" {
					t.Errorf("event data %v, want the issue at site %s titled Hooked", body.Data, site.ID)
				}
			}
			if diff := cmp.Diff([]string{"issue.created api " + x.ID}, got); diff != "" {
				t.Errorf("events (-want +got):\n%s", diff)
			}
		})
		t.Run("bad input names the fields", func(t *testing.T) {
			c.problem(422, []string{"title", "site_id"}, "POST", "/api/v1/issues", `{}`)
			c.problem(422, []string{"priority", "status"}, "POST", "/api/v1/issues",
				`{"site_id":"`+site.ID+`","title":"X","priority":"soon","status":"new"}`)
			c.problem(422, []string{"asset_id"}, "POST", "/api/v1/issues", `{"site_id":"`+site.ID+`","title":"X","asset_id":"nope"}`)
			c.problem(422, []string{"site_external_id"}, "POST", "/api/v1/issues", `{"site_external_id":"NOPE","title":"X"}`)
			c.problem(400, []string{"colour"}, "POST", "/api/v1/issues", `{"site_id":"`+site.ID+`","title":"X","colour":"red"}`)
			c.problem(422, []string{"external_id"}, "PUT", "/api/v1/issues/by-external-id/I-1", `{"external_id":"I-2"}`)
			c.problem(404, nil, "GET", "/api/v1/issues/no-such-issue", "")
		})
	})
}

// mustIssueIDs lists the ids of the issues of a list's first page.
func mustIssueIDs(t *testing.T, c *apiClient, path string) []string {
	t.Helper()
	var list api.List[api.Issue]
	c.must(200, &list, "GET", path, "")
	var out []string
	for _, x := range list.Data {
		out = append(out, x.ID)
	}
	return out
}

// TestAPIIssuesOtherOrganisation checks a key reaches its own
// organisation's issues alone, by id, by external id and as a reference.
func TestAPIIssuesOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		theirs := mustAPIClient(t, f, mustOrg(t, db, "Other Org", "other.example.test").ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		_, site := mustAPICustomerSite(t, ours, "C-1", "S-1")
		var x api.Issue
		ours.must(201, &x, "PUT", "/api/v1/issues/by-external-id/SHARED", `{"site_id":"`+site.ID+`","title":"Ours"}`)

		theirs.problem(404, nil, "GET", "/api/v1/issues/"+x.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/issues/"+x.ID, `{"status":"closed"}`)
		theirs.problem(422, []string{"site_id"}, "POST", "/api/v1/issues", `{"site_id":"`+site.ID+`","title":"X"}`)
		theirs.problem(422, []string{"site_external_id"}, "POST", "/api/v1/issues", `{"site_external_id":"S-1","title":"X"}`)
		if got := mustIssueIDs(t, theirs, "/api/v1/issues?external_id=SHARED"); len(got) != 0 {
			t.Errorf("their list shows ours: %v", got)
		}
		_, theirSite := mustAPICustomerSite(t, theirs, "C-1", "S-1")
		var tx api.Issue
		theirs.must(201, &tx, "PUT", "/api/v1/issues/by-external-id/SHARED", `{"site_id":"`+theirSite.ID+`","title":"Theirs"}`)
		var again api.Issue
		ours.must(200, &again, "GET", "/api/v1/issues/"+x.ID, "")
		if tx.ID == x.ID || again.Title != "Ours" || again.Status != "open" {
			t.Errorf("their upsert touched ours: %+v / %+v", tx, again)
		}
	})
}
