package sqlstore

import (
	"context"
	"database/sql"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

// The outbox holds mail and webhook deliveries. A message is written in
// the same transaction as the change that causes it, so a crash can lose
// neither; workers claim due messages with a lease, so two instances never
// send one message at the same time, and a worker that dies leaves its
// claim to expire.

const outboxColumns = `id, org_id, kind, topic, recipient, subject, payload, status, attempts, next_attempt_at,
	last_error, endpoint_id, created_at, sent_at`

func scanOutbox(row interface{ Scan(...any) error }) (*fieldportal.OutboxMessage, error) {
	var m fieldportal.OutboxMessage
	err := row.Scan(&m.ID, &m.OrgID, &m.Kind, &m.Topic, &m.Recipient, &m.Subject, &m.Payload, &m.Status, &m.Attempts,
		tm(&m.NextAttemptAt), &m.LastError, str(&m.EndpointID), tm(&m.CreatedAt), tm(&m.SentAt))
	return &m, err
}

func (tx *Tx) enqueue(ctx context.Context, m *fieldportal.OutboxMessage) error {
	if m.Kind == mail.Kind {
		if err := tx.brandMail(ctx, m); err != nil {
			return err
		}
	}
	// A message may be due later than now (a digest that waits for more,
	// messages.go); anything else is due at once.
	due := tx.now
	if m.NextAttemptAt.After(tx.now) {
		due = m.NextAttemptAt
	}
	m.ID, m.CreatedAt, m.NextAttemptAt, m.Status = newID(), tx.now, due, fieldportal.OutboxPending
	_, err := tx.ExecContext(ctx, `INSERT INTO outbox (id, org_id, kind, topic, recipient, subject, payload, status,
		attempts, next_attempt_at, endpoint_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 0, $9, $10, $11)`,
		m.ID, m.OrgID, m.Kind, m.Topic, m.Recipient, m.Subject, m.Payload, m.Status, due, nullStr(m.EndpointID), tx.now)
	return err
}

// Enqueue queues a message on its own (when there is no other change to
// make in the same transaction).
func (d *DB) Enqueue(ctx context.Context, m *fieldportal.OutboxMessage) error {
	return d.inTx(ctx, func(tx *Tx) error { return tx.enqueue(ctx, m) })
}

// ClaimOutbox leases up to n due messages of a kind to worker for lease.
func (d *DB) ClaimOutbox(ctx context.Context, kind, worker string, n int, lease time.Duration) ([]*fieldportal.OutboxMessage, error) {
	var out []*fieldportal.OutboxMessage
	err := d.inTx(ctx, func(tx *Tx) error {
		if kind == mail.Kind {
			if err := tx.dropReadMessageMails(ctx); err != nil {
				return err
			}
		}
		rows, err := tx.QueryContext(ctx, `UPDATE outbox SET claimed_by = $1, claimed_until = $2, attempts = attempts + 1
			WHERE id IN (SELECT id FROM outbox WHERE kind = $3 AND status = 'pending' AND next_attempt_at <= $4
				AND (claimed_until IS NULL OR claimed_until < $4) ORDER BY next_attempt_at, id LIMIT $5`+d.dialect.skipLocked()+`)
			RETURNING `+outboxColumns, worker, tx.now.Add(lease), kind, tx.now, n)
		if err != nil {
			return err
		}
		out, err = collect(rows, scanOutbox)
		return err
	})
	return out, err
}

// ReleaseOutboxClaims hands back every pending message of kind that
// worker holds, for anyone to claim now; it returns how many. A worker
// whose id stays the same across restarts calls it on start, to take
// back at once what its previous process claimed and never finished,
// instead of waiting out the lease. Claims of other workers are left
// alone, as are the attempts counted (the dead process may have sent).
func (d *DB) ReleaseOutboxClaims(ctx context.Context, kind, worker string) (int, error) {
	res, err := d.db.ExecContext(ctx, `UPDATE outbox SET claimed_until = NULL
		WHERE kind = $1 AND claimed_by = $2 AND status = 'pending' AND claimed_until IS NOT NULL`, kind, worker)
	if err != nil {
		return 0, err
	}
	n, err := res.RowsAffected()
	return int(n), err
}

// secretTopics are mails that carry a single-use link: once delivered,
// their text is dropped, so the database holds no usable link (only the
// hash of each token is kept, SPEC §3).
var secretTopics = []string{"invite", "reset", "staff_reset"}

// MarkOutboxSent records a delivery, if the worker still holds the claim
// on the pending message; otherwise it changes nothing and returns an
// ECONFLICT error: another worker has taken the message and may send it
// again, which the caller must not keep quiet about.
func (d *DB) MarkOutboxSent(ctx context.Context, id, worker string) error {
	res, err := d.db.ExecContext(ctx, `UPDATE outbox SET status = 'sent', sent_at = $3, claimed_until = NULL, last_error = '',
		payload = CASE WHEN topic IN ($4, $5, $6) THEN '(delivered; the single-use link it carried is not kept)' ELSE payload END
		WHERE id = $1 AND claimed_by = $2 AND status = 'pending'`, id, worker, d.now(), secretTopics[0], secretTopics[1], secretTopics[2])
	return claimHeld(res, err, id, worker)
}

// claimHeld turns a mark that matched no row into the error that says the
// worker's claim is lost. A claim that merely lapsed still matches while
// nobody else has taken the message, and recording the outcome then is
// right.
func claimHeld(res sql.Result, err error, id, worker string) error {
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return fieldportal.Errorf(fieldportal.ECONFLICT, "outbox message %s is not pending under a claim of %s", id, worker)
	}
	return nil
}

// MarkOutboxRetry records a failed attempt: the message is tried again at
// next, or marked failed when giveUp. Like MarkOutboxSent it needs the
// worker's claim on the pending message, and returns ECONFLICT without it.
func (d *DB) MarkOutboxRetry(ctx context.Context, id, worker, lastError string, next time.Time, giveUp bool) error {
	status := fieldportal.OutboxPending
	if giveUp {
		status = fieldportal.OutboxFailed
	}
	if len(lastError) > 1000 {
		lastError = lastError[:1000]
	}
	res, err := d.db.ExecContext(ctx, `UPDATE outbox SET status = $3, next_attempt_at = $4, last_error = $5, claimed_until = NULL
		WHERE id = $1 AND claimed_by = $2 AND status = 'pending'`, id, worker, status, next.UTC(), lastError)
	return claimHeld(res, err, id, worker)
}

// FindOutbox lists an organisation's messages, newest first (the
// console's mail and webhook logs).
func (d *DB) FindOutbox(ctx context.Context, v fieldportal.Viewer, f fieldportal.OutboxFilter) ([]*fieldportal.OutboxMessage, string, error) {
	if err := needStaff(v); err != nil {
		return nil, "", err
	}
	var q query
	q.and("org_id = " + q.arg(v.OrgID))
	if f.Kind != "" {
		q.and("kind = " + q.arg(f.Kind))
	}
	if f.Status != "" {
		q.and("status = " + q.arg(f.Status))
	}
	if err := q.keyset(f.After, true, "id"); err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+outboxColumns+` FROM outbox`, "ORDER BY id DESC"+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanOutbox)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(m *fieldportal.OutboxMessage) string { return cursor(m.ID) })
	return list, next, nil
}

// CountPendingOutbox counts the messages waiting to be sent, by kind, over
// every organisation (the /metrics backlog gauge).
func (d *DB) CountPendingOutbox(ctx context.Context) (map[string]int, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT kind, count(*) FROM outbox WHERE status = 'pending' GROUP BY kind`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var kind string
		var n int
		if err := rows.Scan(&kind, &n); err != nil {
			return nil, err
		}
		out[kind] = n
	}
	return out, rows.Err()
}

// CountOutbox counts an organisation's messages of a kind and status (the
// console's "mails waiting").
func (d *DB) CountOutbox(ctx context.Context, v fieldportal.Viewer, kind, status string) (int, error) {
	if err := needStaff(v); err != nil {
		return 0, err
	}
	var n int
	err := d.db.QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE org_id = $1 AND kind = $2 AND status = $3`, v.OrgID, kind, status).Scan(&n)
	return n, err
}
