package sqlstore

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/fieldportal/fieldportal"
)

// eventBody is the JSON a webhook delivery carries (SPEC §6): the event's
// own id, so a receiver can drop a repeat, its type, when it happened, and
// the record as the API shows it.
type eventBody struct {
	ID        string    `json:"id"`
	Type      string    `json:"type"`
	CreatedAt time.Time `json:"created_at"`
	// Source is the door the change came through (portal, console, api,
	// or system for the program's own jobs), so that a back office can
	// skip the echoes of its own writes.
	Source string `json:"source"`
	Data   any    `json:"data"`
}

// emitEvent queues an event for every active webhook endpoint of the
// organisation that listens to it ("*" listens to all), in the same
// transaction as the change that causes it, so an event goes out if and
// only if the change is kept. The webhook worker delivers and signs them.
// v is who made the change: its kind gives the event's source.
func (tx *Tx) emitEvent(ctx context.Context, v fieldportal.Viewer, orgID, topic string, data any) error {
	return tx.emitEventFrom(ctx, fieldportal.EventSource(v), orgID, topic, data)
}

// emitEventFrom is emitEvent for a change whose source is known apart
// from the viewer that records it.
func (tx *Tx) emitEventFrom(ctx context.Context, source, orgID, topic string, data any) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, events FROM webhook_endpoints WHERE org_id = $1 AND active = $2`, orgID, true)
	if err != nil {
		return err
	}
	type target struct{ id, events string }
	var targets []target
	for rows.Next() {
		var t target
		if err := rows.Scan(&t.id, &t.events); err != nil {
			rows.Close()
			return err
		}
		targets = append(targets, t)
	}
	if err := rows.Close(); err != nil {
		return err
	}
	if err := rows.Err(); err != nil {
		return err
	}
	if len(targets) == 0 {
		return nil
	}
	if tx.db.EventData != nil {
		var currency string
		if err := tx.QueryRowContext(ctx, `SELECT currency FROM organisations WHERE id = $1`, orgID).Scan(&currency); err != nil {
			return err
		}
		data = tx.db.EventData(data, currency)
	}
	body, err := json.Marshal(eventBody{ID: newID(), Type: topic, CreatedAt: tx.now.UTC(), Source: source, Data: data})
	if err != nil {
		return err
	}
	for _, t := range targets {
		events := splitList(t.events)
		if !slices.Contains(events, topic) && !slices.Contains(events, "*") {
			continue
		}
		if err := tx.enqueue(ctx, &fieldportal.OutboxMessage{OrgID: orgID, Kind: "webhook", Topic: topic,
			Payload: string(body), EndpointID: t.id}); err != nil {
			return err
		}
	}
	return nil
}
