package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestDeleteWebhookEndpointWhileAnAttemptIsRecorded races an admin's
// delete of an endpoint with the worker recording an attempt at one of
// its deliveries, on PostgreSQL: the attempt commits after the delete
// began, and the delete must still remove it with its delivery, not fail
// on the attempt's reference to the delivery.
func TestDeleteWebhookEndpointWhileAnAttemptIsRecorded(t *testing.T) {
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

	// The worker's record, held open: its attempt refers to the delivery.
	recording, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer recording.Rollback()
	if _, err := recording.ExecContext(ctx, `INSERT INTO webhook_attempts (id, org_id, outbox_id, endpoint_id, attempted_at, status_code)
		VALUES ($1, $2, $3, $4, $5, 503)`, sqlstore.NewID(), org.ID, m.ID, e.ID, time.Now().UTC()); err != nil {
		t.Fatal(err)
	}
	deleted := make(chan error, 1)
	go func() { deleted <- db.DeleteWebhookEndpoint(ctx, admin, e.ID) }()
	time.Sleep(300 * time.Millisecond) // the delete reaches the delivery, held by the record
	if err := recording.Commit(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-deleted:
		if err != nil {
			t.Fatalf("delete racing a recorded attempt: %v", err)
		}
	case <-time.After(60 * time.Second): // for a loaded machine
		t.Fatal("the delete never finished")
	}
	var left int
	if err := db.SQL().QueryRowContext(ctx, `SELECT (SELECT count(*) FROM outbox WHERE endpoint_id = $1)
		+ (SELECT count(*) FROM webhook_attempts WHERE endpoint_id = $1) + (SELECT count(*) FROM webhook_endpoints WHERE id = $1)`,
		e.ID).Scan(&left); err != nil || left != 0 {
		t.Errorf("%d rows of the endpoint left (%v), want none", left, err)
	}
}
