package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/fieldportal/fieldportal"
)

// FindVisitReports lists the reports of the jobs the viewer may see, as
// FindVisitReport shows each (its photos, the job's asset tests): the
// job in reach and of a kind whose module the viewer uses, and for a
// contact only once the job is complete (reportVisible's rule, written
// as a condition). Newest job first by job id; with UpdatedSince in
// (updated_at, job id) order for the API's sync walk. The page and its
// photos and tests are read in one transaction, so they agree.
func (d *DB) FindVisitReports(ctx context.Context, v fieldportal.Viewer, f fieldportal.VisitReportFilter) ([]*fieldportal.VisitReport, string, error) {
	var q query
	q.scopeSite(v, "j", "j.site_id")
	if err := jobKinds(&q, v, ""); err != nil {
		return nil, "", err
	}
	if !v.SeesWholeOrg() {
		var done []fieldportal.JobStage
		for _, s := range fieldportal.JobStages {
			if !s.Open() {
				done = append(done, s)
			}
		}
		inList(&q, "j.stage", done)
	}
	// The report's own organisation, the job's already: the walks then
	// go down visit_reports_updated or visit_reports_org (migration 323)
	// in list order and stop after a page.
	q.and("r.org_id = " + q.arg(v.OrgID))
	if f.JobID != "" {
		q.and("r.job_id = " + q.arg(f.JobID))
	}
	if f.SiteID != "" {
		q.and("j.site_id = " + q.arg(f.SiteID))
	}
	order, byUpdate := "r.job_id DESC", !f.UpdatedSince.IsZero()
	if byUpdate {
		q.updatedSince("r.updated_at", f.UpdatedSince, f.Page.After)
		order = "r.updated_at, r.job_id"
		if err := q.keyset(f.After, false, "r.updated_at", "r.job_id"); err != nil {
			return nil, "", err
		}
	} else if err := q.keyset(f.After, true, "r.job_id"); err != nil {
		return nil, "", err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT r.job_id, r.org_id, r.notes, r.parts, r.signed_by, r.signed_at, r.created_at, r.updated_at
		FROM visit_reports r JOIN jobs j ON j.id = r.job_id`, "ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanVisitReport)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(r *fieldportal.VisitReport) string {
		if byUpdate {
			return cursor(r.UpdatedAt, r.JobID)
		}
		return cursor(r.JobID)
	})
	if len(list) == 0 {
		return list, next, nil
	}
	ids := make([]string, len(list))
	for i, r := range list {
		ids[i] = r.JobID
	}
	photos, err := tx.jobsVisitPhotos(ctx, ids)
	if err != nil {
		return nil, "", err
	}
	var tests map[string][]*fieldportal.AssetTest
	if v.CanUse(fieldportal.ModuleAssets) {
		if tests, err = tx.jobsAssetTests(ctx, v, ids); err != nil {
			return nil, "", err
		}
	}
	for _, r := range list {
		r.Photos = photos[r.JobID]
		if r.Photos == nil {
			r.Photos = []*fieldportal.VisitPhoto{}
		}
		r.Tests = tests[r.JobID]
	}
	return list, next, nil
}

// scanVisitReport reads a report's row (its columns as findVisitReport
// reads them).
func scanVisitReport(row interface{ Scan(...any) error }) (*fieldportal.VisitReport, error) {
	var r fieldportal.VisitReport
	var parts string
	if err := row.Scan(&r.JobID, &r.OrgID, &r.Notes, &parts, &r.SignedBy, tm(&r.SignedAt), tm(&r.CreatedAt), tm(&r.UpdatedAt)); err != nil {
		return nil, err
	}
	if err := json.Unmarshal([]byte(parts), &r.Parts); err != nil {
		return nil, fmt.Errorf("sqlstore: visit report %s: parts: %w", r.JobID, err)
	}
	return &r, nil
}

// jobsVisitPhotos reads the photos of a page of reports, by job, each
// report's in their order.
func (tx *Tx) jobsVisitPhotos(ctx context.Context, jobIDs []string) (map[string][]*fieldportal.VisitPhoto, error) {
	var q query
	inList(&q, "job_id", jobIDs)
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT `+visitPhotoColumns+` FROM visit_photos`, "ORDER BY job_id, position"), q.args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]*fieldportal.VisitPhoto{}
	for rows.Next() {
		p, err := scanVisitPhoto(rows)
		if err != nil {
			return nil, err
		}
		out[p.JobID] = append(out[p.JobID], p)
	}
	return out, rows.Err()
}
