package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal/blob"
)

// The sweep of file bytes nothing names any more. Bytes are kept by
// content (blob.KeyFor: organisation and sha256), shared by every
// document, message attachment and visit photo of the organisation with
// the same content, so deleting a record cannot delete its bytes: another
// record may name them, or an upload of the same file may be about to.
//
// A key becomes a candidate (a blob_sweep row, "since" a time) when a
// record naming it is deleted, in the delete's transaction, and also
// just before an upload writes its bytes (markedStore; PutBlob), so
// bytes whose record never came (a refused or failed upload) are found
// without listing the store (disk and S3 cannot be listed through
// blob.Store; bytes orphaned before migration 325 stay there, while
// those in the database were made candidates by it). The sweep takes candidates whose time is a grace
// period old, and for each, in one transaction holding the candidate's
// row: checks that no record of the organisation names the key, deletes
// the bytes, and forgets the candidate; a key found named is only
// forgotten (its record's deletion makes it a candidate again).
//
// Why an upload of the same bytes is safe: it writes (upserts) the
// candidate row, at "now", before it writes the bytes, and inserts its
// record within minutes (well inside the grace period). Either that
// write came first, and the sweep sees a time too recent and leaves the
// key; or the sweep holds the row (PostgreSQL's row lock; on SQLite its
// one writer, then sweepKeys while an outside store deletes, see
// sweepBlob), and the upload's write waits until the sweep has deleted
// the bytes and committed, then writes them again. A record inserted before
// the sweep's check is seen by it (PostgreSQL's READ COMMITTED reads
// what is committed at each statement; SQLite serialises writers). Two
// sweeps never take one row at once (SKIP LOCKED; SQLite's writer) and
// the second finds it gone; deleting bytes already gone is no error.
// Message attachments are never deleted yet; whatever deletes them must
// call tx.unreferenced with their keys, or their bytes stay (kept, never
// lost).

// BlobGrace is how long a key stays a candidate before the sweep may
// delete its bytes: far longer than any upload takes between writing its
// bytes and recording them.
const BlobGrace = 24 * time.Hour

// blobRetry is how long a key whose sweep failed waits before it is due
// again. It goes behind the keys due meanwhile, so keys that can never be
// deleted (a bucket that refuses deletes) do not hold up every run.
const blobRetry = time.Hour

// blobRefs are the columns that name a key in the file store, each with
// its table's org_id beside it. A new table that keeps file bytes adds
// its columns here, and marks the keys of the rows it deletes
// (tx.unreferenced).
var blobRefs = []struct{ table, column string }{
	{"documents", "storage_key"},
	{"message_attachments", "storage_key"},
	{"visit_photos", "storage_key"},
	{"visit_photos", "display_key"},
	{"visit_photos", "thumb_key"},
}

// keptKey reports whether a key is one the sweep must never delete: the
// logos and staff photos kept in file_blobs, named by settings.
func keptKey(key string) bool {
	return strings.HasPrefix(key, "branding/") || strings.HasPrefix(key, "staff/")
}

const upsertBlobCandidate = `INSERT INTO blob_sweep (org_id, storage_key, since) VALUES ($1, $2, $3)
	ON CONFLICT (org_id, storage_key) DO UPDATE SET since = CASE WHEN excluded.since > blob_sweep.since
	THEN excluded.since ELSE blob_sweep.since END`

// unreferenced records keys whose record tx deleted: the sweep checks
// them after the grace period. Every key is recorded, named elsewhere or
// not: two records sharing a key deleted at once would each see the
// other still there.
func (tx *Tx) unreferenced(ctx context.Context, orgID string, keys ...string) error {
	for _, key := range keys {
		if key == "" {
			continue
		}
		if _, err := tx.ExecContext(ctx, upsertBlobCandidate, orgID, key, tx.now); err != nil {
			return err
		}
	}
	return nil
}

// markedStore is the file store as the store's writers use it: a Put
// first makes its key a candidate, committed before a byte is written
// (see above).
type markedStore struct {
	d     *DB
	inner blob.Store
}

// Put implements blob.Store.
func (m markedStore) Put(ctx context.Context, orgID, key string, r io.Reader, size int64) error {
	if err := m.d.markUpload(ctx, orgID, key); err != nil {
		return fmt.Errorf("sqlstore: mark upload: %w", err)
	}
	if err := m.inner.Put(ctx, orgID, key, r, size); err != nil {
		return err
	}
	if m.d.afterFilePut != nil {
		m.d.afterFilePut(orgID, key)
	}
	return nil
}

// markUpload makes key a candidate from now, before an upload writes its
// bytes. On SQLite it first waits for a sweep deleting bytes from an
// outside store (sweepBlob), which does so outside the write lock.
func (d *DB) markUpload(ctx context.Context, orgID, key string) error {
	if d.dialect == SQLite {
		d.sweepKeys.Lock()
		defer d.sweepKeys.Unlock()
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.unreferenced(ctx, orgID, key) })
}

// Open implements blob.Store.
func (m markedStore) Open(ctx context.Context, orgID, key string) (io.ReadCloser, error) {
	return m.inner.Open(ctx, orgID, key)
}

// Delete implements blob.Store.
func (m markedStore) Delete(ctx context.Context, orgID, key string) error {
	return m.inner.Delete(ctx, orgID, key)
}

// BlobSweep is what one run of the sweep did.
type BlobSweep struct {
	// Deleted counts keys whose bytes were deleted, Kept keys found still
	// named (forgotten as candidates), Failed keys left for a run
	// blobRetry later.
	Deleted, Kept, Failed int
}

// SweepBlobs deletes the bytes of at most batch candidates whose time is
// grace old and that nothing names, oldest first. Several instances may
// run it at once. Each key is its own transaction; one that fails is
// logged and left for a run blobRetry later (behind the keys due
// meanwhile), and the run goes on (the error returned is the first).
func (d *DB) SweepBlobs(ctx context.Context, grace time.Duration, batch int) (BlobSweep, error) {
	var run BlobSweep
	cutoff := d.now().Add(-grace)
	rows, err := d.db.QueryContext(ctx, `SELECT org_id, storage_key FROM blob_sweep WHERE since <= $1
		ORDER BY since, org_id, storage_key LIMIT $2`, cutoff, batch)
	if err != nil {
		return run, err
	}
	type candidate struct{ org, key string }
	var due []candidate
	for rows.Next() {
		var c candidate
		if err := rows.Scan(&c.org, &c.key); err != nil {
			rows.Close()
			return run, err
		}
		due = append(due, c)
	}
	if err := rows.Err(); err != nil {
		return run, err
	}
	rows.Close()
	var first error
	for _, c := range due {
		deleted, kept, err := d.sweepBlob(ctx, c.org, c.key, cutoff)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return run, ctx.Err()
			}
			run.Failed++
			d.logger.Warn("file sweep: key left for a later run", "org", c.org, "key", c.key, "err", err, "retry", blobRetry)
			if first == nil {
				first = err
			}
			if err := d.retryBlobLater(ctx, c.org, c.key, cutoff.Add(blobRetry)); err != nil && first == nil {
				first = err
			}
		case deleted:
			run.Deleted++
			d.logger.Info("file sweep: deleted bytes nothing names", "org", c.org, "key", c.key)
		case kept:
			run.Kept++
		}
	}
	return run, first
}

// retryBlobLater makes a candidate whose sweep failed due again at since
// (blobRetry after this run's cutoff). It only ever moves the time
// forward, as a mark does, so it can delay a delete but never hasten one.
func (d *DB) retryBlobLater(ctx context.Context, orgID, key string, since time.Time) error {
	return d.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `UPDATE blob_sweep SET since = $3 WHERE org_id = $1 AND storage_key = $2 AND since < $3`,
			orgID, key, since)
		return err
	})
}

// sweepBlob settles one candidate: deleted when its bytes went, kept when
// a record still names it; neither when another sweep has it, or it was
// marked again since cutoff.
func (d *DB) sweepBlob(ctx context.Context, orgID, key string, cutoff time.Time) (deleted, kept bool, err error) {
	// On SQLite the write lock is the whole database's: the outside
	// store's delete (S3: a network call, retried for minutes when the
	// server is out of reach) is made after the transaction, which
	// deleted the database's bytes and kept the candidate. sweepKeys,
	// held until the candidate is forgotten, keeps an upload from marking
	// (and so from writing) meanwhile, as PostgreSQL's row lock does; a
	// run cut short leaves the candidate for the next.
	outside := d.outsideFiles()
	later := d.dialect == SQLite && outside != nil
	if later {
		d.sweepKeys.Lock()
		defer d.sweepKeys.Unlock()
	}
	pending := false
	err = d.inTx(ctx, func(tx *Tx) error {
		deleted, kept, pending = false, false, false
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM blob_sweep WHERE org_id = $1 AND storage_key = $2 AND since <= $3`+
			tx.db.dialect.skipLocked(), orgID, key, cutoff).Scan(&one)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // swept by another, or written again since
		} else if err != nil {
			return err
		}
		named, err := tx.blobNamed(ctx, orgID, key)
		if err != nil {
			return err
		}
		if !named && !keptKey(key) {
			if d.beforeBlobDelete != nil {
				d.beforeBlobDelete(orgID, key)
			}
			if err := tx.deleteBytes(ctx, orgID, key, !later); err != nil {
				return err
			}
			if later {
				pending = true
				return nil
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM blob_sweep WHERE org_id = $1 AND storage_key = $2`, orgID, key); err != nil {
			return err
		}
		deleted, kept = !named && !keptKey(key), named
		return nil
	})
	if err != nil || !pending {
		return deleted, kept, err
	}
	if err := outside.Delete(ctx, orgID, key); err != nil {
		return false, false, fmt.Errorf("sqlstore: delete %q from the file store: %w", key, err)
	}
	// Forgotten unless marked again since (PutBlob writes the database's
	// bytes and marks in one transaction, without sweepKeys).
	err = d.inTx(ctx, func(tx *Tx) error {
		_, err := tx.ExecContext(ctx, `DELETE FROM blob_sweep WHERE org_id = $1 AND storage_key = $2 AND since <= $3`, orgID, key, cutoff)
		return err
	})
	return err == nil, false, err
}

// outsideFiles is the disk or S3 store of an install that keeps its files
// there (SetFileStore's Fallback Primary), or nil.
func (d *DB) outsideFiles() blob.Store {
	if f, ok := d.fileStore.(blob.Fallback); ok && f.Primary != nil {
		return f.Primary
	}
	return nil
}

// blobNamed reports whether a record of the organisation names key.
func (tx *Tx) blobNamed(ctx context.Context, orgID, key string) (bool, error) {
	for _, r := range blobRefs {
		var one int
		err := tx.QueryRowContext(ctx, `SELECT 1 FROM `+r.table+` WHERE `+r.column+` = $1 AND org_id = $2 LIMIT 1`, key, orgID).Scan(&one)
		if err == nil {
			return true, nil
		} else if !errors.Is(err, sql.ErrNoRows) {
			return false, err
		}
	}
	return false, nil
}

// deleteBytes deletes a key's bytes wherever they are: the database's
// rows in tx, then, with outside, the disk or S3 store's (an install's
// Fallback), while tx still holds the candidate (PostgreSQL; on SQLite
// sweepBlob deletes those after tx, holding sweepKeys). A failure leaves the candidate for the
// next run; bytes deleted before a failed commit are deleted again then,
// harmlessly.
func (tx *Tx) deleteBytes(ctx context.Context, orgID, key string, outside bool) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM blob_chunks WHERE org_id = $1 AND storage_key = $2`, orgID, key); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM file_blobs WHERE storage_key = $1 AND org_id = $2`, key, orgID); err != nil {
		return err
	}
	// SetFileStore keeps an outside store as the Fallback's Primary, the
	// database as its Legacy (done above, in tx: its own Delete would wait
	// for SQLite's writer, which tx is).
	if f := tx.db.outsideFiles(); f != nil && outside {
		if err := f.Delete(ctx, orgID, key); err != nil {
			return fmt.Errorf("sqlstore: delete %q from the file store: %w", key, err)
		}
	}
	return nil
}
