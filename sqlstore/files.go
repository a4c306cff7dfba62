package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/fieldportal/fieldportal/blob"

	"github.com/fieldportal/fieldportal"
)

// The default file store: the bytes of documents kept in the file_blobs
// table, so that several instances share them with no shared disk. It is
// keyed by the document's storage key and knows nothing of viewers: a
// caller first finds the document through the scoped FindDocumentByID and
// only then reads its bytes. Disk and S3 stores can stand beside it behind
// one interface (Put, Get, Delete by organisation and key).

// PutBlob stores data under key for an organisation. Putting the same key
// again replaces the bytes (a retried upload); a key held by another
// organisation is refused, never overwritten.
func (d *DB) PutBlob(ctx context.Context, orgID, key string, data []byte) error {
	return d.inTx(ctx, func(tx *Tx) error {
		// Bytes a record will name are a candidate of the sweep until it
		// does, as an upload's are (blobsweep.go); the candidate first, as
		// the sweep takes it before the bytes.
		if orgID != "" && key != "" && !keptKey(key) {
			if err := tx.unreferenced(ctx, orgID, key); err != nil {
				return err
			}
		}
		return tx.putBlob(ctx, orgID, key, data)
	})
}

// putBlob is PutBlob in tx, for a file that belongs with a change (a logo
// and the settings that name it).
func (tx *Tx) putBlob(ctx context.Context, orgID, key string, data []byte) error {
	if orgID == "" || key == "" {
		return fieldportal.Errorf(fieldportal.EINVALID, "A file needs an organisation and a key.")
	}
	if data == nil {
		data = []byte{}
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO file_blobs (storage_key, org_id, data, created_at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (storage_key) DO UPDATE SET data = excluded.data, created_at = excluded.created_at
		WHERE file_blobs.org_id = excluded.org_id`, key, orgID, data, tx.now)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n == 0 {
		return fieldportal.Errorf(fieldportal.ECONFLICT, "File already exists.")
	}
	return nil
}

// GetBlob returns the bytes stored under key for an organisation, or "not
// found" (also for a key of another organisation).
func (d *DB) GetBlob(ctx context.Context, orgID, key string) ([]byte, error) {
	var data []byte
	err := d.db.QueryRowContext(ctx, `SELECT data FROM file_blobs WHERE storage_key = $1 AND org_id = $2`, key, orgID).Scan(&data)
	if err != nil {
		return nil, sqlErr(err, "file")
	}
	if data == nil {
		data = []byte{}
	}
	return data, nil
}

// DeleteBlob removes the bytes under key (a document whose row could not
// be recorded); deleting a missing key is not an error.
func (d *DB) DeleteBlob(ctx context.Context, orgID, key string) error {
	_, err := d.db.ExecContext(ctx, `DELETE FROM file_blobs WHERE storage_key = $1 AND org_id = $2`, key, orgID)
	return err
}

// OpenDocument returns a document the viewer reaches, with a reader of
// its bytes that the caller closes. The document is found through the
// viewer's scope first, and only then is its file opened, so a file out
// of reach is "not found" like one that does not exist (SPEC §2.5) and
// not a byte of it is read.
func (d *DB) OpenDocument(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Document, io.ReadCloser, error) {
	doc, err := d.FindDocumentByID(ctx, v, id)
	if err != nil {
		return nil, nil, err
	}
	rc, err := d.openFile(ctx, doc)
	if err != nil {
		return nil, nil, err
	}
	return doc, rc, nil
}

// openFile opens a found document's bytes; bytes missing from the store
// are a fault of ours, not the user's "not found".
func (d *DB) openFile(ctx context.Context, doc *fieldportal.Document) (io.ReadCloser, error) {
	rc, err := d.files().Open(ctx, doc.OrgID, doc.StorageKey)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, fmt.Errorf("sqlstore: document %s: its file %q is missing from the store", doc.ID, doc.StorageKey)
	}
	return rc, err
}
