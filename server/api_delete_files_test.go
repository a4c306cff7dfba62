package server

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// TestAPIDeleteFilesAndTransfers deletes certificates, documents and asset
// transfers through the API on both engines: 404 for another
// organisation's key, 403 for a read key, 204 then 404 (a document's
// content too), the tombstones in the lists by updated_since, the
// <kind>.deleted events, and a transfer that is not the asset's latest
// refused with 409.
func TestAPIDeleteFilesAndTransfers(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := newFixture(t, db)
		ours := mustOrg(t, db, "Our Org", "ours.example.test")
		c := mustAPIClient(t, f, ours.ID, "ours.example.test")
		c.checkResponses()
		other := mustAPIClient(t, f, mustOrg(t, db, "Other Org", "other.example.test").ID, "other.example.test")
		reader := mustAPIReadClient(t, f, ours.ID, "ours.example.test")
		if _, err := db.CreateWebhookEndpoint(ctx, fieldportal.SystemViewer(ours.ID, "test"),
			fieldportal.WebhookEndpointInput{URL: "https://hooks.example.com/bo", Events: []string{"*"}}); err != nil {
			t.Fatal(err)
		}
		// The writes are an hour ago, so that the walks (which stop at
		// the store's clock less api.SyncLag) reach them.
		since := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		db.Now = func() time.Time { return since.Add(time.Minute) }
		t.Cleanup(func() { db.Now = time.Now })
		_, site := mustAPICustomerSite(t, c, "C-1", "S-1")
		_, site2 := mustAPICustomerSite(t, c, "C-2", "S-2")

		var doc api.Document
		c.upload(201, &doc, []apiFile{{name: "plan.txt", data: []byte("the plan")}}, "attached_to", "site", "site_id", site.ID,
			"external_id", "D-1")
		var cert api.Certificate
		c.must(201, &cert, "POST", "/api/v1/certificates", `{"site_id":"`+site.ID+`","cert_type":"Gas safety","number":"G-1",`+
			`"issued_on":"2026-01-05","external_id":"C-G1","document_id":"`+doc.ID+`"}`)
		asset := mustAPIAsset(t, c, site.ID, "A-1")
		var first, second api.AssetTransfer
		c.must(201, &first, "POST", "/api/v1/asset-transfers", `{"asset_id":"`+asset.ID+`","to_site_id":"`+site2.ID+`"}`)
		c.must(201, &second, "POST", "/api/v1/asset-transfers", `{"asset_id":"`+asset.ID+`","to_site_id":"`+site.ID+`"}`)

		for _, p := range []string{"/api/v1/documents/" + doc.ID, "/api/v1/certificates/" + cert.ID, "/api/v1/asset-transfers/" + second.ID} {
			t.Run("another organisation's key gets 404: "+p, func(t *testing.T) {
				other.problem(404, nil, "DELETE", p, "")
				c.must(200, nil, "GET", p, "")
			})
			t.Run("a read key gets 403: "+p, func(t *testing.T) {
				reader.problem(403, nil, "DELETE", p, "")
				c.must(200, nil, "GET", p, "")
			})
			t.Run("If-Match of another version gets 412: "+p, func(t *testing.T) {
				c.problem(412, nil, "DELETE", p, "", "If-Match", `"0123456789abcdef0123456789abcdef"`)
				c.must(200, nil, "GET", p, "")
			})
		}
		t.Run("a document deleted no longer downloads, and its certificate loses the link", func(t *testing.T) {
			c.must(200, nil, "GET", "/api/v1/documents/"+doc.ID+"/content", "")
			c.must(204, nil, "DELETE", "/api/v1/documents/"+doc.ID, "")
			c.problem(404, nil, "GET", "/api/v1/documents/"+doc.ID, "")
			c.problem(404, nil, "GET", "/api/v1/documents/"+doc.ID+"/content", "")
			var after api.Certificate
			c.must(200, &after, "GET", "/api/v1/certificates/"+cert.ID, "")
			if after.DocumentID != nil {
				t.Errorf("the certificate still names document %s", *after.DocumentID)
			}
		})
		t.Run("a certificate deleted answers 404", func(t *testing.T) {
			c.must(204, nil, "DELETE", "/api/v1/certificates/"+cert.ID, "")
			c.problem(404, nil, "GET", "/api/v1/certificates/"+cert.ID, "")
		})
		t.Run("only the asset's latest transfer is deleted, moving it back", func(t *testing.T) {
			c.problem(409, nil, "DELETE", "/api/v1/asset-transfers/"+first.ID, "")
			c.must(204, nil, "DELETE", "/api/v1/asset-transfers/"+second.ID, "")
			c.problem(404, nil, "GET", "/api/v1/asset-transfers/"+second.ID, "")
			var a api.Asset
			c.must(200, &a, "GET", "/api/v1/assets/"+asset.ID, "")
			if a.SiteID != site2.ID {
				t.Errorf("the asset is at %s, want %s (the site the deleted transfer left)", a.SiteID, site2.ID)
			}
		})

		// Each sync list ends with its tombstone; the events are queued.
		db.Now = time.Now
		for _, tc := range []struct {
			path, topic, id, ext string
		}{
			{"/api/v1/documents", "document.deleted", doc.ID, "D-1"},
			{"/api/v1/certificates", "certificate.deleted", cert.ID, "C-G1"},
			{"/api/v1/asset-transfers", "asset_transfer.deleted", second.ID, ""},
		} {
			t.Run("the sync list and the webhook carry the deletion: "+tc.path, func(t *testing.T) {
				var tombs []syncItem
				for _, x := range mustSyncWalk(t, c, tc.path, since, "1") {
					if x.Deleted {
						x.DeletedAt = time.Time{}
						tombs = append(tombs, x)
					}
				}
				want := syncItem{ID: tc.id, Deleted: true}
				if tc.ext != "" {
					want.ExternalID = &tc.ext
				}
				if diff := cmp.Diff([]syncItem{want}, tombs); diff != "" {
					t.Errorf("tombstones (-want +got):\n%s", diff)
				}
				var n int
				if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM outbox WHERE org_id = $1 AND kind = 'webhook' AND topic = $2
					AND payload LIKE $3`, ours.ID, tc.topic, "%"+tc.id+"%").Scan(&n); err != nil || n != 1 {
					t.Errorf("%s events = %d, %v", tc.topic, n, err)
				}
			})
		}
	})
}
