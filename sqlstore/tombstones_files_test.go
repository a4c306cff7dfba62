package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestDeleteFilesAndTransfers: a deleted document, certificate or asset
// transfer leaves its tombstone and <kind>.deleted event, and what named
// it follows: a deleted file no longer lists, counts nor downloads, a
// certificate loses its link to it; a deleted certificate takes its own
// files; a deleted transfer moves the asset back, and only the latest
// transfer can be deleted.
func TestDeleteFilesAndTransfers(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := w.Staff
		contact := mustWorkContact(t, db, w.Org.ID, w.Child.ID, fieldportal.AllModules, w.SiteB.ID)
		attach := func(kind, id, name string) *fieldportal.Document {
			t.Helper()
			docs, err := db.AttachFiles(ctx, staff, kind, id, []fieldportal.Upload{{Name: name, ContentType: "text/plain",
				Data: []byte("About " + name), VisibleToCustomer: true}})
			if err != nil || len(docs) != 1 {
				t.Fatalf("attach %s: %v", name, err)
			}
			return docs[0]
		}
		today := fieldportal.DateOf(time.Now().UTC())
		certificate := func(number string, files ...fieldportal.Upload) *fieldportal.Certificate {
			t.Helper()
			c := &fieldportal.Certificate{SiteID: w.SiteB.ID, Number: number, Type: "Gas safety", IssuedOn: today.AddDays(-300),
				ExpiresOn: today.AddDays(10), ExternalID: "C-" + number}
			if err := db.IssueCertificate(ctx, staff, c, files, true); err != nil {
				t.Fatal(err)
			}
			return c
		}
		deleted := func(t *testing.T, kind string, ids ...string) {
			t.Helper()
			var got []string
			for _, x := range mustTombstones(t, db, staff, kind) {
				got = append(got, x.ID)
			}
			if diff := cmp.Diff(ids, got); diff != "" {
				t.Errorf("%s tombstones (-want +got):\n%s", kind, diff)
			}
			if diff := cmp.Diff(ids, mustDeletedEvents(t, db, w.Org.ID, kind+".deleted")); diff != "" {
				t.Errorf("%s.deleted events (-want +got):\n%s", kind, diff)
			}
		}
		if _, err := db.CreateWebhookEndpoint(ctx, staff, fieldportal.WebhookEndpointInput{URL: "https://hooks.example.com/bo",
			Events: []string{"certificate.deleted", "document.deleted", "asset_transfer.deleted"}}); err != nil {
			t.Fatal(err)
		}

		var docsGone []string
		t.Run("a deleted document no longer lists nor downloads, and its certificate loses the link", func(t *testing.T) {
			doc := attach("site", w.SiteB.ID, "plan.txt")
			c := certificate("G-1")
			c.DocumentID = doc.ID
			if err := db.UpdateCertificate(ctx, staff, c); err != nil {
				t.Fatal(err)
			}
			if _, _, err := openBytes(db.OpenCertificateFile(ctx, contact, c.ID)); err != nil {
				t.Fatalf("the certificate's file before: %v", err)
			}
			if err := db.DeleteDocument(ctx, contact, doc.ID, time.Time{}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("a contact's delete: %v", err)
			}
			if err := db.DeleteDocument(ctx, w.OtherStaff, doc.ID, time.Time{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("another organisation's delete: %v", err)
			}
			if err := db.DeleteDocument(ctx, staff, doc.ID, doc.UpdatedAt.Add(-time.Second)); fieldportal.ErrorCode(err) != fieldportal.ErrorCode(fieldportal.ErrChanged) {
				t.Errorf("delete of a stale version: %v", err)
			}
			if err := db.DeleteDocument(ctx, staff, doc.ID, doc.UpdatedAt); err != nil {
				t.Fatal(err)
			}
			docsGone = append(docsGone, doc.ID)
			for name, v := range map[string]fieldportal.Viewer{"staff": staff, "contact": contact} {
				if _, err := db.FindDocumentByID(ctx, v, doc.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s finds it: %v", name, err)
				}
				if _, _, err := openBytes(db.OpenDocument(ctx, v, doc.ID)); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s downloads it: %v", name, err)
				}
				if _, _, err := openBytes(db.OpenCertificateFile(ctx, v, c.ID)); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s downloads it as the certificate's file: %v", name, err)
				}
				l, _, err := db.FindDocuments(ctx, v, fieldportal.DocumentFilter{SiteID: w.SiteB.ID})
				if err != nil {
					t.Fatal(err)
				}
				for _, d := range l {
					if d.ID == doc.ID {
						t.Errorf("%s lists it", name)
					}
				}
			}
			after, err := db.FindCertificateByID(ctx, staff, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if after.DocumentID != "" || !after.UpdatedAt.After(c.UpdatedAt) {
				t.Errorf("the certificate after: document %q, updated %v (was %v)", after.DocumentID, after.UpdatedAt, c.UpdatedAt)
			}
		})
		t.Run("a deleted certificate takes its own file and leaves every count", func(t *testing.T) {
			before, err := db.CountExpiringCertificates(ctx, contact, today)
			if err != nil {
				t.Fatal(err)
			}
			c := certificate("G-2", fieldportal.Upload{Name: "g2.txt", ContentType: "text/plain", Data: []byte("G-2")})
			siteFile := attach("site", w.SiteB.ID, "linked.txt")
			if n, err := db.CountExpiringCertificates(ctx, contact, today); err != nil || n != before+1 {
				t.Fatalf("expiring with the certificate = %d, %v; want %d", n, err, before+1)
			}
			if err := db.DeleteCertificate(ctx, contact, c.ID, time.Time{}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("a contact's delete: %v", err)
			}
			if err := db.DeleteCertificate(ctx, w.OtherStaff, c.ID, time.Time{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("another organisation's delete: %v", err)
			}
			if err := db.DeleteCertificate(ctx, staff, c.ID, c.UpdatedAt.Add(-time.Second)); fieldportal.ErrorCode(err) != fieldportal.ErrorCode(fieldportal.ErrChanged) {
				t.Errorf("delete of a stale version: %v", err)
			}
			if err := db.DeleteCertificate(ctx, staff, c.ID, c.UpdatedAt); err != nil {
				t.Fatal(err)
			}
			docsGone = append(docsGone, c.DocumentID)
			if _, err := db.FindCertificateByID(ctx, staff, c.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("certificate after delete: %v", err)
			}
			if _, err := db.FindDocumentByID(ctx, staff, c.DocumentID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("its file after delete: %v", err)
			}
			if _, err := db.FindDocumentByID(ctx, staff, siteFile.ID); err != nil {
				t.Errorf("the site's file went too: %v", err)
			}
			if n, err := db.CountExpiringCertificates(ctx, contact, today); err != nil || n != before {
				t.Errorf("expiring after the delete = %d, %v; want %d", n, err, before)
			}
			l, _, err := db.FindCertificates(ctx, contact, fieldportal.CertificateFilter{SiteID: w.SiteB.ID})
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range l {
				if x.ID == c.ID {
					t.Errorf("the contact still lists it")
				}
			}
			deleted(t, fieldportal.KindCertificate, c.ID)
			if l := mustTombstones(t, db, staff, fieldportal.KindCertificate); len(l) == 1 && l[0].ExternalID != "C-G-2" {
				t.Errorf("tombstone's external id = %q", l[0].ExternalID)
			}
		})
		t.Run("every deleted file leaves its tombstone and event", func(t *testing.T) {
			want := append([]string(nil), docsGone...)
			deleted(t, fieldportal.KindDocument, want...)
		})
		t.Run("a deleted transfer moves the asset back; only the latest can go", func(t *testing.T) {
			third := mustAssetsSite(t, db, staff, w.Parent.ID, "Charlie Works")
			first, err := db.TransferAsset(ctx, staff, w.AssetA, w.SiteB.ID, today, "to Bravo")
			if err != nil {
				t.Fatal(err)
			}
			second, err := db.TransferAsset(ctx, staff, w.AssetA, third.ID, today, "to Charlie")
			if err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteAssetTransfer(ctx, staff, first.ID, time.Time{}); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
				t.Errorf("delete of an earlier transfer: %v", err)
			}
			if err := db.DeleteAssetTransfer(ctx, contact, second.ID, time.Time{}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("a contact's delete: %v", err)
			}
			if err := db.DeleteAssetTransfer(ctx, w.OtherStaff, second.ID, time.Time{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("another organisation's delete: %v", err)
			}
			before, err := db.FindAssetByID(ctx, staff, w.AssetA)
			if err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteAssetTransfer(ctx, staff, second.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			a, err := db.FindAssetByID(ctx, staff, w.AssetA)
			if err != nil {
				t.Fatal(err)
			}
			if a.SiteID != w.SiteB.ID || a.CustomerID != w.Child.ID || !a.UpdatedAt.After(before.UpdatedAt) {
				t.Errorf("asset after undoing the move: site %s customer %s updated %v; want %s, %s, after %v",
					a.SiteID, a.CustomerID, a.UpdatedAt, w.SiteB.ID, w.Child.ID, before.UpdatedAt)
			}
			if _, err := db.FindAssetTransferByID(ctx, staff, second.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("transfer after delete: %v", err)
			}
			// Now the first is the latest, and can go: back where it began.
			if err := db.DeleteAssetTransfer(ctx, staff, first.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if a, err := db.FindAssetByID(ctx, staff, w.AssetA); err != nil || a.SiteID != w.SiteA.ID || a.CustomerID != w.Parent.ID {
				t.Errorf("asset after undoing both: %+v, %v", a, err)
			}
			deleted(t, fieldportal.KindAssetTransfer, second.ID, first.ID)
		})
	})
}
