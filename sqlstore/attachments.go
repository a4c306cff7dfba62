package sqlstore

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/blob"
)

// Attachments: files a form sent with a record (an issue and its photos, a
// booking and its drawings). The bytes go to the file store first, outside
// any transaction (a store in the database writes in a transaction of its
// own; disk and S3 are no part of one), under their content address; the
// document rows are then written in the transaction of the record, so a
// record is saved with all its files or not at all. A refused record
// leaves its bytes behind under their hash, harmless and named by nothing.

// storedUpload is a file whose bytes are in the store under key.
type storedUpload struct {
	fieldportal.Upload
	key string
}

// AttachFiles attaches files to a record the viewer reaches, in one
// transaction: every file is recorded or none is.
func (d *DB) AttachFiles(ctx context.Context, v fieldportal.Viewer, attachedTo, recordID string, files []fieldportal.Upload) ([]*fieldportal.Document, error) {
	stored, err := d.storeUploads(ctx, v, attachedTo, files)
	if err != nil {
		return nil, err
	}
	var docs []*fieldportal.Document
	err = d.inTx(ctx, func(tx *Tx) error {
		var err error
		docs, err = tx.attachUploads(ctx, v, attachedTo, recordID, stored)
		return err
	})
	if err != nil {
		return nil, err
	}
	return docs, nil
}

// storeUploads puts the bytes of files in the file store, once the viewer
// may upload to that kind of record, streaming each one: the key is the
// sha256 the form computed, and the bytes are hashed again on their way
// in, so a key never names other bytes than its own.
func (d *DB) storeUploads(ctx context.Context, v fieldportal.Viewer, attachedTo string, files []fieldportal.Upload) ([]storedUpload, error) {
	if len(files) == 0 {
		return nil, nil
	}
	if err := mayUpload(v, attachedTo); err != nil {
		return nil, err
	}
	return d.putUploads(ctx, v.OrgID, files)
}

// putUploads streams files into the file store under their content
// address, for a caller that has checked who may send them (documents
// above, a message's files in messages.go).
func (d *DB) putUploads(ctx context.Context, orgID string, files []fieldportal.Upload) ([]storedUpload, error) {
	out := make([]storedUpload, 0, len(files))
	for _, f := range files {
		if f.Body == nil {
			sum := sha256.Sum256(f.Data)
			f.Body, f.Size, f.SHA256 = bytes.NewReader(f.Data), int64(len(f.Data)), hex.EncodeToString(sum[:])
		}
		if len(f.SHA256) != 64 || f.Size < 0 {
			return nil, fmt.Errorf("sqlstore: upload %q has no hash or size", f.Name)
		}
		key := blob.KeyFor(orgID, f.SHA256)
		// Bytes other than the announced ones fail the Put before the key
		// is written: another document may share the key.
		if err := d.files().Put(ctx, orgID, key, blob.Verified(f.Body, f.SHA256, f.Size), f.Size); err != nil {
			return nil, fmt.Errorf("sqlstore: store upload %q: %w", f.Name, err)
		}
		f.Body, f.Data = nil, nil
		out = append(out, storedUpload{Upload: f, key: key})
	}
	return out, nil
}

// attachUploads records a document for each stored file, attached to the
// record, inside tx. The record must be in the viewer's reach (else "not
// found"), and the viewer must be allowed to upload to that kind of
// record. Each file is a document of its own, so the same bytes sent
// twice are two documents sharing one blob.
func (tx *Tx) attachUploads(ctx context.Context, v fieldportal.Viewer, attachedTo, recordID string, files []storedUpload) ([]*fieldportal.Document, error) {
	if len(files) == 0 {
		return nil, nil
	}
	if err := mayUpload(v, attachedTo); err != nil {
		return nil, err
	}
	docs := make([]*fieldportal.Document, 0, len(files))
	for _, f := range files {
		doc := &fieldportal.Document{ID: newID(), Name: f.Name, ContentType: f.ContentType, Size: f.Size,
			SHA256: f.SHA256, AttachedTo: attachedTo, StorageKey: f.key, VisibleToCustomer: f.VisibleToCustomer,
			ExternalID: f.ExternalID}
		p, ok := attachedIDs(doc)[attachedTo]
		if !ok {
			return nil, fieldportal.Errorf(fieldportal.EINVALID, "Files cannot be attached to that record.")
		}
		*p = recordID
		if err := tx.createDocument(ctx, v, doc); err != nil {
			return nil, err
		}
		docs = append(docs, doc)
	}
	return docs, nil
}
