package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"

	"github.com/fieldportal/fieldportal"
)

// Attachments: files a form sent with a record (an issue and its photos, a
// booking and its drawings). The bytes and the document rows are written
// in the transaction of the record, so a record is saved with all its
// files or not at all, and a refused record leaves no orphan blob.

// AttachFiles attaches files to a record the viewer reaches, in one
// transaction: every file is stored or none is.
func (d *DB) AttachFiles(ctx context.Context, v fieldportal.Viewer, attachedTo, recordID string, files []fieldportal.Upload) ([]*fieldportal.Document, error) {
	var docs []*fieldportal.Document
	err := d.inTx(ctx, func(tx *Tx) error {
		var err error
		docs, err = tx.attachUploads(ctx, v, attachedTo, recordID, files)
		return err
	})
	if err != nil {
		return nil, err
	}
	return docs, nil
}

// attachUploads stores each file's bytes and records its document,
// attached to the record, inside tx. The record must be in the viewer's
// reach (else "not found"), and the viewer must be allowed to upload to
// that kind of record. Each file gets a storage key of its own (the
// document's id), so the same bytes sent twice are two documents.
func (tx *Tx) attachUploads(ctx context.Context, v fieldportal.Viewer, attachedTo, recordID string, files []fieldportal.Upload) ([]*fieldportal.Document, error) {
	if len(files) == 0 {
		return nil, nil
	}
	if err := mayUpload(v, attachedTo); err != nil {
		return nil, err
	}
	docs := make([]*fieldportal.Document, 0, len(files))
	for _, f := range files {
		sum := sha256.Sum256(f.Data)
		doc := &fieldportal.Document{ID: newID(), Name: f.Name, ContentType: f.ContentType, Size: int64(len(f.Data)),
			SHA256: hex.EncodeToString(sum[:]), AttachedTo: attachedTo}
		p, ok := attachedIDs(doc)[attachedTo]
		if !ok {
			return nil, fieldportal.Errorf(fieldportal.EINVALID, "Files cannot be attached to that record.")
		}
		*p = recordID
		doc.StorageKey = v.OrgID + "/" + doc.ID // as the demo and the API store them
		if err := tx.putBlob(ctx, v.OrgID, doc.StorageKey, f.Data); err != nil {
			return nil, err
		}
		if err := tx.createDocument(ctx, v, doc); err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	return docs, nil
}
