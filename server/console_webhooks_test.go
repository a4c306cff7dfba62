package server

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestConsoleWebhooks(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		f.addStaff("admin@example.test", fieldportal.RoleAdmin)
		f.addStaff("desk@example.test", fieldportal.RoleStaff)
		admin := f.browser()
		admin.consoleLogin("admin@example.test")
		desk := f.browser()
		desk.consoleLogin("desk@example.test")

		t.Run("only admins manage webhooks", func(t *testing.T) {
			if res, body := desk.get("/console/webhooks"); res.StatusCode != http.StatusForbidden {
				t.Errorf("a staff user opens the webhooks page: %d\n%s", res.StatusCode, body)
			}
			res, body := desk.post("/console/webhooks", url.Values{"url": {"https://hooks.example.com/x"}, "events": {"issue.created"}})
			wantStatus(t, "staff add", res, body, http.StatusForbidden)
			if res, body := admin.get("/console/webhooks"); res.StatusCode != http.StatusOK || !strings.Contains(body, `href="/console/webhooks"`) {
				t.Errorf("the admin's webhooks page: %d, or no nav entry", res.StatusCode)
			}
		})
		t.Run("a bad URL is refused naming the field", func(t *testing.T) {
			for name, c := range map[string]struct{ url, says string }{
				"private address":          {"https://10.0.0.5/hook", "private"},
				"loopback":                 {"https://127.0.0.1:8080/hook", "loopback"},
				"http without the setting": {"http://hooks.example.com/hook", "plain http"},
				"not a URL":                {"hooks example", "full web address"},
			} {
				t.Run(name, func(t *testing.T) {
					res, body := admin.post("/console/webhooks", url.Values{"url": {c.url}, "events": {"issue.created"}})
					wantStatus(t, name, res, body, http.StatusBadRequest)
					if !strings.Contains(body, `href="#url"`) || !strings.Contains(body, c.says) {
						t.Errorf("no error on the url field saying %q:\n%s", c.says, body)
					}
				})
			}
			res, body := admin.post("/console/webhooks", url.Values{"url": {"https://hooks.example.com/hook"}, "events": {"bogus.event"}})
			wantStatus(t, "unknown event", res, body, http.StatusBadRequest)
			if !strings.Contains(body, `href="#events"`) {
				t.Errorf("no error on the events field:\n%s", body)
			}
		})

		var id string
		t.Run("an admin adds an endpoint and sees its secret", func(t *testing.T) {
			res, body := admin.post("/console/webhooks", url.Values{"url": {"https://hooks.example.com/bo"}, "events": {"issue.created", "payment.succeeded"}})
			wantStatus(t, "add", res, body, http.StatusOK)
			list, err := db.FindWebhookEndpoints(ctx, f.sys)
			if err != nil || len(list) != 1 {
				t.Fatalf("endpoints = %v, %v; want one", list, err)
			}
			id = list[0].ID
			e, err := db.FindWebhookEndpoint(ctx, f.sys, id)
			if err != nil || !strings.HasPrefix(e.Secret, "whsec_") || !strings.Contains(body, e.Secret) {
				t.Fatalf("the new endpoint's secret %q is not shown (%v)", e.Secret, err)
			}
			if res.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("a page with the secret may be cached: %q", res.Header.Get("Cache-Control"))
			}
			res, body = admin.get("/console/webhooks/" + id)
			if res.StatusCode != http.StatusOK || strings.Contains(body, e.Secret) {
				t.Errorf("the endpoint page shows the secret unasked (%d)", res.StatusCode)
			}
			res, body = admin.post("/console/webhooks/"+id+"/reveal", nil)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, e.Secret) {
				t.Errorf("reveal: %d, secret shown %v", res.StatusCode, strings.Contains(body, e.Secret))
			}
		})
		t.Run("edits are checked like a new endpoint", func(t *testing.T) {
			res, body := admin.post("/console/webhooks/"+id, url.Values{"url": {"https://192.168.1.20/bo"}, "events": {"issue.created"}})
			wantStatus(t, "private edit", res, body, http.StatusBadRequest)
			res, _ = admin.post("/console/webhooks/"+id, url.Values{"url": {"https://hooks.example.com/v2"}, "events": {"quote.accepted"}})
			wantRedirect(t, "edit", res, "/console/webhooks/"+id+"?done=saved")
			e, _ := db.FindWebhookEndpoint(ctx, f.sys, id)
			if e.URL != "https://hooks.example.com/v2" || len(e.Events) != 1 || e.Events[0] != "quote.accepted" {
				t.Errorf("saved endpoint: %+v", e)
			}
		})
		t.Run("a delivery is replayed with the same event id", func(t *testing.T) {
			m := &fieldportal.OutboxMessage{OrgID: f.org.ID, Kind: "webhook", Topic: "quote.accepted", EndpointID: id,
				Payload: `{"id":"evt-1","type":"quote.accepted","source":"portal","data":{}}`}
			if err := db.Enqueue(ctx, m); err != nil {
				t.Fatal(err)
			}
			res, body := admin.get("/console/webhooks/" + id)
			if res.StatusCode != http.StatusOK || !strings.Contains(body, "evt-1") {
				t.Fatalf("the deliveries do not list evt-1 (%d)", res.StatusCode)
			}
			res, body = desk.post("/console/webhooks/"+id+"/deliveries/"+m.ID+"/replay", nil)
			wantStatus(t, "staff replay", res, body, http.StatusForbidden)
			// While it is pending a replay would make two due deliveries of
			// one event, which two workers could post at once.
			res, body = admin.post("/console/webhooks/"+id+"/deliveries/"+m.ID+"/replay", nil)
			wantStatus(t, "replay while pending", res, body, http.StatusConflict)
			if _, err := db.SQL().ExecContext(ctx, `UPDATE outbox SET status = 'failed' WHERE id = $1`, m.ID); err != nil {
				t.Fatal(err)
			}
			res, _ = admin.post("/console/webhooks/"+id+"/deliveries/"+m.ID+"/replay", nil)
			wantRedirect(t, "replay", res, "/console/webhooks/"+id+"?done=replayed")
			ds, _, err := db.FindWebhookDeliveries(ctx, f.sys, id, fieldportal.Page{})
			if err != nil || len(ds) != 2 || ds[0].ID == m.ID || ds[0].Payload != m.Payload || ds[0].Status != fieldportal.OutboxPending {
				t.Fatalf("deliveries after the replay: %+v, %v; want a new pending one with the same body", ds, err)
			}
			res, body = admin.post("/console/webhooks/"+id+"/deliveries/"+sqlstore.NewID()+"/replay", nil)
			wantStatus(t, "unknown delivery", res, body, http.StatusNotFound)
			// Another organisation's endpoint and delivery are not found.
			_, sysB, _ := f.mustOtherOrg()
			theirs, err := db.CreateWebhookEndpoint(ctx, sysB, fieldportal.WebhookEndpointInput{URL: "https://b.example.com/x", Events: []string{"*"}})
			if err != nil {
				t.Fatal(err)
			}
			mb := &fieldportal.OutboxMessage{OrgID: sysB.OrgID, Kind: "webhook", Topic: "x", EndpointID: theirs.ID, Payload: "{}"}
			if err := db.Enqueue(ctx, mb); err != nil {
				t.Fatal(err)
			}
			for _, path := range []string{"/console/webhooks/" + theirs.ID + "/deliveries/" + mb.ID + "/replay", "/console/webhooks/" + theirs.ID + "/reveal"} {
				res, body = admin.post(path, nil)
				wantStatus(t, path, res, body, http.StatusNotFound)
			}
			if res, _ := admin.get("/console/webhooks/" + theirs.ID); res.StatusCode != http.StatusNotFound {
				t.Errorf("another organisation's endpoint: %d, want 404", res.StatusCode)
			}
		})
		t.Run("an endpoint is turned off, on, and deleted", func(t *testing.T) {
			res, _ := admin.post("/console/webhooks/"+id+"/active", url.Values{"active": {"off"}})
			wantRedirect(t, "off", res, "/console/webhooks/"+id+"?done=disabled")
			if e, _ := db.FindWebhookEndpoint(ctx, f.sys, id); e.Active {
				t.Error("the endpoint is still on")
			}
			res, _ = admin.post("/console/webhooks/"+id+"/active", url.Values{"active": {"on"}})
			wantRedirect(t, "on", res, "/console/webhooks/"+id+"?done=enabled")
			if res, body := admin.get("/console/webhooks/" + id + "/delete"); res.StatusCode != http.StatusOK || !strings.Contains(body, "Delete endpoint") {
				t.Errorf("delete confirmation: %d", res.StatusCode)
			}
			res, _ = admin.post("/console/webhooks/"+id+"/delete", url.Values{"confirm": {"yes"}})
			wantRedirect(t, "delete", res, "/console/webhooks?done=deleted")
			if _, err := db.FindWebhookEndpoint(ctx, f.sys, id); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("the deleted endpoint: %v", err)
			}
		})
	})
}
