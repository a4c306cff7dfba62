package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestRecordWebhookAttemptAfterTheClaimMoved races a worker recording an
// attempt with another worker claiming the delivery, on PostgreSQL: the
// first's claim lapsed and the second's commits while the first records.
// The record must see the claim has moved (ECONFLICT) and leave the
// delivery to its new holder, not mark it over the new claim.
func TestRecordWebhookAttemptAfterTheClaimMoved(t *testing.T) {
	db := sqltest.MustOpen(t, sqlstore.Postgres)
	ctx := context.Background()
	org := &fieldportal.Organisation{Name: "Acme Fire & Security"}
	if err := db.CreateOrganisation(ctx, org); err != nil {
		t.Fatal(err)
	}
	admin := fieldportal.SystemViewer(org.ID, "test")
	e, err := db.CreateWebhookEndpoint(ctx, admin, fieldportal.WebhookEndpointInput{URL: "https://hooks.example.com/bo", Events: []string{"*"}})
	if err != nil {
		t.Fatal(err)
	}
	m := &fieldportal.OutboxMessage{OrgID: org.ID, Kind: "webhook", Topic: "issue.created", Payload: `{"id":"ev-1"}`, EndpointID: e.ID}
	if err := db.Enqueue(ctx, m); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, `UPDATE outbox SET claimed_by = 'a', claimed_until = $2 WHERE id = $1`,
		m.ID, time.Now().Add(-time.Second).UTC()); err != nil {
		t.Fatal(err)
	}

	// Worker b claims the lapsed delivery; its claim commits while a
	// records.
	claim, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer claim.Rollback()
	if _, err := claim.ExecContext(ctx, `UPDATE outbox SET claimed_by = 'b', claimed_until = $2, attempts = attempts + 1 WHERE id = $1`,
		m.ID, time.Now().Add(time.Minute).UTC()); err != nil {
		t.Fatal(err)
	}
	recorded := make(chan error, 1)
	go func() {
		recorded <- db.RecordWebhookAttempt(ctx, "a", &fieldportal.WebhookAttempt{DeliveryID: m.ID, StatusCode: 200},
			fieldportal.WebhookOutcome{Delivered: true})
	}()
	time.Sleep(300 * time.Millisecond) // a's record reaches the delivery, held by b's claim
	if err := claim.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-recorded:
		if fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
			t.Errorf("a's record after b's claim: %v, want ECONFLICT", err)
		}
	case <-time.After(60 * time.Second): // for a loaded machine
		t.Fatal("the record never finished")
	}
	var status, holder string
	var attempts int
	if err := db.SQL().QueryRowContext(ctx, `SELECT status, claimed_by, (SELECT count(*) FROM webhook_attempts WHERE outbox_id = $1)
		FROM outbox WHERE id = $1`, m.ID).Scan(&status, &holder, &attempts); err != nil {
		t.Fatal(err)
	}
	if status != fieldportal.OutboxPending || holder != "b" || attempts != 0 {
		t.Errorf("delivery %s held by %s with %d attempts, want pending, held by b, none recorded by a", status, holder, attempts)
	}
}
