package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestWebhookEndpointsByAPIKey checks the back office's door to its
// endpoints: a key of the organisation reads them, one of the write
// scope changes them too, as an admin does; another organisation's key
// finds none, and plain staff stay refused.
func TestWebhookEndpointsByAPIKey(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		write := fieldportal.NewAPIKeyViewer(f.orgA, "k1", "Back office", fieldportal.APIKeyWrite)
		read := fieldportal.NewAPIKeyViewer(f.orgA, "k2", "Reader", fieldportal.APIKeyRead)
		other := fieldportal.NewAPIKeyViewer(f.orgB, "k3", "Other", fieldportal.APIKeyWrite)
		in := fieldportal.WebhookEndpointInput{URL: "https://hooks.example.com/bo", Events: []string{"issue.created"}}

		e, err := db.CreateWebhookEndpoint(ctx, write, in)
		if err != nil {
			t.Fatalf("a write key creates: %v", err)
		}
		m := &fieldportal.OutboxMessage{OrgID: f.orgA, Kind: "webhook", Topic: "issue.created", Payload: `{}`, EndpointID: e.ID}
		if err := db.Enqueue(ctx, m); err != nil {
			t.Fatal(err)
		}
		t.Run("a key of the organisation reads", func(t *testing.T) {
			for name, v := range map[string]fieldportal.Viewer{"write": write, "read": read} {
				if got, err := db.FindWebhookEndpoint(ctx, v, e.ID); err != nil || got.Secret != e.Secret {
					t.Errorf("%s: %v", name, err)
				}
				if list, _, err := db.FindWebhookDeliveries(ctx, v, e.ID, fieldportal.Page{}); err != nil || len(list) != 1 {
					t.Errorf("%s deliveries: %d %v", name, len(list), err)
				}
				if list, _, err := db.FindWebhookEndpointPage(ctx, v, fieldportal.WebhookEndpointFilter{}); err != nil || len(list) != 1 {
					t.Errorf("%s list: %d %v", name, len(list), err)
				}
			}
		})
		off := false
		t.Run("a read key and plain staff may not change", func(t *testing.T) {
			for name, v := range map[string]fieldportal.Viewer{"read": read, "staff": f.staff} {
				if _, err := db.CreateWebhookEndpoint(ctx, v, in); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
					t.Errorf("%s creates: %v", name, err)
				}
				if _, err := db.UpdateWebhookEndpoint(ctx, v, e.ID, in); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
					t.Errorf("%s updates: %v", name, err)
				}
				if _, err := db.SetWebhookEndpointActive(ctx, v, e.ID, false); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
					t.Errorf("%s disables: %v", name, err)
				}
				if err := db.DeleteWebhookEndpoint(ctx, v, e.ID); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
					t.Errorf("%s deletes: %v", name, err)
				}
			}
			if _, err := db.FindWebhookEndpoint(ctx, f.staff, e.ID); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("staff reads the secret: %v", err)
			}
		})
		t.Run("another organisation's key finds nothing", func(t *testing.T) {
			if _, err := db.FindWebhookEndpoint(ctx, other, e.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("reads: %v", err)
			}
			if _, err := db.UpdateWebhookEndpoint(ctx, other, e.ID, fieldportal.WebhookEndpointInput{URL: in.URL, Events: in.Events, Active: &off}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("updates: %v", err)
			}
			if _, _, err := db.FindWebhookDeliveries(ctx, other, e.ID, fieldportal.Page{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("deliveries: %v", err)
			}
			if err := db.DeleteWebhookEndpoint(ctx, other, e.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("deletes: %v", err)
			}
			if list, _, err := db.FindWebhookEndpointPage(ctx, other, fieldportal.WebhookEndpointFilter{}); err != nil || len(list) != 0 {
				t.Errorf("lists %d, %v", len(list), err)
			}
		})
		t.Run("a write key changes URL, events and flag in one save", func(t *testing.T) {
			f.clk.now = f.clk.now.Add(time.Minute)
			got, err := db.UpdateWebhookEndpoint(ctx, write, e.ID, fieldportal.WebhookEndpointInput{URL: "https://hooks.example.com/v2",
				Events: []string{"*"}, Active: &off, IfUpdatedAt: e.UpdatedAt})
			if err != nil || got.Active || got.URL != "https://hooks.example.com/v2" || got.Secret != e.Secret {
				t.Fatalf("updated %+v, %v", got, err)
			}
			if _, err := db.UpdateWebhookEndpoint(ctx, write, e.ID, fieldportal.WebhookEndpointInput{URL: "https://hooks.example.com/v3",
				Events: []string{"*"}, IfUpdatedAt: e.UpdatedAt}); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
				t.Errorf("a save over a stale version: %v", err)
			}
			if got, err := db.SetWebhookEndpointActive(ctx, write, e.ID, true); err != nil || !got.Active {
				t.Errorf("enabled %+v, %v", got, err)
			}
			if err := db.DeleteWebhookEndpoint(ctx, write, e.ID); err != nil {
				t.Errorf("deletes: %v", err)
			}
		})
	})
}
