package sqlstore

import (
	"context"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Deletes of documents, certificates and asset transfers (issue 19): each
// leaves its tombstone and <kind>.deleted event (deleteRecord), and the
// records that named it follow in the same transaction, so that nothing
// left points at a record that is gone.

// DeleteDocument deletes a document the operator reaches (staff and API
// only): a file uploaded by mistake. It leaves every list, count and
// download at once; its bytes stay in the file store (content-addressed,
// perhaps shared with another document) until the sweep finds nothing
// names them after the grace period (blobsweep.go). A
// certificate whose file it was keeps no link to it, and shows the change
// in its updated_at.
func (d *DB) DeleteDocument(ctx context.Context, v fieldportal.Viewer, id string, ifUpdatedAt time.Time) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		doc, err := tx.findDocument(ctx, v, id)
		if err != nil {
			return err
		}
		return tx.deleteDocument(ctx, v, doc, ifUpdatedAt)
	})
}

// deleteDocument deletes doc (found in v's reach) and unlinks it from the
// certificates whose file it was.
func (tx *Tx) deleteDocument(ctx context.Context, v fieldportal.Viewer, doc *fieldportal.Document, ifUpdatedAt time.Time) error {
	if err := tx.deleteRecord(ctx, v, "documents", fieldportal.KindDocument, doc.ID, doc.ExternalID, doc.Name, ifUpdatedAt); err != nil {
		return err
	}
	if err := tx.unreferenced(ctx, v.OrgID, doc.StorageKey); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE certificates SET document_id = NULL, updated_at = $3 WHERE org_id = $1 AND document_id = $2`,
		v.OrgID, doc.ID, tx.now)
	return sqlErr(err, "certificate")
}

// DeleteCertificate deletes a certificate the operator reaches (staff and
// API only): one recorded by mistake. The files attached to it go with it,
// each leaving its own tombstone and document.deleted event; a file of the
// site it merely linked stays, as the site's.
func (d *DB) DeleteCertificate(ctx context.Context, v fieldportal.Viewer, id string, ifUpdatedAt time.Time) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		c, err := tx.findCertificate(ctx, v, id)
		if err != nil {
			return err
		}
		// The version is checked (and the row locked) before its files
		// go: unlinking its own file must not count as a change of it.
		args := []any{c.ID, v.OrgID}
		res, err := tx.ExecContext(ctx, `UPDATE certificates SET document_id = NULL WHERE id = $1 AND org_id = $2`+
			ifUnchanged(&args, ifUpdatedAt), args...)
		if err == nil {
			err = checkUnchanged(res, ifUpdatedAt)
		}
		if err != nil {
			return sqlErr(err, "certificate")
		}
		// Its files are held as they are read: one a concurrent delete
		// removed is not among them (PostgreSQL waits, then skips it).
		rows, err := tx.QueryContext(ctx, `SELECT `+documentColumns+` FROM documents d WHERE d.certificate_id = $1 AND d.org_id = $2 ORDER BY d.id`+
			tx.db.dialect.forUpdate(), c.ID, v.OrgID)
		if err != nil {
			return err
		}
		files, err := collect(rows, scanDocument)
		if err != nil {
			return err
		}
		for _, doc := range files {
			if err := tx.deleteDocument(ctx, v, doc, time.Time{}); err != nil {
				return err
			}
		}
		detail := c.Type
		if c.Number != "" {
			detail += " " + c.Number
		}
		return tx.deleteRecord(ctx, v, "certificates", fieldportal.KindCertificate, c.ID, c.ExternalID, detail, ifUpdatedAt)
	})
}

// DeleteAssetTransfer deletes an asset's transfer recorded by mistake
// (staff and API only), undoing the move: the asset goes back to the
// site it came from, and that site's customer, and its updated_at shows
// the change. Only the asset's latest transfer can be deleted, so that
// its history stays a chain (each transfer leaves the site the one
// before reached); an earlier one is refused with ECONFLICT.
func (d *DB) DeleteAssetTransfer(ctx context.Context, v fieldportal.Viewer, id string, ifUpdatedAt time.Time) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		q := query{probe: true} // one record: the reach probed (reachProbe)
		q.scopeSite(v, "a", "a.site_id")
		q.and("t.id = " + q.arg(id))
		var t fieldportal.AssetTransfer
		err := tx.QueryRowContext(ctx, q.sql(`SELECT `+transferColumns+` FROM asset_transfers t JOIN assets a ON a.id = t.asset_id`, ""),
			q.args...).Scan(&t.ID, &t.OrgID, str(&t.ExternalID), &t.AssetID, &t.FromSiteID, &t.ToSiteID, &t.TransferredOn,
			&t.Note, tm(&t.CreatedAt), tm(&t.UpdatedAt))
		if err != nil {
			return sqlErr(err, "asset transfer")
		}
		from, err := tx.findSite(ctx, v, t.FromSiteID)
		if err != nil {
			return err
		}
		// Moving the asset back first locks it: a transfer written
		// meanwhile moved it on, and this one is no longer the latest.
		res, err := tx.ExecContext(ctx, `UPDATE assets SET site_id = $3, customer_id = $4, updated_at = $5 WHERE id = $1 AND org_id = $2 AND site_id = $6`,
			t.AssetID, v.OrgID, from.ID, from.CustomerID, tx.now, t.ToSiteID)
		if err != nil {
			return sqlErr(err, "asset")
		}
		// The latest is the one written last: ids are taken at the insert,
		// once the asset is held (findAssetToMove), while created_at is
		// when the transaction began, perhaps before another's move.
		var latest string
		if err := tx.QueryRowContext(ctx, `SELECT id FROM asset_transfers WHERE asset_id = $1 ORDER BY id DESC LIMIT 1`,
			t.AssetID).Scan(&latest); err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n == 0 || latest != t.ID {
			return fieldportal.Errorf(fieldportal.ECONFLICT, "Only the asset's latest transfer can be deleted; delete the later ones first.")
		}
		return tx.deleteRecord(ctx, v, "asset_transfers", fieldportal.KindAssetTransfer, t.ID, t.ExternalID,
			t.FromSiteID+" -> "+t.ToSiteID, ifUpdatedAt)
	})
}
