package sqlstore_test

// Races of an asset's moves against the delete of its latest transfer
// (found by review): a move read the asset's site before it locked the
// asset, so on PostgreSQL a transfer written while a delete moved the
// asset back recorded the site the asset had just left, and the history
// was no longer a chain (its earlier transfers could never be deleted).

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestAssetMovesSeeConcurrentTransferDelete(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := w.Staff
		today := fieldportal.DateOf(time.Now().UTC())
		third := mustAssetsSite(t, db, staff, w.Parent.ID, "Charlie Works")

		// undoMeanwhile holds the asset as DeleteAssetTransfer of x does
		// (moved back, x gone), runs move meanwhile and commits: move must
		// start from the site the asset went back to.
		undoMeanwhile := func(t *testing.T, assetID string, x *fieldportal.AssetTransfer, from *fieldportal.Site, move func() error) {
			t.Helper()
			tx, err := db.SQL().BeginTx(ctx, nil)
			if err != nil {
				t.Fatal(err)
			}
			defer tx.Rollback()
			if _, err := tx.ExecContext(ctx, `UPDATE assets SET site_id = $2, customer_id = $3 WHERE id = $1`,
				assetID, from.ID, from.CustomerID); err != nil {
				t.Fatal(err)
			}
			if _, err := tx.ExecContext(ctx, `DELETE FROM asset_transfers WHERE id = $1`, x.ID); err != nil {
				t.Fatal(err)
			}
			if err := commitAfter(t, tx, move); err != nil {
				t.Fatal(err)
			}
		}
		lastFrom := func(t *testing.T, assetID string) *fieldportal.AssetTransfer {
			t.Helper()
			l, err := db.FindAssetTransfers(ctx, staff, assetID)
			if err != nil || len(l) == 0 {
				t.Fatalf("transfers: %v, %v", l, err)
			}
			return l[0]
		}

		for _, c := range []struct {
			name string
			move func(assetID string) error
		}{
			{"a transfer", func(assetID string) error {
				_, err := db.TransferAsset(ctx, staff, assetID, third.ID, today, "")
				return err
			}},
			{"an update that moves the asset", func(assetID string) error {
				a, err := db.FindAssetByID(ctx, staff, assetID)
				if err != nil {
					return err
				}
				a.SiteID = third.ID
				return db.UpdateAsset(ctx, staff, a)
			}},
		} {
			t.Run(c.name+" starts from the site a concurrent delete moved the asset back to", func(t *testing.T) {
				assetID := mustWorkAsset(t, db, w.Org.ID, w.SiteA, "R-"+c.name[:4])
				x, err := db.TransferAsset(ctx, staff, assetID, w.SiteB.ID, today, "")
				if err != nil {
					t.Fatal(err)
				}
				undoMeanwhile(t, assetID, x, w.SiteA, func() error { return c.move(assetID) })
				got := lastFrom(t, assetID)
				if got.FromSiteID != w.SiteA.ID || got.ToSiteID != third.ID {
					t.Errorf("transfer %s -> %s, want from %s (Alpha, where the asset was) to %s", got.FromSiteID, got.ToSiteID, w.SiteA.ID, third.ID)
				}
				// The chain holds: deleting the transfer moves the asset
				// back to where it really was.
				if err := db.DeleteAssetTransfer(ctx, staff, got.ID, got.UpdatedAt); err != nil {
					t.Fatal(err)
				}
				if a, err := db.FindAssetByID(ctx, staff, assetID); err != nil || a.SiteID != w.SiteA.ID || a.CustomerID != w.Parent.ID {
					t.Errorf("asset after the delete: %+v, %v; want at Alpha House", a, err)
				}
			})
		}
	})
}

// TestCertificateLinkSeesConcurrentDocumentDelete: a certificate saved
// with a file that a concurrent delete is removing is refused (the file
// is not found), instead of keeping a link to a file that is gone (found
// by review: the file was read without holding it, on PostgreSQL).
func TestCertificateLinkSeesConcurrentDocumentDelete(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := w.Staff
		docs, err := db.AttachFiles(ctx, staff, "site", w.SiteB.ID, []fieldportal.Upload{{Name: "plan.txt", ContentType: "text/plain", Data: []byte("a plan")}})
		if err != nil {
			t.Fatal(err)
		}
		c := &fieldportal.Certificate{SiteID: w.SiteB.ID, Number: "L-1", Type: "Gas safety", IssuedOn: fieldportal.DateOf(time.Now().UTC())}
		if err := db.CreateCertificate(ctx, staff, c); err != nil {
			t.Fatal(err)
		}
		err = changeMeanwhile(t, db, `DELETE FROM documents WHERE id = $1`, docs[0].ID, func() error {
			x := *c
			x.DocumentID = docs[0].ID
			return db.UpdateCertificate(ctx, staff, &x)
		})
		wantWorkCode(t, err, fieldportal.EINVALID, "document_id")
		got, err := db.FindCertificateByID(ctx, staff, c.ID)
		if err != nil || got.DocumentID != "" {
			t.Errorf("certificate %+v, %v: want it without a link to the deleted file", got, err)
		}
	})
}

// TestDeleteOfARecordDeletedMeanwhile: the second of two deletes of one
// record at once finds it gone (ENOTFOUND), and writes no second
// tombstone, event nor audit entry (found by review: on PostgreSQL its
// DELETE waited, removed nothing, and it went on to write them, or failed
// on the tombstone's key).
func TestDeleteOfARecordDeletedMeanwhile(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		docs, err := db.AttachFiles(ctx, w.Staff, "site", w.SiteB.ID, []fieldportal.Upload{{Name: "twice.txt", ContentType: "text/plain", Data: []byte("twice")}})
		if err != nil {
			t.Fatal(err)
		}
		err = changeMeanwhile(t, db, `DELETE FROM documents WHERE id = $1`, docs[0].ID, func() error {
			return db.DeleteDocument(ctx, w.Staff, docs[0].ID, time.Time{})
		})
		wantWorkCode(t, err, fieldportal.ENOTFOUND)
		if got := mustTombstones(t, db, w.Staff, fieldportal.KindDocument); len(got) != 0 {
			t.Errorf("tombstones %v, want none from the delete that found nothing", got)
		}
	})
}

// TestLatestTransferIsTheLastWritten: the asset's latest transfer is the
// one written last, not the one whose transaction started last (found by
// review: a transfer that waited for the asset while another moved it
// has the earlier created_at, and then neither could be deleted).
func TestLatestTransferIsTheLastWritten(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := w.Staff
		today := fieldportal.DateOf(time.Now().UTC())
		third := mustAssetsSite(t, db, staff, w.Parent.ID, "Charlie Works")
		assetID := mustWorkAsset(t, db, w.Org.ID, w.SiteA, "L-1")
		start := time.Now().UTC()
		t.Cleanup(func() { db.Now = time.Now })
		// The second transfer's transaction started first: it waited for
		// the first, which held the asset.
		db.Now = func() time.Time { return start.Add(time.Minute) }
		if _, err := db.TransferAsset(ctx, staff, assetID, w.SiteB.ID, today, ""); err != nil {
			t.Fatal(err)
		}
		db.Now = func() time.Time { return start }
		second, err := db.TransferAsset(ctx, staff, assetID, third.ID, today, "")
		if err != nil {
			t.Fatal(err)
		}
		db.Now = time.Now
		if err := db.DeleteAssetTransfer(ctx, staff, second.ID, time.Time{}); err != nil {
			t.Fatalf("delete of the transfer written last: %v", err)
		}
		if a, err := db.FindAssetByID(ctx, staff, assetID); err != nil || a.SiteID != w.SiteB.ID {
			t.Errorf("asset after the delete: %+v, %v; want at Bravo Yard", a, err)
		}
	})
}

// TestCertificateDeleteWithItsFileDeletedMeanwhile: a certificate whose
// own file a concurrent delete removes still goes, without that file
// (found by review: on PostgreSQL it read the file before the other
// delete committed, and then failed on it).
func TestCertificateDeleteWithItsFileDeletedMeanwhile(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		c := &fieldportal.Certificate{SiteID: w.SiteB.ID, Number: "F-1", Type: "Gas safety", IssuedOn: fieldportal.DateOf(time.Now().UTC())}
		if err := db.IssueCertificate(ctx, w.Staff, c, []fieldportal.Upload{{Name: "f1.txt", ContentType: "text/plain", Data: []byte("F-1")}}, true); err != nil {
			t.Fatal(err)
		}
		err := changeMeanwhile(t, db, `DELETE FROM documents WHERE id = $1`, c.DocumentID, func() error {
			return db.DeleteCertificate(ctx, w.Staff, c.ID, time.Time{})
		})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.FindCertificateByID(ctx, w.Staff, c.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
			t.Errorf("certificate after the delete: %v", err)
		}
	})
}
