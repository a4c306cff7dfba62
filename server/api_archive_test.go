package server

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestAPIArchive walks the archive flag of customers and sites (issue 19):
// shown as archived and archived_at, set by PATCH, kept by an upsert that
// leaves it out, filtered by archived=, carried by the updated_since walk,
// a null refused naming the field, another organisation's record not
// found, and records still written at an archived site (the back office
// syncs history).
func TestAPIArchive(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		// Changes an hour ago, a minute apart: the sync walk leaves out
		// the last moments (a horizon).
		at := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		db.Now = func() time.Time { return at }
		t.Cleanup(func() { db.Now = time.Now })
		var cust api.Customer
		c.must(201, &cust, "PUT", "/api/v1/customers/by-external-id/C-1", `{"name":"Archived Ltd"}`)
		var site api.Site
		c.must(201, &site, "PUT", "/api/v1/sites/by-external-id/S-1",
			`{"name":"Old depot","customer_id":"`+cust.ID+`","address":{"line1":"1 Road"}}`)
		if cust.Archived || cust.ArchivedAt != nil || site.Archived || site.ArchivedAt != nil {
			t.Fatalf("new records archived: %+v %+v", cust, site)
		}
		since := at.Add(30 * time.Second).Format(time.RFC3339)

		for _, rs := range []struct {
			path, ext, body string
			id              string
		}{
			{"/api/v1/customers", "C-1", `{"name":"Archived Ltd 2"}`, cust.ID},
			{"/api/v1/sites", "S-1", `{"name":"Old depot 2","customer_id":"` + cust.ID + `","address":{"line1":"1 Road"}}`, site.ID},
		} {
			t.Run(rs.path, func(t *testing.T) {
				var before struct {
					UpdatedAt time.Time `json:"updated_at"`
				}
				c.must(200, &before, "GET", rs.path+"/"+rs.id, "")
				at = at.Add(time.Minute)
				var got struct {
					Archived   bool       `json:"archived"`
					ArchivedAt *time.Time `json:"archived_at"`
					UpdatedAt  time.Time  `json:"updated_at"`
				}
				c.must(200, &got, "PATCH", rs.path+"/"+rs.id, `{"archived":true}`)
				if !got.Archived || got.ArchivedAt == nil || !got.UpdatedAt.After(before.UpdatedAt) {
					t.Errorf("archived = %+v, before updated at %v", got, before.UpdatedAt)
				}
				t.Run("an upsert that leaves it out keeps the flag", func(t *testing.T) {
					c.must(200, &got, "PUT", rs.path+"/by-external-id/"+rs.ext, rs.body)
					if !got.Archived {
						t.Errorf("the upsert restored it: %+v", got)
					}
				})
				t.Run("the filter and the sync walk", func(t *testing.T) {
					for query, want := range map[string]int{"?archived=true": 1, "?archived=false": 0, "": 1} {
						var list api.List[struct {
							ID string `json:"id"`
						}]
						c.must(200, &list, "GET", rs.path+query+sep(query)+"external_id="+rs.ext, "")
						if len(list.Data) != want {
							t.Errorf("%s: %d records, want %d", query, len(list.Data), want)
						}
					}
					var list api.List[struct {
						ID       string `json:"id"`
						Archived bool   `json:"archived"`
					}]
					db.Now = time.Now // the walk's horizon is behind the real clock
					c.must(200, &list, "GET", rs.path+"?updated_since="+since, "")
					db.Now = func() time.Time { return at }
					found := false
					for _, x := range list.Data {
						found = found || (x.ID == rs.id && x.Archived)
					}
					if !found {
						t.Errorf("the walk since %s misses the archive: %+v", since, list.Data)
					}
				})
				t.Run("bad input names the field", func(t *testing.T) {
					c.problem(400, []string{"archived"}, "GET", rs.path+"?archived=yes", "")
					c.problem(422, []string{"archived"}, "PATCH", rs.path+"/"+rs.id, `{"archived":null}`)
				})
			})
		}
		t.Run("the filter of sites is the site's own flag, as its field", func(t *testing.T) {
			// The customer is archived, the site itself not: a sync client
			// filtering by archived must get what the field shows.
			c.must(200, nil, "PATCH", "/api/v1/sites/"+site.ID, `{"archived":false}`)
			for query, want := range map[string]int{"archived=true": 0, "archived=false": 1} {
				var list api.List[api.Site]
				c.must(200, &list, "GET", "/api/v1/sites?"+query+"&external_id=S-1", "")
				if len(list.Data) != want {
					t.Errorf("%s: %d sites, want %d", query, len(list.Data), want)
				}
				for _, s := range list.Data {
					if s.Archived != (query == "archived=true") {
						t.Errorf("%s lists %+v", query, s)
					}
				}
			}
		})
		t.Run("the site.updated event shows the flag", func(t *testing.T) {
			ctx := context.Background()
			staff := fieldportal.SystemViewer(f.org.ID, "test")
			if _, err := db.CreateWebhookEndpoint(ctx, staff,
				fieldportal.WebhookEndpointInput{URL: "https://hooks.example.com/bo", Events: []string{"site.updated"}}); err != nil {
				t.Fatal(err)
			}
			latest := func() (ev struct {
				Data api.Site `json:"data"`
			}) {
				t.Helper()
				var payload string
				if err := db.SQL().QueryRowContext(ctx, `SELECT payload FROM outbox WHERE org_id = $1 AND kind = 'webhook'
					AND topic = 'site.updated' ORDER BY id DESC LIMIT 1`, f.org.ID).Scan(&payload); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal([]byte(payload), &ev); err != nil {
					t.Fatal(err)
				}
				return ev
			}
			// The console's button (ArchiveSite) and the API's PATCH.
			if err := db.ArchiveSite(ctx, staff, site.ID, true); err != nil {
				t.Fatal(err)
			}
			if ev := latest(); ev.Data.ID != site.ID || !ev.Data.Archived || ev.Data.ArchivedAt == nil {
				t.Errorf("archived: event data %+v", ev.Data)
			}
			c.must(200, nil, "PATCH", "/api/v1/sites/"+site.ID, `{"archived":false}`)
			if ev := latest(); ev.Data.ID != site.ID || ev.Data.Archived || ev.Data.ArchivedAt != nil {
				t.Errorf("restored: event data %+v", ev.Data)
			}
			c.must(200, nil, "PATCH", "/api/v1/sites/"+site.ID, `{"archived":true}`)
			if ev := latest(); !ev.Data.Archived || ev.Data.ArchivedAt == nil {
				t.Errorf("archived by PATCH: event data %+v", ev.Data)
			}
			if err := db.ArchiveSite(ctx, staff, site.ID, false); err != nil {
				t.Fatal(err)
			}
			if ev := latest(); ev.Data.Archived || ev.Data.ArchivedAt != nil {
				t.Errorf("restored by ArchiveSite: event data %+v", ev.Data)
			}
		})
		t.Run("records are still written at an archived site", func(t *testing.T) {
			c.must(201, nil, "POST", "/api/v1/issues", `{"site_id":"`+site.ID+`","title":"Old leak","status":"closed"}`)
		})
		t.Run("restore", func(t *testing.T) {
			var got api.Customer
			c.must(200, &got, "PATCH", "/api/v1/customers/"+cust.ID, `{"archived":false}`)
			if got.Archived || got.ArchivedAt != nil {
				t.Errorf("restored = %+v", got)
			}
		})
		t.Run("another organisation's record is not found", func(t *testing.T) {
			other := mustOrg(t, db, "Other Org", "other.example.test")
			theirs := mustAPIClient(t, f, other.ID, "other.example.test")
			theirs.problem(404, nil, "PATCH", "/api/v1/customers/"+cust.ID, `{"archived":true}`)
			theirs.problem(404, nil, "PATCH", "/api/v1/sites/"+site.ID, `{"archived":true}`)
			var list api.List[api.Site]
			theirs.must(200, &list, "GET", "/api/v1/sites?archived=true", "")
			if len(list.Data) != 0 {
				t.Errorf("their list shows ours: %+v", list.Data)
			}
		})
	})
}

// sep is the separator before another parameter of query.
func sep(query string) string {
	if query == "" {
		return "?"
	}
	return "&"
}
