package sqlstore_test

import (
	"testing"

	"github.com/fieldportal/fieldportal"
)

// The write matrix's rows of the webhook endpoints and their deliveries
// (issue 19): an admin's alone, of its own organisation; another's are
// not found.
func (w *writeWorld) webhookRows() []writeRow {
	ctx, db := w.ctx, w.db
	input := func() fieldportal.WebhookEndpointInput {
		return fieldportal.WebhookEndpointInput{URL: "https://hooks.example.com/" + w.next(), Events: []string{"issue.created"}}
	}
	makeEndpoint := func(t *testing.T, target string) string {
		var id string
		w.made(t, target, &id, func(v fieldportal.Viewer) error {
			e, err := db.CreateWebhookEndpoint(ctx, v, input())
			if err == nil {
				id = e.ID
			}
			return err
		})
		return id
	}
	endpointIn := once(makeEndpoint)
	// deliveryOf makes a delivery to an endpoint of its own; the list row
	// and the replay row have one each, so a replay does not add to the
	// list the other reads.
	deliveryOf := func() func(t *testing.T, target string) [2]string {
		endpoint := once(makeEndpoint)
		return once(func(t *testing.T, target string) [2]string {
			var id string
			w.made(t, target, &id, func(v fieldportal.Viewer) error {
				m := &fieldportal.OutboxMessage{OrgID: v.OrgID, Kind: "webhook", Topic: "issue.created", Payload: `{"id":"e"}`,
					EndpointID: endpoint(t, target)}
				err := db.Enqueue(ctx, m)
				id = m.ID
				if err == nil {
					// Given up, so that it may be replayed (a pending
					// delivery may not).
					_, err = db.SQL().ExecContext(ctx, `UPDATE outbox SET status = 'failed' WHERE id = $1`, m.ID)
				}
				return err
			})
			return [2]string{endpoint(t, target), id}
		})
	}
	listed, replayed := deliveryOf(), deliveryOf()
	return []writeRow{
		{
			name: "CreateWebhookEndpoint", covers: []string{"WebhookService.CreateWebhookEndpoint"}, targets: ownOrg,
			try: func(t *testing.T, v fieldportal.Viewer, _ string) ([]string, error) {
				return errOnly(db.CreateWebhookEndpoint(ctx, v, input()))
			},
			want: adminOnly(own, succeeds),
		},
		{
			name: "FindWebhookEndpoint", covers: []string{"WebhookService.FindWebhookEndpoint"}, targets: orgs,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.FindWebhookEndpoint(ctx, v, endpointIn(t, target)))
			},
			want: adminOnly(inOrg, notFound),
		},
		{
			name: "UpdateWebhookEndpoint", covers: []string{"WebhookService.UpdateWebhookEndpoint"}, targets: orgs,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.UpdateWebhookEndpoint(ctx, v, endpointIn(t, target), input()))
			},
			want: adminOnly(inOrg, notFound),
		},
		{
			name: "SetWebhookEndpointActive", covers: []string{"WebhookService.SetWebhookEndpointActive"}, targets: orgs,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.SetWebhookEndpointActive(ctx, v, endpointIn(t, target), true))
			},
			want: adminOnly(inOrg, notFound),
		},
		{
			// Each attempt deletes an endpoint of its own.
			name: "DeleteWebhookEndpoint", covers: []string{"WebhookService.DeleteWebhookEndpoint"}, targets: orgs,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.DeleteWebhookEndpoint(ctx, v, makeEndpoint(t, target)))
			},
			want: adminOnly(inOrg, notFound),
		},
		{
			name: "FindWebhookDeliveries", covers: []string{"WebhookService.FindWebhookDeliveries"}, targets: orgs,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				l, _, err := db.FindWebhookDeliveries(ctx, v, listed(t, target)[0], fieldportal.Page{})
				return idsOf(l, func(d *fieldportal.WebhookDelivery) string { return d.Topic }), err
			},
			want: func(kind, target string) outcome {
				if o := adminOnly(inOrg, notFound)(kind, target); o.code != "" {
					return o
				}
				return sees("issue.created")
			},
		},
		{
			name: "ReplayWebhookDelivery", covers: []string{"WebhookService.ReplayWebhookDelivery"}, targets: orgs,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return errOnly(db.ReplayWebhookDelivery(ctx, v, replayed(t, target)[0], replayed(t, target)[1]))
			},
			want: adminOnly(inOrg, notFound),
		},
	}
}
