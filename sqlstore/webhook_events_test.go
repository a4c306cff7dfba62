package sqlstore_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/fieldportal/fieldportal/webhook"
)

// heard is one event a test receiver got.
type heard struct {
	Type, Source string
	Signed       bool
}

// A back office's receiver on loopback gets signed events for a portal
// issue report, a booking, a quote acceptance and a payment, each saying
// the door it came through (issue 19's "Done when"), delivered by the
// webhook worker from the outbox rows the changes wrote.
func TestWebhookEventsReachTheReceiver(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustBookingWorld(t, db)
		policy := fieldportal.WebhookURLPolicy{AllowHTTP: true, AllowPrivate: true}
		db.WebhookURLs = policy

		var mu sync.Mutex
		var got []heard
		var secret string
		srv := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			var ev struct{ Type, Source string }
			_ = json.Unmarshal(body, &ev)
			mu.Lock()
			defer mu.Unlock()
			got = append(got, heard{Type: ev.Type, Source: ev.Source,
				Signed: webhook.Verify(secret, r.Header.Get(webhook.SignatureHeader), body, db.Now(), time.Minute) == nil})
		}))
		defer srv.Close()
		e, err := db.CreateWebhookEndpoint(ctx, w.Staff, fieldportal.WebhookEndpointInput{URL: srv.URL + "/bo",
			Events: []string{"issue.created", "job.booked", "quote.accepted", "payment.succeeded"}})
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		secret = e.Secret
		mu.Unlock()

		if err := db.ReportIssue(ctx, w.Child, &fieldportal.Issue{SiteID: w.SiteB.ID, Title: "Door sticks"}, nil); err != nil {
			t.Fatal(err)
		}
		MustBookJob(t, db, w.Parent, w.booking(t, w.SiteA, 2, 10))
		x := mustWorkQuote(t, db, w.Staff, &fieldportal.Quote{SiteID: w.SiteB.ID, Stage: fieldportal.QuoteOutstanding,
			TotalExTax: 10000, Tax: 2000, TotalIncTax: 12000, ValidUntil: fieldportal.Date{Year: 2099, Month: 1, Day: 1}})
		if _, err := db.DecideQuote(ctx, withQuoteRole(t, db, w.Child), x.ID, fieldportal.QuoteDecision{Accept: true, SignerName: "Jo Bloggs"}); err != nil {
			t.Fatal(err)
		}
		office := fieldportal.NewStaffViewer(w.Org.ID, "", "Sam Desk", fieldportal.RoleStaff)
		if err := db.RecordManualPayment(ctx, office, &fieldportal.Payment{CustomerID: w.workWorld.Parent.ID, Amount: 100,
			Method: "cheque", PaidAt: bookingNow}, "CHQ 1"); err != nil {
			t.Fatal(err)
		}

		worker := webhook.NewWorker(db, webhook.NewHTTPSender(policy), nil, webhook.WithClock(db.Now))
		if n, err := worker.RunOnce(ctx); err != nil || n != 4 {
			t.Fatalf("RunOnce = %d, %v; want 4 deliveries", n, err)
		}
		mu.Lock()
		defer mu.Unlock()
		want := []heard{{"issue.created", "portal", true}, {"job.booked", "portal", true}, {"quote.accepted", "portal", true},
			{"payment.succeeded", "console", true}}
		// Events of one moment go out in no set order.
		if diff := cmp.Diff(want, got, cmpopts.SortSlices(func(a, b heard) bool { return a.Type < b.Type })); diff != "" {
			t.Errorf("the receiver heard (-want +got):\n%s", diff)
		}
	})
}

// Every kind of SPEC §6 event is written for a change of its kind,
// whoever made it: here the API and the console, where the test above
// has the portal.
func TestWebhookEventsOfEveryDoor(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		mustListenAll(t, db, w.Org.ID)
		api := fieldportal.NewAPIKeyViewer(w.Org.ID, "key-1", "Back office", fieldportal.APIKeyWrite)
		desk := fieldportal.NewStaffViewer(w.Org.ID, "", "Sam Desk", fieldportal.RoleStaff)
		s := MustSite(t, db, api, &fieldportal.Site{CustomerID: w.Parent.ID, Name: "Charlie Works", Address: fieldportal.Address{Line1: "4 Mill Ln"}})
		s.Name = "Charlie Works (east)"
		if err := db.UpdateSite(ctx, desk, s); err != nil {
			t.Fatal(err)
		}
		c := &fieldportal.Contact{CustomerID: w.Parent.ID, FirstName: "Nia", Email: "nia@group.test"}
		if err := db.CreateContact(ctx, api, c); err != nil {
			t.Fatal(err)
		}
		var got []heard
		rows, err := db.SQL().QueryContext(ctx, `SELECT payload FROM outbox WHERE org_id = $1 AND kind = 'webhook' ORDER BY created_at, id`, w.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		for rows.Next() {
			var body string
			var ev struct{ Type, Source string }
			if err := rows.Scan(&body); err != nil || json.Unmarshal([]byte(body), &ev) != nil {
				t.Fatalf("outbox row %q: %v", body, err)
			}
			got = append(got, heard{Type: ev.Type, Source: ev.Source})
		}
		want := []heard{{Type: "site.created", Source: "api"}, {Type: "site.updated", Source: "console"}, {Type: "contact.created", Source: "api"}}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("events written (-want +got):\n%s", diff)
		}
	})
}
