package server

import (
	"fmt"
	"net/url"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// mustAPICustomerSite makes a customer and a site through the API, with
// the external ids given, and returns them.
func mustAPICustomerSite(t *testing.T, c *apiClient, custExt, siteExt string) (api.Customer, api.Site) {
	t.Helper()
	var cu api.Customer
	c.must(201, &cu, "POST", "/api/v1/customers", `{"name":"Harbour `+custExt+`","external_id":"`+custExt+`"}`)
	var s api.Site
	c.must(201, &s, "POST", "/api/v1/sites",
		`{"name":"Dock `+siteExt+`","external_id":"`+siteExt+`","customer_id":"`+cu.ID+`","address":{"line1":"1 Dock"}}`)
	return cu, s
}

// TestAPIJobs walks the jobs resource end to end on both engines: items
// inside the job, the site by external id, stage moves by the console's
// rules with their history, upserts, filters and bad input.
func TestAPIJobs(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		cu, site := mustAPICustomerSite(t, c, "C-1", "S-1")

		var made api.Job
		res := c.must(201, &made, "POST", "/api/v1/jobs", `{"site_external_id":"S-1","kind":"service","order_no":"PO-9","currency":"`+f.org.Currency+`",
			"description":"Boiler service","preferred_date":"2026-03-02","preferred_window":"am",
			"items":[{"code":"LAB","description":"Labour","quantity":2,"unit_price":4500},
			         {"code":"PART","description":"Valve","quantity":1,"unit_price":1299,"total":1200}]}`)
		t.Run("create answers the job with its items and currency", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/jobs/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			if made.SiteID != site.ID || made.CustomerID != cu.ID || made.Stage != "pending" || made.Kind != "service" ||
				made.Number == "" || made.Currency != f.org.Currency || made.PreferredDate == nil ||
				made.PreferredDate.String() != "2026-03-02" || made.ScheduledStart != nil || made.CreatedInPortal {
				t.Errorf("job = %+v", made)
			}
			type line struct {
				Code         string
				Qty, Unit, T int64
			}
			var got []line
			for _, it := range made.Items {
				got = append(got, line{it.Code, it.Quantity, it.UnitPrice, it.Total})
			}
			if diff := cmp.Diff([]line{{"LAB", 2, 4500, 9000}, {"PART", 1, 1299, 1200}}, got); diff != "" {
				t.Errorf("items (-want +got):\n%s", diff)
			}
		})
		t.Run("get answers the same job", func(t *testing.T) {
			var got api.Job
			c.must(200, &got, "GET", "/api/v1/jobs/"+made.ID, "")
			if diff := cmp.Diff(made, got); diff != "" {
				t.Errorf("(-created +got):\n%s", diff)
			}
		})
		t.Run("patch changes only the fields sent", func(t *testing.T) {
			var got api.Job
			c.must(200, &got, "PATCH", "/api/v1/jobs/"+made.ID, `{"technician":"Ana","scheduled_start":"2026-03-02T09:00:00+01:00"}`)
			if got.Technician != "Ana" || got.ScheduledStart == nil || got.ScheduledStart.Hour() != 8 ||
				got.Description != "Boiler service" || len(got.Items) != 2 || got.Stage != "pending" {
				t.Errorf("job = %+v", got)
			}
			c.must(200, &got, "PATCH", "/api/v1/jobs/"+made.ID, `{"items":[{"code":"LAB","quantity":3,"unit_price":4500}]}`)
			if len(got.Items) != 1 || got.Items[0].Total != 13500 {
				t.Errorf("items = %+v", got.Items)
			}
		})
		t.Run("stage moves follow the console's moves and are in the history", func(t *testing.T) {
			var got api.Job
			c.must(200, &got, "PATCH", "/api/v1/jobs/"+made.ID, `{"stage":"scheduled","stage_note":"Booked by phone"}`)
			if got.Stage != "scheduled" {
				t.Errorf("stage = %s", got.Stage)
			}
			c.problem(422, []string{"stage"}, "PATCH", "/api/v1/jobs/"+made.ID, `{"stage":"invoiced","technician":"Bo"}`)
			c.must(200, &got, "GET", "/api/v1/jobs/"+made.ID, "")
			if got.Stage != "scheduled" || got.Technician != "Ana" {
				t.Errorf("a refused move saved something: %+v", got)
			}
			c.problem(422, []string{"stage_note"}, "PATCH", "/api/v1/jobs/"+made.ID, `{"stage_note":"no move"}`)
			hist, err := db.FindJobHistory(t.Context(), fieldportal.SystemViewer(f.org.ID, "test"), made.ID)
			if err != nil {
				t.Fatal(err)
			}
			type change struct{ From, To, Note string }
			var moves []change
			for _, h := range hist {
				moves = append(moves, change{string(h.From), string(h.To), h.Note})
			}
			want := []change{{"", "pending", ""}, {"pending", "scheduled", "Booked by phone"}}
			if diff := cmp.Diff(want, moves); diff != "" {
				t.Errorf("history (-want +got):\n%s", diff)
			}
		})
		t.Run("If-Match: a stale version is refused", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/jobs/"+made.ID, "").Header.Get("ETag")
			c.must(200, nil, "PATCH", "/api/v1/jobs/"+made.ID, `{"order_no":"PO-10"}`, "If-Match", stale)
			c.problem(412, nil, "PATCH", "/api/v1/jobs/"+made.ID, `{"order_no":"PO-11"}`, "If-Match", stale)
			c.problem(412, nil, "PATCH", "/api/v1/jobs/"+made.ID, `{"stage":"in_progress"}`, "If-Match", stale)
		})
		t.Run("upsert by external id twice leaves one job; a replace sets any stage", func(t *testing.T) {
			body := `{"site_id":"` + site.ID + `","kind":"install","stage":"complete","items":[{"code":"X","quantity":1,"unit_price":100}]}`
			var first, second api.Job
			c.must(201, &first, "PUT", "/api/v1/jobs/by-external-id/J-1", body)
			c.must(200, &second, "PUT", "/api/v1/jobs/by-external-id/J-1", body)
			if first.ID != second.ID || second.Stage != "complete" || second.CompletedAt == nil || second.Number != first.Number {
				t.Errorf("first %+v, second %+v", first, second)
			}
			var kept api.Job
			c.must(200, &kept, "PUT", "/api/v1/jobs/by-external-id/J-1", `{"site_id":"`+site.ID+`","kind":"install"}`)
			if kept.Stage != "complete" || len(kept.Items) != 0 {
				t.Errorf("a replace without a stage: %+v", kept)
			}
			var list api.List[api.Job]
			c.must(200, &list, "GET", "/api/v1/jobs?external_id=J-1", "")
			if len(list.Data) != 1 || list.Data[0].ID != first.ID {
				t.Errorf("list = %+v", list)
			}
		})
		t.Run("filters", func(t *testing.T) {
			_, other := mustAPICustomerSite(t, c, "C-2", "S-2")
			c.must(201, nil, "POST", "/api/v1/jobs", `{"site_id":"`+other.ID+`","kind":"service"}`)
			ids := func(path string) []string {
				var list api.List[api.Job]
				c.must(200, &list, "GET", path, "")
				var out []string
				for _, j := range list.Data {
					out = append(out, j.ID+" "+j.Kind+" "+j.Stage)
				}
				return out
			}
			first := ids("/api/v1/jobs?external_id=J-1")[0]
			for path, want := range map[string][]string{
				"/api/v1/jobs?customer_id=" + cu.ID:                    {first, made.ID + " service scheduled"},
				"/api/v1/jobs?site_id=" + site.ID + "&kind=service":    {made.ID + " service scheduled"},
				"/api/v1/jobs?stage=complete":                          {first},
				"/api/v1/jobs?customer_id=" + cu.ID + "&stage=pending": nil,
			} {
				if diff := cmp.Diff(want, ids(path)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", path, diff)
				}
			}
			c.problem(400, []string{"kind", "stage"}, "GET", "/api/v1/jobs?kind=repair&stage=done", "")
			c.problem(400, []string{"technician"}, "GET", "/api/v1/jobs?technician=Ana", "")
		})
		t.Run("lists page and sync by updated_since", func(t *testing.T) {
			base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
			at := base
			db.Now = func() time.Time { return at }
			defer func() { db.Now = time.Now }()
			var old []string
			for i := range 3 {
				at = base.Add(time.Duration(i) * time.Minute)
				var j api.Job
				c.must(201, &j, "POST", "/api/v1/jobs", `{"site_id":"`+site.ID+`","kind":"install"}`)
				old = append(old, j.ID)
			}
			at = base.Add(10 * time.Minute)
			c.must(200, nil, "PATCH", "/api/v1/jobs/"+old[0], `{"description":"Changed later"}`)
			db.Now = time.Now
			c.must(201, nil, "POST", "/api/v1/jobs", `{"site_id":"`+site.ID+`","kind":"install"}`) // beyond the horizon
			since := base.Add(time.Minute).Format(time.RFC3339)
			var got []string
			path := "/api/v1/jobs?limit=1&kind=install&updated_since=" + since
			for path != "" {
				var list api.List[api.Job]
				c.must(200, &list, "GET", path, "")
				for _, j := range list.Data {
					got = append(got, j.ID)
				}
				path = ""
				if list.NextCursor != nil {
					path = "/api/v1/jobs?limit=1&kind=install&updated_since=" + since + "&cursor=" + url.QueryEscape(*list.NextCursor)
				}
			}
			if diff := cmp.Diff([]string{old[1], old[2], old[0]}, got); diff != "" {
				t.Errorf("synced (-want +got):\n%s", diff)
			}
			var all api.List[api.Job]
			c.must(200, &all, "GET", "/api/v1/jobs?limit=2", "")
			if len(all.Data) != 2 || all.NextCursor == nil {
				t.Errorf("first page = %d jobs, next %v", len(all.Data), all.NextCursor)
			}
		})
		t.Run("a read key reads jobs, issues and quotes and writes none", func(t *testing.T) {
			key, _, err := db.CreateAPIKey(t.Context(), fieldportal.SystemViewer(f.org.ID, "test"), "Reader", fieldportal.APIKeyRead)
			if err != nil {
				t.Fatal(err)
			}
			reader := &apiClient{t: t, h: c.h, host: c.host, key: key, onResponse: c.onResponse}
			reader.must(200, nil, "GET", "/api/v1/jobs/"+made.ID, "")
			reader.problem(403, nil, "PATCH", "/api/v1/jobs/"+made.ID, `{"description":"No"}`)
			for _, path := range []string{"/api/v1/jobs", "/api/v1/issues", "/api/v1/quotes"} {
				reader.must(200, nil, "GET", path, "")
				reader.problem(403, nil, "POST", path, `{"site_id":"`+site.ID+`","kind":"service","title":"No"}`)
				reader.problem(403, nil, "PUT", path+"/by-external-id/R-1", `{"site_id":"`+site.ID+`"}`)
			}
		})
		t.Run("bad input names the fields", func(t *testing.T) {
			c.problem(422, []string{"site_id", "kind"}, "POST", "/api/v1/jobs", `{}`)
			c.problem(422, []string{"currency"}, "POST", "/api/v1/jobs", `{"site_id":"`+site.ID+`","kind":"service","currency":"XXX"}`)
			c.problem(422, []string{"preferred_date", "scheduled_end"}, "POST", "/api/v1/jobs",
				`{"site_id":"`+site.ID+`","kind":"service","preferred_date":"02/03/2026","scheduled_end":"tomorrow"}`)
			c.problem(422, []string{"scheduled_end"}, "POST", "/api/v1/jobs",
				`{"site_id":"`+site.ID+`","kind":"service","scheduled_start":"2026-03-02T10:00:00Z","scheduled_end":"2026-03-02T09:00:00Z"}`)
			c.problem(400, []string{"items[1].colour"}, "POST", "/api/v1/jobs",
				`{"site_id":"`+site.ID+`","kind":"service","items":[{"code":"A","quantity":1},{"colour":"red"}]}`)
			c.problem(400, []string{"items[0]"}, "POST", "/api/v1/jobs", `{"site_id":"`+site.ID+`","kind":"service","items":[5]}`)
			c.problem(422, []string{"items"}, "POST", "/api/v1/jobs", `{"site_id":"`+site.ID+`","kind":"service","items":[{"code":"A"}]}`)
			c.problem(422, []string{"site_external_id"}, "POST", "/api/v1/jobs", `{"site_external_id":"NOPE","kind":"service"}`)
			c.problem(422, []string{"site_external_id"}, "POST", "/api/v1/jobs",
				`{"site_id":"`+site.ID+`","site_external_id":"S-1","kind":"service"}`)
			c.problem(422, []string{"stage_note"}, "POST", "/api/v1/jobs", `{"site_id":"`+site.ID+`","kind":"service","stage_note":"x"}`)
			c.problem(422, []string{"external_id"}, "PUT", "/api/v1/jobs/by-external-id/J-1", `{"external_id":"J-2"}`)
			c.problem(404, nil, "GET", "/api/v1/jobs/no-such-job", "")
		})
	})
}

// TestAPIJobsOtherOrganisation checks a key reaches its own
// organisation's jobs alone, by id, by external id and as a reference.
func TestAPIJobsOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		theirs := mustAPIClient(t, f, mustOrg(t, db, "Other Org", "other.example.test").ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		_, site := mustAPICustomerSite(t, ours, "C-1", "S-1")
		var j api.Job
		ours.must(201, &j, "PUT", "/api/v1/jobs/by-external-id/SHARED", `{"site_id":"`+site.ID+`","kind":"service"}`)

		theirs.problem(404, nil, "GET", "/api/v1/jobs/"+j.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/jobs/"+j.ID, `{"description":"Taken"}`)
		theirs.problem(422, []string{"site_id"}, "POST", "/api/v1/jobs", `{"site_id":"`+site.ID+`","kind":"service"}`)
		theirs.problem(422, []string{"site_external_id"}, "POST", "/api/v1/jobs", `{"site_external_id":"S-1","kind":"service"}`)
		var list api.List[api.Job]
		theirs.must(200, &list, "GET", "/api/v1/jobs?external_id=SHARED", "")
		if len(list.Data) != 0 {
			t.Errorf("their list shows ours: %+v", list)
		}
		_, theirSite := mustAPICustomerSite(t, theirs, "C-1", "S-1")
		var tj api.Job
		theirs.must(201, &tj, "PUT", "/api/v1/jobs/by-external-id/SHARED", fmt.Sprintf(`{"site_id":%q,"kind":"install"}`, theirSite.ID))
		var again api.Job
		ours.must(200, &again, "GET", "/api/v1/jobs/"+j.ID, "")
		if tj.ID == j.ID || again.Kind != "service" || again.SiteID != site.ID {
			t.Errorf("their upsert touched ours: %+v / %+v", tj, again)
		}
	})
}

// A job's or a quote's item may name only a catalogue item of the key's
// own organisation: another's item id is refused, naming items, and is
// never stored on the record.
func TestAPIItemsOfAnotherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		theirOrg := mustOrg(t, db, "Other Org", "other.example.test")
		ours.checkResponses()
		theirItem := &fieldportal.Item{Code: "SECRET", Name: "Their item", UnitPrice: 12345, Active: true}
		if err := db.CreateItem(t.Context(), fieldportal.SystemViewer(theirOrg.ID, "test"), theirItem); err != nil {
			t.Fatal(err)
		}
		_, site := mustAPICustomerSite(t, ours, "C-1", "S-1")
		item := fmt.Sprintf(`"items":[{"item_id":%q,"code":"X","description":"Borrowed","quantity":1,"unit_price":100}]`, theirItem.ID)
		// The client fails the test itself (its t is this one), so no
		// subtests: each case names itself by its method and path.
		for _, tc := range []struct{ name, method, path, body string }{
			{"job create", "POST", "/api/v1/jobs", fmt.Sprintf(`{"site_id":%q,"kind":"service",%s}`, site.ID, item)},
			{"job upsert", "PUT", "/api/v1/jobs/by-external-id/J-1", fmt.Sprintf(`{"site_id":%q,"kind":"service",%s}`, site.ID, item)},
			{"quote create", "POST", "/api/v1/quotes", fmt.Sprintf(`{"site_id":%q,%s}`, site.ID, item)},
			{"quote upsert", "PUT", "/api/v1/quotes/by-external-id/Q-1", fmt.Sprintf(`{"site_id":%q,%s}`, site.ID, item)},
		} {
			ours.problem(422, []string{"items"}, tc.method, tc.path, tc.body)
		}
	})
}

// An item's amounts are bounded as the quote pricing's are (quantity at
// most 1,000,000, unit price at most 100,000,000.00, total at most their
// product), so that many items or a huge quantity never wrap a total round
// in int64.
func TestAPIItemAmountsBounded(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		_, site := mustAPICustomerSite(t, c, "C-1", "S-1")
		for _, item := range []string{
			`{"description":"Wraps","quantity":4611686018427387904,"unit_price":4}`,
			`{"description":"Many","quantity":1000001,"unit_price":1}`,
			`{"description":"Dear","quantity":1,"unit_price":10000000001}`,
			`{"description":"Owed","quantity":1,"unit_price":-100}`,
			`{"description":"Set","quantity":1,"unit_price":100,"total":9223372036854775807}`,
		} {
			c.problem(422, []string{"items"}, "POST", "/api/v1/jobs", fmt.Sprintf(`{"site_id":%q,"kind":"service","items":[%s]}`, site.ID, item))
			c.problem(422, []string{"items"}, "POST", "/api/v1/quotes", fmt.Sprintf(`{"site_id":%q,"items":[%s]}`, site.ID, item))
		}
	})
}
