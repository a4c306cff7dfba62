package server

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// TestAPIWebhookEndpoints walks the webhook-endpoints resource on both
// engines: the secret answered by the create alone, PATCH of the URL,
// events and flag, If-Match, the console's URL policy, the deliveries
// with their attempts, and DELETE.
func TestAPIWebhookEndpoints(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := t.Context()
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()

		var made api.NewWebhookEndpoint
		res := c.must(201, &made, "POST", "/api/v1/webhook-endpoints",
			`{"url":"https://hooks.example.com/bo","events":["issue.created","payment.succeeded"]}`)
		t.Run("the create answers the secret, once", func(t *testing.T) {
			if !strings.HasPrefix(made.Secret, "whsec_") || !made.Active || made.URL != "https://hooks.example.com/bo" ||
				!cmp.Equal(made.Events, []string{"issue.created", "payment.succeeded"}) {
				t.Errorf("made = %+v", made)
			}
			if res.Header.Get("Location") != "/api/v1/webhook-endpoints/"+made.ID {
				t.Errorf("Location = %q", res.Header.Get("Location"))
			}
			stored, err := db.FindWebhookEndpoint(ctx, f.sys, made.ID)
			if err != nil || stored.Secret != made.Secret {
				t.Errorf("stored secret %q, %v", stored.Secret, err)
			}
			_, body := c.call("GET", "/api/v1/webhook-endpoints/"+made.ID, "")
			_, list := c.call("GET", "/api/v1/webhook-endpoints", "")
			for _, b := range []string{body, list} {
				if strings.Contains(b, made.Secret) || strings.Contains(b, `"secret"`) {
					t.Errorf("a read shows the secret:\n%s", b)
				}
			}
			get := c.must(200, nil, "GET", "/api/v1/webhook-endpoints/"+made.ID, "")
			if etag := get.Header.Get("ETag"); etag == "" || etag != res.Header.Get("ETag") {
				t.Errorf("ETag of the create %q, of a GET %q", res.Header.Get("ETag"), etag)
			}
		})
		t.Run("patch changes the fields sent", func(t *testing.T) {
			var got api.WebhookEndpoint
			c.must(200, &got, "PATCH", "/api/v1/webhook-endpoints/"+made.ID, `{"url":"https://hooks.example.com/v2"}`)
			if got.URL != "https://hooks.example.com/v2" || !cmp.Equal(got.Events, made.Events) || !got.Active {
				t.Errorf("patched = %+v", got)
			}
			c.must(200, &got, "PATCH", "/api/v1/webhook-endpoints/"+made.ID, `{"events":["*"],"active":false}`)
			if got.URL != "https://hooks.example.com/v2" || !cmp.Equal(got.Events, []string{"*"}) || got.Active {
				t.Errorf("patched = %+v", got)
			}
			c.must(200, &got, "PATCH", "/api/v1/webhook-endpoints/"+made.ID, `{"active":true}`)
			if !got.Active {
				t.Errorf("patched = %+v", got)
			}
			if stored, _ := db.FindWebhookEndpoint(ctx, f.sys, made.ID); stored.Secret != made.Secret {
				t.Error("a PATCH changed the secret")
			}
		})
		t.Run("a PATCH of the URL keeps the worker's reason, a change of the flag clears it", func(t *testing.T) {
			if _, err := db.SQL().Exec(`UPDATE webhook_endpoints SET active = FALSE, disabled_reason = 'failing' WHERE id = $1`, made.ID); err != nil {
				t.Fatal(err)
			}
			var got api.WebhookEndpoint
			c.must(200, &got, "PATCH", "/api/v1/webhook-endpoints/"+made.ID, `{"url":"https://hooks.example.com/v3"}`)
			if got.DisabledReason != "failing" || got.Active {
				t.Errorf("patched = %+v", got)
			}
			c.must(200, &got, "PATCH", "/api/v1/webhook-endpoints/"+made.ID, `{"active":true}`)
			if got.DisabledReason != "" || !got.Active {
				t.Errorf("patched = %+v", got)
			}
		})
		t.Run("If-Match: a stale version is refused", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/webhook-endpoints/"+made.ID, "").Header.Get("ETag")
			c.must(200, nil, "PATCH", "/api/v1/webhook-endpoints/"+made.ID, `{"url":"https://hooks.example.com/v4"}`, "If-Match", stale)
			c.problem(412, nil, "PATCH", "/api/v1/webhook-endpoints/"+made.ID, `{"url":"https://hooks.example.com/v5"}`, "If-Match", stale)
			var got api.WebhookEndpoint
			cur := c.must(200, &got, "GET", "/api/v1/webhook-endpoints/"+made.ID, "").Header.Get("ETag")
			if got.URL != "https://hooks.example.com/v4" {
				t.Errorf("the refused write was saved: %+v", got)
			}
			c.must(200, nil, "PATCH", "/api/v1/webhook-endpoints/"+made.ID, `{"active":true}`, "If-Match", cur)
		})
		t.Run("the console's URL policy applies, and bad input names its fields", func(t *testing.T) {
			for name, u := range map[string]string{
				"private address":          "https://10.0.0.5/hook",
				"loopback":                 "https://127.0.0.1:8080/hook",
				"http without the setting": "http://hooks.example.com/hook",
				"not a URL":                "hooks example",
				"a name with no dot":       "https://intranet/hook",
			} {
				t.Run(name, func(t *testing.T) {
					c.problem(422, []string{"url"}, "POST", "/api/v1/webhook-endpoints", `{"url":"`+u+`","events":["issue.created"]}`)
					c.problem(422, []string{"url"}, "PATCH", "/api/v1/webhook-endpoints/"+made.ID, `{"url":"`+u+`"}`)
				})
			}
			c.problem(422, []string{"url", "events"}, "POST", "/api/v1/webhook-endpoints", `{}`)
			c.problem(422, []string{"events"}, "POST", "/api/v1/webhook-endpoints", `{"url":"https://hooks.example.com/x","events":["bogus.event"]}`)
			c.problem(422, []string{"events"}, "PATCH", "/api/v1/webhook-endpoints/"+made.ID, `{"events":null}`)
			c.problem(422, []string{"active"}, "PATCH", "/api/v1/webhook-endpoints/"+made.ID, `{"active":null}`)
			c.problem(400, []string{"secret"}, "PATCH", "/api/v1/webhook-endpoints/"+made.ID, `{"secret":"mine"}`)
			c.problem(400, []string{"updated_since"}, "GET", "/api/v1/webhook-endpoints/"+made.ID+"/deliveries?updated_since=2026-01-01T00:00:00Z", "")
			c.problem(404, nil, "PUT", "/api/v1/webhook-endpoints/by-external-id/X", `{"url":"https://hooks.example.com/x"}`)
			var got api.WebhookEndpoint
			c.must(200, &got, "GET", "/api/v1/webhook-endpoints/"+made.ID, "")
			if got.URL != "https://hooks.example.com/v4" {
				t.Errorf("a refused write was saved: %+v", got)
			}
		})
		t.Run("deliveries list with their attempts, newest first", func(t *testing.T) {
			first := &fieldportal.OutboxMessage{OrgID: f.org.ID, Kind: "webhook", Topic: "issue.created", Payload: `{"id":"evt_1"}`, EndpointID: made.ID}
			second := &fieldportal.OutboxMessage{OrgID: f.org.ID, Kind: "webhook", Topic: "payment.succeeded", Payload: `{"id":"evt_2"}`, EndpointID: made.ID}
			for _, m := range []*fieldportal.OutboxMessage{first, second} {
				if err := db.Enqueue(ctx, m); err != nil {
					t.Fatal(err)
				}
			}
			claimed, err := db.ClaimOutbox(ctx, "webhook", "w1", 10, time.Minute)
			if err != nil || len(claimed) != 2 {
				t.Fatalf("claimed %d, %v", len(claimed), err)
			}
			if err := db.RecordWebhookAttempt(ctx, "w1", &fieldportal.WebhookAttempt{DeliveryID: first.ID, EndpointID: made.ID,
				StatusCode: 500, Duration: 120 * time.Millisecond, Response: "oops"},
				fieldportal.WebhookOutcome{Next: time.Now().Add(time.Minute)}); err != nil {
				t.Fatal(err)
			}
			var list api.List[api.WebhookDelivery]
			c.must(200, &list, "GET", "/api/v1/webhook-endpoints/"+made.ID+"/deliveries?limit=1", "")
			if len(list.Data) != 1 || list.Data[0].ID != second.ID || list.NextCursor == nil || len(list.Data[0].Attempts) != 0 {
				t.Fatalf("first page = %+v", list)
			}
			c.must(200, &list, "GET", "/api/v1/webhook-endpoints/"+made.ID+"/deliveries?limit=1&cursor="+url.QueryEscape(*list.NextCursor), "")
			if len(list.Data) != 1 || list.NextCursor != nil {
				t.Fatalf("second page = %+v", list)
			}
			d := list.Data[0]
			if d.ID != first.ID || d.EventType != "issue.created" || d.Payload != `{"id":"evt_1"}` || d.Status != "pending" ||
				d.AttemptCount != 1 || d.NextAttemptAt == nil || len(d.Attempts) != 1 {
				t.Fatalf("delivery = %+v", d)
			}
			if a := d.Attempts[0]; a.StatusCode != 500 || a.DurationMS != 120 || a.Response != "oops" {
				t.Errorf("attempt = %+v", a)
			}
			c.problem(404, nil, "GET", "/api/v1/webhook-endpoints/no-such-id/deliveries", "")
		})
		t.Run("delete removes it with its deliveries", func(t *testing.T) {
			var other api.NewWebhookEndpoint
			c.must(201, &other, "POST", "/api/v1/webhook-endpoints", `{"url":"https://hooks.example.com/gone","events":["*"],"active":false}`)
			if other.Active {
				t.Errorf("made = %+v", other)
			}
			stale := c.must(200, nil, "GET", "/api/v1/webhook-endpoints/"+made.ID, "").Header.Get("ETag")
			c.must(200, nil, "PATCH", "/api/v1/webhook-endpoints/"+made.ID, `{"url":"https://hooks.example.com/v6"}`)
			c.problem(412, nil, "DELETE", "/api/v1/webhook-endpoints/"+made.ID, "", "If-Match", stale)
			c.must(200, nil, "GET", "/api/v1/webhook-endpoints/"+made.ID, "") // still there
			cur := c.must(200, nil, "GET", "/api/v1/webhook-endpoints/"+made.ID, "").Header.Get("ETag")
			res, body := c.call("DELETE", "/api/v1/webhook-endpoints/"+made.ID, "", "If-Match", cur)
			if res.StatusCode != 204 || body != "" {
				t.Fatalf("DELETE = %d %q", res.StatusCode, body)
			}
			c.problem(404, nil, "GET", "/api/v1/webhook-endpoints/"+made.ID, "")
			c.problem(404, nil, "DELETE", "/api/v1/webhook-endpoints/"+made.ID, "")
			c.problem(404, nil, "GET", "/api/v1/webhook-endpoints/"+made.ID+"/deliveries", "")
			var list api.List[api.WebhookEndpoint]
			c.must(200, &list, "GET", "/api/v1/webhook-endpoints", "")
			if len(list.Data) != 1 || list.Data[0].ID != other.ID {
				t.Errorf("list = %+v", list)
			}
		})
	})
}

// TestAPIWebhookEndpointsUpdatedSince walks the endpoints by
// updated_since and by cursor.
func TestAPIWebhookEndpointsUpdatedSince(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		at := base
		db.Now = func() time.Time { return at }
		t.Cleanup(func() { db.Now = time.Now })
		var ids []string
		for i := range 3 {
			at = base.Add(time.Duration(i) * time.Minute)
			var e api.NewWebhookEndpoint
			c.must(201, &e, "POST", "/api/v1/webhook-endpoints", `{"url":"https://hooks.example.com/`+string(rune('a'+i))+`","events":["*"]}`)
			ids = append(ids, e.ID)
		}
		at = base.Add(10 * time.Minute)
		c.must(200, nil, "PATCH", "/api/v1/webhook-endpoints/"+ids[0], `{"active":false}`)
		db.Now = time.Now
		c.must(201, nil, "POST", "/api/v1/webhook-endpoints", `{"url":"https://hooks.example.com/late","events":["*"]}`)

		walk := func(t *testing.T, query string) []string {
			t.Helper()
			var got []string
			path := "/api/v1/webhook-endpoints?limit=1" + query
			for path != "" {
				var list api.List[api.WebhookEndpoint]
				c.must(200, &list, "GET", path, "")
				for _, e := range list.Data {
					got = append(got, e.ID)
				}
				path = ""
				if list.NextCursor != nil {
					path = "/api/v1/webhook-endpoints?limit=1" + query + "&cursor=" + url.QueryEscape(*list.NextCursor)
				}
			}
			return got
		}
		t.Run("by updated_since, oldest change first, none within the horizon", func(t *testing.T) {
			got := walk(t, "&updated_since="+base.Add(time.Minute).Format(time.RFC3339))
			if diff := cmp.Diff([]string{ids[1], ids[2], ids[0]}, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("by cursor, in the order they were made", func(t *testing.T) {
			if got := walk(t, ""); len(got) != 4 || !cmp.Equal(got[:3], ids) {
				t.Errorf("got %v, want %v then the late one", got, ids)
			}
		})
	})
}

// TestAPIWebhookEndpointsOtherOrganisation checks a key reaches its own
// organisation's endpoints alone, for every operation, and that a read
// key reads but may not write.
func TestAPIWebhookEndpointsOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		other := mustOrg(t, db, "Other Org", "other.example.test")
		theirs := mustAPIClient(t, f, other.ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()
		var mine api.NewWebhookEndpoint
		ours.must(201, &mine, "POST", "/api/v1/webhook-endpoints", `{"url":"https://hooks.example.com/ours","events":["*"]}`)

		theirs.problem(404, nil, "GET", "/api/v1/webhook-endpoints/"+mine.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/webhook-endpoints/"+mine.ID, `{"active":false}`)
		theirs.problem(404, nil, "DELETE", "/api/v1/webhook-endpoints/"+mine.ID, "")
		theirs.problem(404, nil, "GET", "/api/v1/webhook-endpoints/"+mine.ID+"/deliveries", "")
		var list api.List[api.WebhookEndpoint]
		theirs.must(200, &list, "GET", "/api/v1/webhook-endpoints", "")
		if len(list.Data) != 0 {
			t.Errorf("their list shows ours: %+v", list.Data)
		}
		var still api.WebhookEndpoint
		ours.must(200, &still, "GET", "/api/v1/webhook-endpoints/"+mine.ID, "")
		if !still.Active {
			t.Errorf("their PATCH touched ours: %+v", still)
		}

		t.Run("a read key reads but may not write", func(t *testing.T) {
			var theirsMade api.NewWebhookEndpoint
			theirs.must(201, &theirsMade, "POST", "/api/v1/webhook-endpoints", `{"url":"https://hooks.example.com/theirs","events":["*"]}`)
			rd := mustAPIReadClient(t, f, other.ID, "other.example.test")
			rd.checkResponses()
			var got json.RawMessage
			rd.must(200, &got, "GET", "/api/v1/webhook-endpoints/"+theirsMade.ID, "")
			if strings.Contains(string(got), theirsMade.Secret) {
				t.Errorf("a read key sees the secret: %s", got)
			}
			rd.must(200, nil, "GET", "/api/v1/webhook-endpoints", "")
			rd.must(200, nil, "GET", "/api/v1/webhook-endpoints/"+theirsMade.ID+"/deliveries", "")
			rd.problem(403, nil, "POST", "/api/v1/webhook-endpoints", `{"url":"https://hooks.example.com/r","events":["*"]}`)
			rd.problem(403, nil, "PATCH", "/api/v1/webhook-endpoints/"+theirsMade.ID, `{"active":false}`)
			rd.problem(403, nil, "DELETE", "/api/v1/webhook-endpoints/"+theirsMade.ID, "")
		})
	})
}
