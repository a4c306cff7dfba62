package sqlstore

import (
	"context"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// FindWebhookEndpoints lists the endpoints the back office hears from
// (SPEC §6), without their signing secrets. They are the operator's: a
// contact, or anyone not signed in, gets an empty list, as the scope
// gives such a viewer no rows of anything the operator alone sees. The
// events are stored comma-separated, like a login's page access.
func (d *DB) FindWebhookEndpoints(ctx context.Context, v fieldportal.Viewer) ([]*fieldportal.WebhookEndpoint, error) {
	if !v.SeesWholeOrg() {
		return []*fieldportal.WebhookEndpoint{}, nil
	}
	rows, err := d.db.QueryContext(ctx, `SELECT id, org_id, url, events, active, created_at, updated_at
		FROM webhook_endpoints WHERE org_id = $1 ORDER BY created_at, id`, v.OrgID)
	if err != nil {
		return nil, err
	}
	list, err := collect(rows, func(r interface{ Scan(...any) error }) (*fieldportal.WebhookEndpoint, error) {
		var e fieldportal.WebhookEndpoint
		var events string
		err := r.Scan(&e.ID, &e.OrgID, &e.URL, &events, &e.Active, tm(&e.CreatedAt), tm(&e.UpdatedAt))
		e.Events = splitList(events)
		return &e, err
	})
	if list == nil && err == nil {
		list = []*fieldportal.WebhookEndpoint{}
	}
	return list, err
}

// splitList splits a stored comma-separated list, dropping empty items.
func splitList(s string) []string {
	out := []string{}
	for part := range strings.SplitSeq(s, ",") {
		if part = strings.TrimSpace(part); part != "" {
			out = append(out, part)
		}
	}
	return out
}
