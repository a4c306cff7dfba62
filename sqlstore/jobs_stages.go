package sqlstore

import (
	"context"
	"time"

	"github.com/fieldportal/fieldportal"
)

// A job's stage history, the console's stage moves, the CSV's walk of the
// jobs list, and the invoices raised from a job (issue 16).

// recordStage writes a job's move from one stage to another into its
// history, in the transaction of the change; from is "" for the stage a
// job is made at. It writes nothing when the stage stays the same, so
// every save may call it.
func (tx *Tx) recordStage(ctx context.Context, v fieldportal.Viewer, j *fieldportal.Job, from fieldportal.JobStage, note string) error {
	if from == j.Stage {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO job_stage_history (id, org_id, job_id, from_stage, to_stage, changed_by, note, changed_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`, newID(), j.OrgID, j.ID, string(from), string(j.Stage), changedBy(v), note, tx.now)
	return sqlErr(err, "job stage history")
}

// changedBy names who made a change, as a job's history shows it.
func changedBy(v fieldportal.Viewer) string {
	if v.Name != "" && v.Kind() != fieldportal.ViewerSystem {
		return v.Name
	}
	switch v.Kind() {
	case fieldportal.ViewerContact:
		return "Customer"
	case fieldportal.ViewerStaff:
		return "Office"
	}
	return "Back office"
}

// MoveJobStage moves a job to another stage from the console: staff only,
// and only by an allowed move, so a stale form (the job moved meanwhile)
// is refused with a message naming the stage field.
func (d *DB) MoveJobStage(ctx context.Context, v fieldportal.Viewer, m fieldportal.JobStageMove) (*fieldportal.Job, error) {
	if err := needStaff(v); err != nil {
		return nil, err
	}
	var out *fieldportal.Job
	err := d.inTx(ctx, func(tx *Tx) (err error) {
		out, err = tx.moveJobStage(ctx, v, m)
		return err
	})
	return out, err
}

// UpdateJobAndMove saves a job's fields and moves its stage in one
// transaction (the API's PATCH that sends both): the move goes over the
// version the save wrote, by the console's rules, with its history.
func (d *DB) UpdateJobAndMove(ctx context.Context, v fieldportal.Viewer, j *fieldportal.Job, m fieldportal.JobStageMove) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		if err := tx.updateJob(ctx, v, j); err != nil {
			return err
		}
		m.JobID, m.IfUpdatedAt = j.ID, j.UpdatedAt
		moved, err := tx.moveJobStage(ctx, v, m)
		if err != nil {
			return err
		}
		*j = *moved
		return nil
	})
}

// moveJobStage is MoveJobStage in a transaction of the caller's (raising
// an invoice moves its complete job to Invoiced in the invoice's).
func (tx *Tx) moveJobStage(ctx context.Context, v fieldportal.Viewer, m fieldportal.JobStageMove) (*fieldportal.Job, error) {
	// Counted for its customer before the change; tallyRecord after
	// (open jobs are in the Open activities count). This locks the
	// job first, so the stage checked and recorded as "from" is the
	// one a concurrent move left, not the one before it.
	if err := tx.tallyStored(ctx, "jobs", m.JobID); err != nil {
		return nil, err
	}
	j, err := tx.findJob(ctx, v, m.JobID)
	if err != nil {
		return nil, err
	}
	if !m.IfUpdatedAt.IsZero() && !j.UpdatedAt.Equal(m.IfUpdatedAt.UTC()) {
		return nil, fieldportal.ErrChanged
	}
	if err := m.Validate(j.Stage); err != nil {
		return nil, err
	}
	from := j.Stage
	j.Stage, j.UpdatedAt = m.To, tx.now
	if m.To.Open() {
		j.CompletedAt = time.Time{}
	} else if j.CompletedAt.IsZero() {
		j.CompletedAt = tx.now
	}
	if _, err := tx.ExecContext(ctx, `UPDATE jobs SET stage = $2, completed_at = $3, updated_at = $4 WHERE id = $1`,
		j.ID, j.Stage, nullTime(j.CompletedAt), tx.now); err != nil {
		return nil, sqlErr(err, "job")
	}
	if err := tx.recordStage(ctx, v, j, from, m.Note); err != nil {
		return nil, err
	}
	if err := tx.tallyRecord(ctx, j.SiteID, j.CustomerID); err != nil {
		return nil, err
	}
	return j, tx.audit(ctx, v, "job.stage", "job", j.ID, j.Number+": "+string(from)+" → "+string(j.Stage))
}

// FindJobHistory lists a job's stage changes, oldest first, when the
// viewer may see the job.
func (d *DB) FindJobHistory(ctx context.Context, v fieldportal.Viewer, jobID string) ([]*fieldportal.JobStageChange, error) {
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.findVisibleJob(ctx, v, jobID); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT id, job_id, from_stage, to_stage, changed_by, note, changed_at
		FROM job_stage_history WHERE job_id = $1 ORDER BY changed_at, id`, jobID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (*fieldportal.JobStageChange, error) {
		var c fieldportal.JobStageChange
		err := row.Scan(&c.ID, &c.JobID, &c.From, &c.To, &c.By, &c.Note, tm(&c.At))
		return &c, err
	})
}

// findVisibleJob is the check of FindJobByID without the job's children:
// the job is in the viewer's scope and its kind's module is usable.
func (tx *Tx) findVisibleJob(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Job, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeSite(v, "j", "j.site_id")
	q.and("j.id = " + q.arg(id))
	j, err := scanJob(tx.QueryRowContext(ctx, q.sql(`SELECT `+jobColumns+jobFrom, ""), q.args...))
	if err != nil {
		return nil, sqlErr(err, "job")
	}
	if err := needModule(v, j.Kind.Module(), "job"); err != nil {
		return nil, err
	}
	return j, nil
}

// FindJobInvoices lists the invoices raised from a job, newest first:
// those of the job that the viewer sees by the invoices' own rule (an
// invoice without a site needs site access "all"), and none at all
// without the Invoices module. A job has a handful of invoices, read by
// the invoices_job index.
func (d *DB) FindJobInvoices(ctx context.Context, v fieldportal.Viewer, jobID string) ([]*fieldportal.Invoice, error) {
	if err := needModule(v, fieldportal.ModuleInvoices, "invoice"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.findVisibleJob(ctx, v, jobID); err != nil {
		return nil, err
	}
	var q query
	q.scopeSiteOrCustomer(v, "i")
	q.and("i.job_id = " + q.arg(jobID))
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT `+invoiceColumns+invoiceFrom, "ORDER BY i.issue_date DESC, i.id DESC"), q.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanInvoice)
}

// EachJob calls fn with every job FindJobs lists for f, in its order,
// chunk by chunk (streamChunks): the CSV of the jobs list. Each job
// holds only what the CSV shows (jobStreamColumns): no items or assets,
// and of its ids only its own.
func (d *DB) EachJob(ctx context.Context, v fieldportal.Viewer, f fieldportal.JobFilter, fn func(*fieldportal.Job) error) error {
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return err
	}
	f.Page = fieldportal.Page{}
	cols, scan := jobStreamColumns, scanStreamedJob
	if !f.UpdatedSince.IsZero() || f.RecentlyChanged {
		// The cursor of these orders (jobCursor).
		cols, scan = jobStreamColumns+", j.updated_at", scanStreamedJobUpdated
	}
	return streamChunks(ctx, d, func(after string) (string, []any, error) {
		f.After = after
		return jobListQuery(d.dialect, v, f, few, cols)
	}, scan, jobCursor(f), fn)
}

// jobStreamColumns are the columns of a job the CSV of the list shows
// (portal.handleJobsCSV), and its id: a streamed row costs the driver
// per column, a time or date more (invoiceStreamColumns), and
// jobColumns has 24 of them, seven times or dates.
const jobStreamColumns = `j.id, j.number, j.kind, s.name, j.order_no, j.stage, j.scheduled_start,
	CAST(j.preferred_date AS TEXT), j.preferred_window, j.technician`

// scanStreamedJob scans a row of jobStreamColumns.
func scanStreamedJob(row interface{ Scan(...any) error }) (*fieldportal.Job, error) {
	var j fieldportal.Job
	err := scanStreamedJobInto(row, &j)
	return &j, err
}

// scanStreamedJobUpdated scans jobStreamColumns and updated_at.
func scanStreamedJobUpdated(row interface{ Scan(...any) error }) (*fieldportal.Job, error) {
	var j fieldportal.Job
	err := scanStreamedJobInto(row, &j, tm(&j.UpdatedAt))
	return &j, err
}

// scanStreamedJobInto scans jobStreamColumns into j, then any columns
// after them into more.
func scanStreamedJobInto(row interface{ Scan(...any) error }, j *fieldportal.Job, more ...any) error {
	return row.Scan(append([]any{&j.ID, &j.Number, &j.Kind, &j.SiteName, &j.OrderNo, &j.Stage, tm(&j.ScheduledStart),
		&j.PreferredDate, &j.PreferredWindow, &j.Technician}, more...)...)
}
