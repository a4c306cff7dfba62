package sqlstore

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/blob"
)

// Visit reports (issue 22): one a job, written by the back office, read
// through the job's reach (findJob) and reportVisible. A photo's three
// files go to the file store before its row, outside the transaction, as
// attachments' do (attachments.go): a refused photo leaves bytes behind
// under their hash, named by nothing.

// FindVisitReport returns the report of a job the viewer may see.
func (d *DB) FindVisitReport(ctx context.Context, v fieldportal.Viewer, jobID string) (*fieldportal.VisitReport, error) {
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.reportJob(ctx, v, jobID); err != nil {
		return nil, err
	}
	r, err := tx.findVisitReport(ctx, jobID)
	if err != nil {
		return nil, err
	}
	if r.Photos, err = tx.visitPhotos(ctx, jobID); err != nil {
		return nil, err
	}
	if v.CanUse(fieldportal.ModuleAssets) {
		if r.Tests, err = tx.jobAssetTests(ctx, v, jobID); err != nil {
			return nil, err
		}
	}
	return r, nil
}

// reportJob finds the job of a report the viewer may see: in its reach,
// of a kind whose module it uses, and done for a contact.
func (tx *Tx) reportJob(ctx context.Context, v fieldportal.Viewer, jobID string) (*fieldportal.Job, error) {
	j, err := tx.findJob(ctx, v, jobID)
	if err != nil {
		return nil, err
	}
	if err := needModule(v, j.Kind.Module(), "job"); err != nil {
		return nil, err
	}
	return j, reportVisible(v, j)
}

func (tx *Tx) findVisitReport(ctx context.Context, jobID string) (*fieldportal.VisitReport, error) {
	r, err := scanVisitReport(tx.QueryRowContext(ctx, `SELECT job_id, org_id, notes, parts, signed_by, signed_at, created_at, updated_at
		FROM visit_reports WHERE job_id = $1`, jobID))
	if err != nil {
		return nil, sqlErr(err, "visit report")
	}
	return r, nil
}

const visitPhotoColumns = `id, org_id, job_id, position, caption, name, content_type, size, sha256, width, height, created_at`

func scanVisitPhoto(row interface{ Scan(...any) error }, extra ...any) (*fieldportal.VisitPhoto, error) {
	var p fieldportal.VisitPhoto
	dest := append([]any{&p.ID, &p.OrgID, &p.JobID, &p.Position, &p.Caption, &p.Name, &p.ContentType, &p.Size,
		&p.SHA256, &p.Width, &p.Height, tm(&p.CreatedAt)}, extra...)
	return &p, row.Scan(dest...)
}

// visitPhotos lists a report's photos in their order.
func (tx *Tx) visitPhotos(ctx context.Context, jobID string) ([]*fieldportal.VisitPhoto, error) {
	rows, err := tx.QueryContext(ctx, `SELECT `+visitPhotoColumns+` FROM visit_photos WHERE job_id = $1 ORDER BY position`, jobID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []*fieldportal.VisitPhoto{}
	for rows.Next() {
		p, err := scanVisitPhoto(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// jobAssetTests lists the tests recorded on a job, of the assets the
// viewer reaches, by asset number.
func (tx *Tx) jobAssetTests(ctx context.Context, v fieldportal.Viewer, jobID string) ([]*fieldportal.AssetTest, error) {
	m, err := tx.jobsAssetTests(ctx, v, []string{jobID})
	return m[jobID], err
}

// jobsAssetTests is jobAssetTests for a page of jobs, by job.
func (tx *Tx) jobsAssetTests(ctx context.Context, v fieldportal.Viewer, jobIDs []string) (map[string][]*fieldportal.AssetTest, error) {
	q := query{probe: true}
	q.scopeSite(v, "a", "a.site_id")
	inList(&q, "t.job_id", jobIDs)
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT `+assetTestColumns+assetTestFrom, " ORDER BY t.job_id, a.number, t.tested_on, t.id"), q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]*fieldportal.AssetTest{}
	for rows.Next() {
		t, err := scanAssetTest(rows)
		if err != nil {
			return nil, err
		}
		out[t.JobID] = append(out[t.JobID], t)
	}
	return out, rows.Err()
}

// SaveVisitReport creates or replaces a job's report; staff and API only.
func (d *DB) SaveVisitReport(ctx context.Context, v fieldportal.Viewer, r *fieldportal.VisitReport) (created bool, err error) {
	if err := needStaff(v); err != nil {
		return false, err
	}
	if err := r.Validate(); err != nil {
		return false, err
	}
	if r.Parts == nil {
		r.Parts = []fieldportal.VisitPart{}
	}
	parts, err := json.Marshal(r.Parts)
	if err != nil {
		return false, err
	}
	err = d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.reportJob(ctx, v, r.JobID); err != nil {
			return notFoundField(err, "job_id", "Job not found.")
		}
		old, err := tx.findVisitReport(ctx, r.JobID)
		switch {
		case fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND:
			if !r.IfUpdatedAt.IsZero() {
				return fieldportal.ErrChanged
			}
			created = true
			r.OrgID, r.CreatedAt, r.UpdatedAt = v.OrgID, tx.now, tx.now
			_, err = tx.ExecContext(ctx, `INSERT INTO visit_reports (job_id, org_id, notes, parts, signed_by, signed_at, created_at, updated_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $7)`, r.JobID, r.OrgID, r.Notes, string(parts), r.SignedBy, nullTime(r.SignedAt), tx.now)
			if err != nil {
				return sqlErr(err, "visit report")
			}
			return tx.audit(ctx, v, "visit_report.created", "job", r.JobID, "")
		case err != nil:
			return err
		}
		r.OrgID, r.CreatedAt, r.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
		args := []any{r.JobID, r.Notes, string(parts), r.SignedBy, nullTime(r.SignedAt), tx.now}
		res, err := tx.ExecContext(ctx, `UPDATE visit_reports SET notes = $2, parts = $3, signed_by = $4, signed_at = $5,
			updated_at = $6 WHERE job_id = $1`+ifUnchanged(&args, r.IfUpdatedAt), args...)
		if err == nil {
			err = checkUnchanged(res, r.IfUpdatedAt)
		}
		if err != nil {
			return sqlErr(err, "visit report")
		}
		return tx.audit(ctx, v, "visit_report.updated", "job", r.JobID, "")
	})
	return created, err
}

// AddVisitPhoto stores a photo's three files and adds it at the end of
// the report; staff and API only. The job and its report are checked
// before any byte is stored.
func (d *DB) AddVisitPhoto(ctx context.Context, v fieldportal.Viewer, p *fieldportal.VisitPhoto, files fieldportal.PhotoFiles) error {
	if err := needStaff(v); err != nil {
		return err
	}
	if len(p.Caption) > fieldportal.MaxCaption {
		return fieldportal.FieldErrorf("caption", "Caption must be at most %d characters.", fieldportal.MaxCaption)
	}
	// check finds the job and its report and returns the new photo's
	// place. The write locks the report's row first (lock): uploads to
	// one report at once then take their places in turn, where on
	// PostgreSQL two read the same last place and the second was refused
	// as a conflict.
	check := func(tx *Tx, lock bool) (int, error) {
		if _, err := tx.reportJob(ctx, v, p.JobID); err != nil {
			return 0, notFoundField(err, "job_id", "Job not found.")
		}
		if lock {
			var id string
			if err := tx.QueryRowContext(ctx, `SELECT job_id FROM visit_reports WHERE job_id = $1`+tx.db.dialect.forNoKeyUpdate(),
				p.JobID).Scan(&id); err != nil {
				return 0, notFoundField(sqlErr(err, "visit report"), "job_id", "The job has no visit report yet: send the report first.")
			}
		}
		if _, err := tx.findVisitReport(ctx, p.JobID); err != nil {
			return 0, notFoundField(err, "job_id", "The job has no visit report yet: send the report first.")
		}
		var n, last int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), COALESCE(MAX(position), 0) FROM visit_photos WHERE job_id = $1`,
			p.JobID).Scan(&n, &last); err != nil {
			return 0, err
		}
		if n >= fieldportal.MaxVisitPhotos {
			return 0, fieldportal.FieldErrorf("photo", "A visit report holds at most %d photos.", fieldportal.MaxVisitPhotos)
		}
		return last + 1, nil
	}
	if err := d.inTxRead(ctx, func(tx *Tx) error { _, err := check(tx, false); return err }); err != nil {
		return err
	}
	stored, err := d.storeUploads(ctx, v, "job", []fieldportal.Upload{files.Original})
	if err != nil {
		return err
	}
	displayKey, err := d.putBytes(ctx, v.OrgID, files.Display)
	if err != nil {
		return err
	}
	thumbKey, err := d.putBytes(ctx, v.OrgID, files.Thumb)
	if err != nil {
		return err
	}
	orig := stored[0]
	return d.inTx(ctx, func(tx *Tx) error {
		pos, err := check(tx, true)
		if err != nil {
			return err
		}
		p.ID, p.OrgID, p.Position, p.CreatedAt = newID(), v.OrgID, pos, tx.now
		p.Name, p.ContentType, p.Size, p.SHA256 = orig.Name, orig.ContentType, orig.Size, orig.SHA256
		_, err = tx.ExecContext(ctx, `INSERT INTO visit_photos (id, org_id, job_id, position, caption, name, content_type, size,
			sha256, width, height, storage_key, display_key, display_size, thumb_key, thumb_size, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
			p.ID, p.OrgID, p.JobID, p.Position, p.Caption, p.Name, p.ContentType, p.Size, p.SHA256, p.Width, p.Height,
			orig.key, displayKey, len(files.Display), thumbKey, len(files.Thumb), tx.now)
		if err != nil {
			return sqlErr(err, "visit photo")
		}
		if err := tx.touchVisitReport(ctx, p.JobID); err != nil {
			return err
		}
		return tx.audit(ctx, v, "visit_photo.added", "job", p.JobID, p.Name)
	})
}

// inTxRead runs fn in a read transaction.
func (d *DB) inTxRead(ctx context.Context, fn func(tx *Tx) error) error {
	tx, err := d.readTx(ctx)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	return fn(tx)
}

// putBytes stores made bytes (a photo's display size, its thumbnail)
// under their content address.
func (d *DB) putBytes(ctx context.Context, orgID string, data []byte) (string, error) {
	up := fieldportal.Upload{Name: "made", Data: data}
	h := blob.NewHasher(bytesReader(data))
	if _, err := io.Copy(io.Discard, h); err != nil {
		return "", err
	}
	up.SHA256 = h.SHA256()
	key := blob.KeyFor(orgID, up.SHA256)
	if err := d.files().Put(ctx, orgID, key, bytesReader(data), int64(len(data))); err != nil {
		return "", fmt.Errorf("sqlstore: store photo: %w", err)
	}
	return key, nil
}

// DeleteVisitPhoto removes a photo from its report; staff and API only.
// Its three files stay under their hashes (other records may share them)
// until the sweep finds nothing names them (blobsweep.go).
func (d *DB) DeleteVisitPhoto(ctx context.Context, v fieldportal.Viewer, jobID, photoID string) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.reportJob(ctx, v, jobID); err != nil {
			return err
		}
		var original, display, thumb string
		if err := tx.QueryRowContext(ctx, `DELETE FROM visit_photos WHERE id = $1 AND job_id = $2
			RETURNING storage_key, display_key, thumb_key`, photoID, jobID).Scan(&original, &display, &thumb); err != nil {
			return sqlErr(err, "photo")
		}
		if err := tx.unreferenced(ctx, v.OrgID, original, display, thumb); err != nil {
			return err
		}
		if err := tx.touchVisitReport(ctx, jobID); err != nil {
			return err
		}
		return tx.audit(ctx, v, "visit_photo.deleted", "job", jobID, photoID)
	})
}

// touchVisitReport moves a report's updated_at when its photos change:
// the photos are part of the report as the API shows it (its ETag), so a
// save over the version read before them must be refused (ErrChanged).
func (tx *Tx) touchVisitReport(ctx context.Context, jobID string) error {
	_, err := tx.ExecContext(ctx, `UPDATE visit_reports SET updated_at = $2 WHERE job_id = $1`, jobID, tx.now)
	return err
}

// OpenVisitPhoto returns one file of a photo of a report the viewer may
// see, and a reader of its bytes.
func (d *DB) OpenVisitPhoto(ctx context.Context, v fieldportal.Viewer, jobID, photoID string, variant fieldportal.PhotoVariant) (*fieldportal.PhotoFile, io.ReadCloser, error) {
	var f fieldportal.PhotoFile
	var key string
	err := d.inTxRead(ctx, func(tx *Tx) error {
		if _, err := tx.reportJob(ctx, v, jobID); err != nil {
			return err
		}
		var storage, display, thumb string
		var displaySize, thumbSize int64
		p, err := scanVisitPhoto(tx.QueryRowContext(ctx, `SELECT `+visitPhotoColumns+`, storage_key, display_key, display_size,
			thumb_key, thumb_size FROM visit_photos WHERE id = $1 AND job_id = $2`, photoID, jobID),
			&storage, &display, &displaySize, &thumb, &thumbSize)
		if err != nil {
			return sqlErr(err, "photo")
		}
		base := photoBaseName(p)
		switch variant {
		case fieldportal.PhotoOriginal:
			f, key = fieldportal.PhotoFile{Name: p.Name, ContentType: p.ContentType, Size: p.Size, SHA256: p.SHA256}, storage
		case fieldportal.PhotoDisplay:
			f, key = fieldportal.PhotoFile{Name: base + "-display.jpg", ContentType: "image/jpeg", Size: displaySize, SHA256: keySum(display)}, display
		case fieldportal.PhotoThumb:
			f, key = fieldportal.PhotoFile{Name: base + "-thumb.jpg", ContentType: "image/jpeg", Size: thumbSize, SHA256: keySum(thumb)}, thumb
		default:
			return fieldportal.NotFound("photo")
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	rc, err := d.files().Open(ctx, v.OrgID, key)
	if errors.Is(err, blob.ErrNotFound) {
		return nil, nil, fmt.Errorf("sqlstore: photo %s: its file %q is missing from the store", photoID, key)
	}
	return &f, rc, err
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }

// keySum is the hash part of a content key (orgID/sha256).
func keySum(key string) string { return path.Base(key) }

// photoBaseName is a photo's file name without its extension, for the
// names of its made files.
func photoBaseName(p *fieldportal.VisitPhoto) string {
	base := strings.TrimSuffix(p.Name, path.Ext(p.Name))
	if base == "" {
		base = "photo-" + strconv.Itoa(p.Position)
	}
	return base
}
