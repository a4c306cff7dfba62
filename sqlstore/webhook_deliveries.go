package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

// A webhook delivery is an outbox message of kind webhook (one event for
// one endpoint); each try at it is a row of webhook_attempts, recorded
// with the message's outcome in one transaction, so the log never shows
// an attempt the outbox does not count, nor the reverse.

const attemptColumns = `id, outbox_id, endpoint_id, attempted_at, status_code, duration_ms, response, error`

func scanAttempt(r interface{ Scan(...any) error }) (*fieldportal.WebhookAttempt, error) {
	var a fieldportal.WebhookAttempt
	var ms int64
	err := r.Scan(&a.ID, &a.DeliveryID, &a.EndpointID, tm(&a.AttemptedAt), &a.StatusCode, &ms, &a.Response, &a.Error)
	a.Duration = time.Duration(ms) * time.Millisecond
	return &a, err
}

// FindWebhookDeliveries lists an endpoint's deliveries newest first, a
// page at a time, each with its attempts newest first. Admins (and API
// keys) only.
func (d *DB) FindWebhookDeliveries(ctx context.Context, v fieldportal.Viewer, endpointID string, p fieldportal.Page) ([]*fieldportal.WebhookDelivery, string, error) {
	if !mayReadWebhooks(v) {
		return nil, "", errWebhookAdmin
	}
	var one int
	err := d.db.QueryRowContext(ctx, `SELECT 1 FROM webhook_endpoints WHERE id = $1 AND org_id = $2`, endpointID, v.OrgID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, "", fieldportal.NotFound("webhook endpoint")
	} else if err != nil {
		return nil, "", err
	}
	var q query
	q.and("org_id = " + q.arg(v.OrgID))
	q.and("kind = 'webhook'")
	q.and("endpoint_id = " + q.arg(endpointID))
	if err := q.keyset(p.After, true, "id"); err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+outboxColumns+` FROM outbox`, "ORDER BY id DESC"+limit(p)), q.args...)
	if err != nil {
		return nil, "", err
	}
	msgs, err := collect(rows, scanOutbox)
	if err != nil {
		return nil, "", err
	}
	msgs, next := trim(msgs, p, func(m *fieldportal.OutboxMessage) string { return cursor(m.ID) })
	out := make([]*fieldportal.WebhookDelivery, 0, len(msgs))
	byID := map[string]*fieldportal.WebhookDelivery{}
	var ids []string
	for _, m := range msgs {
		dl := &fieldportal.WebhookDelivery{OutboxMessage: m, Attempts: []*fieldportal.WebhookAttempt{}}
		out = append(out, dl)
		byID[m.ID] = dl
		ids = append(ids, m.ID)
	}
	if len(ids) == 0 {
		return out, next, nil
	}
	var aq query
	aq.and("org_id = " + aq.arg(v.OrgID))
	ph := make([]string, len(ids))
	for i, id := range ids {
		ph[i] = aq.arg(id)
	}
	aq.and("outbox_id IN (" + strings.Join(ph, ", ") + ")")
	rows, err = d.db.QueryContext(ctx, aq.sql(`SELECT `+attemptColumns+` FROM webhook_attempts`, "ORDER BY attempted_at DESC, id DESC"), aq.args...)
	if err != nil {
		return nil, "", err
	}
	attempts, err := collect(rows, scanAttempt)
	if err != nil {
		return nil, "", err
	}
	for _, a := range attempts {
		byID[a.DeliveryID].Attempts = append(byID[a.DeliveryID].Attempts, a)
	}
	return out, next, nil
}

// ReplayWebhookDelivery queues one of the endpoint's deliveries again
// as a new message to the same endpoint, carrying the same body and so the
// same event id: a receiver that kept the first can tell the repeat. It
// is refused (ECONFLICT) while a delivery of that event to the endpoint is
// pending.
func (d *DB) ReplayWebhookDelivery(ctx context.Context, v fieldportal.Viewer, endpointID, deliveryID string) (*fieldportal.OutboxMessage, error) {
	if !mayManageWebhooks(v) {
		return nil, errWebhookAdmin
	}
	var m *fieldportal.OutboxMessage
	err := d.inTx(ctx, func(tx *Tx) error {
		old, err := scanOutbox(tx.QueryRowContext(ctx, `SELECT `+outboxColumns+` FROM outbox WHERE id = $1 AND org_id = $2 AND kind = 'webhook'
			AND endpoint_id = $3`, deliveryID, v.OrgID, endpointID))
		if errors.Is(err, sql.ErrNoRows) {
			return fieldportal.NotFound("webhook delivery")
		} else if err != nil {
			return err
		}
		// One event has at most one pending delivery to an endpoint: two,
		// both due, would be claimed by two workers and posted at the same
		// time. The lock makes the check and the insert one step between
		// two replays.
		if lock := d.dialect.keyLock(); lock != "" {
			if _, err := tx.ExecContext(ctx, lock, "webhook_replay:"+old.EndpointID); err != nil {
				return err
			}
		}
		var pending int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE endpoint_id = $1 AND org_id = $2 AND kind = 'webhook'
			AND status = 'pending' AND payload = $3`, old.EndpointID, v.OrgID, old.Payload).Scan(&pending); err != nil {
			return err
		}
		if pending > 0 {
			return fieldportal.Errorf(fieldportal.ECONFLICT, "This event is still being delivered to the endpoint; replay it once it is sent or given up.")
		}
		m = &fieldportal.OutboxMessage{OrgID: old.OrgID, Kind: old.Kind, Topic: old.Topic, Payload: old.Payload, EndpointID: old.EndpointID}
		if err := tx.enqueue(ctx, m); err != nil {
			return err
		}
		return tx.audit(ctx, v, "webhook.replayed", "webhook_endpoint", old.EndpointID, old.Topic+" (delivery "+old.ID+")")
	})
	return m, err
}

// WebhookTarget returns the endpoint a delivery goes to, with its secret
// opened, for the delivery worker (no viewer: the worker serves every
// organisation); ENOTFOUND once it is deleted.
func (d *DB) WebhookTarget(ctx context.Context, endpointID string) (*fieldportal.WebhookEndpoint, error) {
	return d.webhookEndpoint(ctx, "", endpointID)
}

// RecordWebhookAttempt records an attempt at a delivery worker holds, and
// its outcome on the delivery, in one transaction; without the claim it
// records nothing and returns ECONFLICT, like MarkOutboxSent; ENOTFOUND
// once the delivery is deleted with its endpoint.
//
// An endpoint is turned off when a delivery to it is given up after the
// whole retry period (a day) and no delivery to it succeeded meanwhile:
// every attempt to it failed for a day. Its admins are mailed in the same
// transaction, so the mail goes if and only if the endpoint is off.
func (d *DB) RecordWebhookAttempt(ctx context.Context, worker string, a *fieldportal.WebhookAttempt, o fieldportal.WebhookOutcome) error {
	// The answer (and an error quoting it) is the receiver's bytes:
	// PostgreSQL's text takes no NUL nor invalid UTF-8, and a record
	// refused for one would leave a delivered event to go out again
	// after every lease.
	a.Response = strings.ToValidUTF8(strings.ReplaceAll(a.Response, "\x00", "\uFFFD"), "\uFFFD")
	a.Error = strings.ToValidUTF8(strings.ReplaceAll(a.Error, "\x00", "\uFFFD"), "\uFFFD")
	if len(a.Response) > fieldportal.WebhookAttemptResponseMax {
		a.Response = strings.ToValidUTF8(a.Response[:fieldportal.WebhookAttemptResponseMax], "")
	}
	if len(a.Error) > 1000 {
		a.Error = strings.ToValidUTF8(a.Error[:1000], "")
	}
	return d.inTx(ctx, func(tx *Tx) error {
		var orgID, endpointID string
		var created time.Time
		// Locked: a claim by another worker committing meanwhile is waited
		// for and seen, rather than marked over.
		err := tx.QueryRowContext(ctx, `SELECT org_id, endpoint_id, created_at FROM outbox WHERE id = $1 AND claimed_by = $2 AND status = 'pending'`+
			d.dialect.forNoKeyUpdate(), a.DeliveryID, worker).Scan(&orgID, str(&endpointID), tm(&created))
		if errors.Is(err, sql.ErrNoRows) {
			// Gone with its endpoint (DeleteWebhookEndpoint): nobody
			// else holds it, there is just nothing left to record.
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE id = $1`, a.DeliveryID).Scan(&n); err != nil {
				return err
			} else if n == 0 {
				return fieldportal.NotFound("webhook delivery")
			}
			return fieldportal.Errorf(fieldportal.ECONFLICT, "outbox message %s is not pending under a claim of %s", a.DeliveryID, worker)
		} else if err != nil {
			return err
		}
		a.ID, a.EndpointID = newID(), endpointID
		if a.AttemptedAt.IsZero() {
			a.AttemptedAt = tx.now
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO webhook_attempts (id, org_id, outbox_id, endpoint_id, attempted_at, status_code,
			duration_ms, response, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, a.ID, orgID, a.DeliveryID, endpointID,
			a.AttemptedAt.UTC(), a.StatusCode, a.Duration.Milliseconds(), a.Response, a.Error); err != nil {
			return err
		}
		switch {
		case o.Delivered:
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET status = 'sent', sent_at = $2, claimed_until = NULL, last_error = '' WHERE id = $1`,
				a.DeliveryID, tx.now)
		default:
			status := fieldportal.OutboxPending
			if o.GiveUp {
				status = fieldportal.OutboxFailed
			}
			_, err = tx.ExecContext(ctx, `UPDATE outbox SET status = $2, next_attempt_at = $3, last_error = $4, claimed_until = NULL WHERE id = $1`,
				a.DeliveryID, status, o.Next.UTC(), attemptSummary(a))
		}
		if err != nil || !o.GiveUp || !o.DisableEndpoint {
			return err
		}
		return tx.disableFailingEndpoint(ctx, orgID, endpointID, created)
	})
}

// attemptSummary is an attempt's failure in a line, for the outbox.
func attemptSummary(a *fieldportal.WebhookAttempt) string {
	if a.Error != "" {
		return a.Error
	}
	return fmt.Sprintf("the receiver answered %d", a.StatusCode)
}

// disableFailingEndpoint turns an endpoint off if none of its deliveries
// succeeded since since, and mails the organisation's admins.
func (tx *Tx) disableFailingEndpoint(ctx context.Context, orgID, endpointID string, since time.Time) error {
	var ok int
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM webhook_attempts WHERE endpoint_id = $1 AND attempted_at >= $2
		AND status_code >= 200 AND status_code < 300`, endpointID, since).Scan(&ok); err != nil {
		return err
	}
	if ok > 0 {
		return nil
	}
	reason := fmt.Sprintf("every delivery to it failed from %s to %s.", since.UTC().Format("2 Jan 2006 15:04 UTC"), tx.now.Format("2 Jan 2006 15:04 UTC"))
	res, err := tx.ExecContext(ctx, `UPDATE webhook_endpoints SET active = $3, disabled_reason = $4, updated_at = $5
		WHERE id = $1 AND org_id = $2 AND active = $6`, endpointID, orgID, false, "Turned off: "+reason, tx.now, true)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err // already off: the admins were told then
	}
	var orgName, url string
	if err := tx.QueryRowContext(ctx, `SELECT o.name, w.url FROM organisations o JOIN webhook_endpoints w ON w.org_id = o.id
		WHERE w.id = $1`, endpointID).Scan(&orgName, &url); err != nil {
		return err
	}
	rows, err := tx.QueryContext(ctx, `SELECT email, name FROM staff_users WHERE org_id = $1 AND role = 'admin' AND disabled = $2 ORDER BY email`, orgID, false)
	if err != nil {
		return err
	}
	type admin struct{ email, name string }
	admins, err := collect(rows, func(r interface{ Scan(...any) error }) (admin, error) {
		var a admin
		return a, r.Scan(&a.email, &a.name)
	})
	if err != nil {
		return err
	}
	for _, a := range admins {
		m := mail.WebhookDisabled(orgName, a.name, url, reason)
		m.To = a.email
		if err := tx.enqueue(ctx, mail.Outbox(orgID, "webhook_disabled", m)); err != nil {
			return err
		}
	}
	return tx.audit(ctx, fieldportal.SystemViewer(orgID, "webhook delivery"), "webhook.disabled", "webhook_endpoint", endpointID, reason)
}
