package sqlstore

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"io"

	"github.com/fieldportal/fieldportal/blob"
)

// The database's blob.Store: the bytes of a file in blob_chunks, a chunk
// of blobChunk bytes per row, written in one transaction and read back a
// chunk at a time. It serves tests and one-file installs, and is the
// legacy store an install that moves its files to disk or S3 still reads
// the older files from (blob.Fallback).

const blobChunk = 1 << 20

// Blobs returns the database's file store.
func (d *DB) Blobs() blob.Store { return dbBlobs{d} }

// SetFileStore makes s the store of new files; nil restores the
// database's own. Files already in the database are still read from it
// (blob.Fallback), so an install may move to disk or S3 at any time.
func (d *DB) SetFileStore(s blob.Store) {
	if s == nil {
		d.fileStore = nil
		return
	}
	d.fileStore = blob.Fallback{Primary: s, Legacy: dbBlobs{d}}
}

// files is the store of document bytes. Its Put makes the key a
// candidate of the sweep first (blobsweep.go), in a transaction of its
// own: call it outside any.
func (d *DB) files() blob.Store {
	if d.fileStore != nil {
		return markedStore{d, d.fileStore}
	}
	return markedStore{d, dbBlobs{d}}
}

type dbBlobs struct{ d *DB }

// Put implements blob.Store.
func (b dbBlobs) Put(ctx context.Context, orgID, key string, r io.Reader, size int64) error {
	if !blob.ValidKey(orgID) || !blob.ValidKey(key) {
		return errors.New("sqlstore: invalid blob key")
	}
	// Chunks are written over any of the key's (a retried or concurrent
	// upload of the same bytes writes the same rows, without a conflict),
	// and chunks past the new end are dropped.
	return b.d.inTx(ctx, func(tx *Tx) error {
		buf := make([]byte, blobChunk)
		for seq := 0; ; seq++ {
			n, err := io.ReadFull(r, buf)
			if err != nil && err != io.EOF && err != io.ErrUnexpectedEOF {
				return err
			}
			if n > 0 || seq == 0 { // an empty file is one empty chunk
				if _, err := tx.ExecContext(ctx, `INSERT INTO blob_chunks (org_id, storage_key, seq, data) VALUES ($1, $2, $3, $4)
					ON CONFLICT (org_id, storage_key, seq) DO UPDATE SET data = excluded.data`, orgID, key, seq, buf[:n]); err != nil {
					return err
				}
			} else {
				seq-- // nothing was written at seq
			}
			if err != nil { // EOF or a short last chunk
				_, err := tx.ExecContext(ctx, `DELETE FROM blob_chunks WHERE org_id = $1 AND storage_key = $2 AND seq > $3`, orgID, key, seq)
				return err
			}
		}
	})
}

// Open implements blob.Store: chunks are read as the caller reads; a key
// with no chunks is looked for in file_blobs (logos, older files).
func (b dbBlobs) Open(ctx context.Context, orgID, key string) (io.ReadCloser, error) {
	r := &chunkReader{ctx: ctx, d: b.d, org: orgID, key: key}
	if err := r.next(); err == nil {
		return r, nil
	} else if !errors.Is(err, blob.ErrNotFound) {
		return nil, err
	}
	var data []byte
	err := b.d.read.QueryRowContext(ctx, `SELECT data FROM file_blobs WHERE storage_key = $1 AND org_id = $2`, key, orgID).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, blob.ErrNotFound
	} else if err != nil {
		return nil, err
	}
	return io.NopCloser(bytes.NewReader(data)), nil
}

// Delete implements blob.Store.
func (b dbBlobs) Delete(ctx context.Context, orgID, key string) error {
	return b.d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `DELETE FROM blob_chunks WHERE org_id = $1 AND storage_key = $2`, orgID, key); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `DELETE FROM file_blobs WHERE storage_key = $1 AND org_id = $2`, key, orgID)
		return err
	})
}

// chunkReader reads a file's chunks in order, one row at a time.
type chunkReader struct {
	ctx      context.Context
	d        *DB
	org, key string
	seq      int
	cur      []byte
	done     bool
}

// next loads chunk seq; past the last chunk it marks the reader done,
// and a file with no chunk at all is blob.ErrNotFound.
func (c *chunkReader) next() error {
	var data []byte
	err := c.d.read.QueryRowContext(c.ctx, `SELECT data FROM blob_chunks WHERE org_id = $1 AND storage_key = $2 AND seq = $3`,
		c.org, c.key, c.seq).Scan(&data)
	if errors.Is(err, sql.ErrNoRows) {
		if c.seq == 0 {
			return blob.ErrNotFound
		}
		c.done = true
		return nil
	} else if err != nil {
		return err
	}
	c.seq++
	c.cur = data
	return nil
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.cur) == 0 {
		if c.done {
			return 0, io.EOF
		}
		if err := c.next(); err != nil {
			return 0, err
		}
	}
	n := copy(p, c.cur)
	c.cur = c.cur[n:]
	return n, nil
}

func (c *chunkReader) Close() error { return nil }
