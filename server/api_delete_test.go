package server

import (
	"context"
	"encoding/json"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// syncItem is an item of a list by updated_since: a record (its id and
// updated_at) or a tombstone.
type syncItem struct {
	ID         string    `json:"id"`
	ExternalID *string   `json:"external_id"`
	UpdatedAt  time.Time `json:"updated_at"`
	DeletedAt  time.Time `json:"deleted_at"`
	Deleted    bool      `json:"deleted"`
}

// mustSyncWalk walks a list by updated_since to its end, limit items a
// page, and returns every item.
func mustSyncWalk(t *testing.T, c *apiClient, collection string, since time.Time, limit string) []syncItem {
	t.Helper()
	query := "?limit=" + limit + "&updated_since=" + url.QueryEscape(since.Format(time.RFC3339Nano))
	var out []syncItem
	path := collection + query
	for range 100 {
		var list struct {
			Data       []syncItem `json:"data"`
			NextCursor *string    `json:"next_cursor"`
		}
		c.must(200, &list, "GET", path, "")
		out = append(out, list.Data...)
		if list.NextCursor == nil {
			return out
		}
		path = collection + query + "&cursor=" + url.QueryEscape(*list.NextCursor)
	}
	t.Fatal("the walk did not end")
	return nil
}

// TestAPIDelete deletes tasks, appointments and asset tests through the
// API on both engines: 204 then 404, the tombstone in the lists by
// updated_since (one cursor over records and tombstones of the same
// time), the webhook event, If-Match, read keys and other organisations.
func TestAPIDelete(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		// Once there are organisations with hosts, each is reached at its own.
		ours := mustOrg(t, db, "Our Org", "ours.example.test")
		c := mustAPIClient(t, f, ours.ID, "ours.example.test")
		c.checkResponses()
		other := mustAPIClient(t, f, mustOrg(t, db, "Other Org", "other.example.test").ID, "other.example.test")
		reader := mustAPIReadClient(t, f, ours.ID, "ours.example.test")
		if _, err := db.CreateWebhookEndpoint(ctx, fieldportal.SystemViewer(ours.ID, "test"),
			fieldportal.WebhookEndpointInput{URL: "https://hooks.example.com/bo", Events: []string{"*"}}); err != nil {
			t.Fatal(err)
		}
		base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		at := base
		db.Now = func() time.Time { return at }
		t.Cleanup(func() { db.Now = time.Now })
		_, site := mustAPICustomerSite(t, c, "C-1", "S-1")

		// Three tasks changed at one time: one kept, two deleted then.
		at = base.Add(time.Minute)
		var kept, gone, gone2 api.Task
		c.must(201, &kept, "POST", "/api/v1/tasks", `{"site_id":"`+site.ID+`","subject":"Kept"}`)
		c.must(201, &gone, "POST", "/api/v1/tasks", `{"site_id":"`+site.ID+`","subject":"Gone","external_id":"T-GONE"}`)
		c.must(201, &gone2, "POST", "/api/v1/tasks", `{"site_id":"`+site.ID+`","subject":"Gone too"}`)

		t.Run("another organisation's key gets 404", func(t *testing.T) {
			other.problem(404, nil, "DELETE", "/api/v1/tasks/"+gone.ID, "")
			c.must(200, nil, "GET", "/api/v1/tasks/"+gone.ID, "")
		})
		t.Run("a read key gets 403", func(t *testing.T) {
			reader.problem(403, nil, "DELETE", "/api/v1/tasks/"+gone.ID, "")
			c.must(200, nil, "GET", "/api/v1/tasks/"+gone.ID, "")
		})
		t.Run("If-Match of another version gets 412", func(t *testing.T) {
			c.problem(412, nil, "DELETE", "/api/v1/tasks/"+gone.ID, "", "If-Match", `"0123456789abcdef0123456789abcdef"`)
			c.must(200, nil, "GET", "/api/v1/tasks/"+gone.ID, "")
		})
		t.Run("DELETE answers 204, then GET 404", func(t *testing.T) {
			etag := c.must(200, nil, "GET", "/api/v1/tasks/"+gone.ID, "").Header.Get("ETag")
			res, body := c.call("DELETE", "/api/v1/tasks/"+gone.ID, "", "If-Match", etag)
			if res.StatusCode != 204 || body != "" {
				t.Fatalf("DELETE = %d %q", res.StatusCode, body)
			}
			c.must(204, nil, "DELETE", "/api/v1/tasks/"+gone2.ID, "")
			c.problem(404, nil, "GET", "/api/v1/tasks/"+gone.ID, "")
			c.problem(404, nil, "DELETE", "/api/v1/tasks/"+gone.ID, "")
		})

		// The walks stop at the store's clock less api.SyncLag: back to now.
		db.Now = time.Now
		ext := "T-GONE"
		want := []syncItem{
			{ID: kept.ID, UpdatedAt: at},
			{ID: gone.ID, ExternalID: &ext, DeletedAt: at, Deleted: true},
			{ID: gone2.ID, DeletedAt: at, Deleted: true},
		}
		slices.SortFunc(want, func(a, b syncItem) int { return strings.Compare(a.ID, b.ID) })
		for _, limit := range []string{"1", "2", "50"} {
			t.Run("the sync list shows the tombstones, "+limit+" a page", func(t *testing.T) {
				if diff := cmp.Diff(want, mustSyncWalk(t, c, "/api/v1/tasks", base, limit)); diff != "" {
					t.Errorf("synced (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("a cursor between a record and a tombstone of one time neither skips nor repeats", func(t *testing.T) {
			// Each page of one item hands a cursor; from it, a page of all
			// the rest follows.
			query := "/api/v1/tasks?updated_since=" + url.QueryEscape(base.Format(time.RFC3339))
			path := query + "&limit=1"
			for i := range want {
				var list struct {
					Data       []syncItem `json:"data"`
					NextCursor *string    `json:"next_cursor"`
				}
				c.must(200, &list, "GET", path, "")
				if list.NextCursor == nil {
					if i != len(want)-1 {
						t.Fatalf("the walk ended at item %d", i)
					}
					break
				}
				var rest api.List[syncItem]
				c.must(200, &rest, "GET", query+"&cursor="+url.QueryEscape(*list.NextCursor), "")
				if diff := cmp.Diff(want[i+1:], rest.Data); diff != "" {
					t.Errorf("after item %d (-want +got):\n%s", i, diff)
				}
				path = query + "&limit=1&cursor=" + url.QueryEscape(*list.NextCursor)
			}
		})
		t.Run("a list without updated_since has no tombstones", func(t *testing.T) {
			var list api.List[api.Task]
			c.must(200, &list, "GET", "/api/v1/tasks", "")
			if len(list.Data) != 1 || list.Data[0].ID != kept.ID {
				t.Errorf("tasks = %+v", list.Data)
			}
		})
		t.Run("the webhook event is in the outbox", func(t *testing.T) {
			var payload string
			if err := db.SQL().QueryRowContext(ctx, `SELECT payload FROM outbox WHERE org_id = $1 AND kind = 'webhook' AND topic = 'task.deleted'
				AND payload LIKE $2`, ours.ID, "%"+gone.ID+"%").Scan(&payload); err != nil {
				t.Fatal(err)
			}
			var ev struct {
				Type   string   `json:"type"`
				Source string   `json:"source"`
				Data   syncItem `json:"data"`
			}
			if err := json.Unmarshal([]byte(payload), &ev); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(want[slices.IndexFunc(want, func(x syncItem) bool { return x.ID == gone.ID })], ev.Data); diff != "" ||
				ev.Type != "task.deleted" || ev.Source != fieldportal.SourceAPI {
				t.Errorf("event %s %s (-want +got):\n%s", ev.Type, ev.Source, diff)
			}
		})

		t.Run("a contact nothing names is deleted; one with a login is kept", func(t *testing.T) {
			at = base.Add(3 * time.Minute)
			db.Now = func() time.Time { return at }
			var temp, invited api.Contact
			c.must(201, &temp, "POST", "/api/v1/contacts", `{"first_name":"Temp","external_id":"CT-1","customer_external_id":"C-1"}`)
			c.must(201, &invited, "POST", "/api/v1/contacts", `{"first_name":"Invited","email":"invited@example.test","customer_external_id":"C-1"}`)
			if err := db.CreatePortalLogin(ctx, fieldportal.SystemViewer(ours.ID, "test"), &fieldportal.PortalLogin{ContactID: invited.ID,
				Username: "invited@example.test", Status: fieldportal.LoginInvited, SiteAccess: fieldportal.SiteAccessAll}); err != nil {
				t.Fatal(err)
			}
			c.must(204, nil, "DELETE", "/api/v1/contacts/"+temp.ID, "")
			c.problem(409, nil, "DELETE", "/api/v1/contacts/"+invited.ID, "")
			c.must(200, nil, "GET", "/api/v1/contacts/"+invited.ID, "")
			db.Now = time.Now
			ext := "CT-1"
			want := []syncItem{{ID: invited.ID, UpdatedAt: at}, {ID: temp.ID, ExternalID: &ext, DeletedAt: at, Deleted: true}}
			slices.SortFunc(want, func(a, b syncItem) int { return strings.Compare(a.ID, b.ID) })
			if diff := cmp.Diff(want, mustSyncWalk(t, c, "/api/v1/contacts", at, "1")); diff != "" {
				t.Errorf("synced (-want +got):\n%s", diff)
			}
		})
		t.Run("appointments and asset tests are deleted alike", func(t *testing.T) {
			at = base.Add(2 * time.Minute)
			db.Now = func() time.Time { return at }
			var ap api.Appointment
			c.must(201, &ap, "POST", "/api/v1/appointments", `{"site_id":"`+site.ID+`","external_id":"AP-1",`+
				`"starts_at":"2026-05-01T09:00:00Z","ends_at":"2026-05-01T10:00:00Z"}`)
			var asset api.Asset
			c.must(201, &asset, "POST", "/api/v1/assets", `{"site_id":"`+site.ID+`","number":"X-1","asset_type":"Extinguisher","name":"CO2"}`)
			var test api.AssetTest
			c.must(201, &test, "POST", "/api/v1/asset-tests", `{"asset_id":"`+asset.ID+`","tested_on":"2026-04-01","result":"pass"}`)
			paths := map[string]string{"/api/v1/appointments": ap.ID, "/api/v1/asset-tests": test.ID}
			for path, id := range paths {
				c.must(204, nil, "DELETE", path+"/"+id, "")
				c.problem(404, nil, "GET", path+"/"+id, "")
			}
			db.Now = time.Now
			for path, id := range paths {
				got := mustSyncWalk(t, c, path, base.Add(2*time.Minute), "50")
				if len(got) != 1 || got[0].ID != id || !got[0].Deleted || !got[0].DeletedAt.Equal(at) {
					t.Errorf("%s synced = %+v", path, got)
				}
			}
		})
	})
}
