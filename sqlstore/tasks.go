package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
)

const taskColumns = `t.id, t.org_id, t.external_id, t.customer_id, t.site_id, t.job_id, t.subject, t.description,
	t.status, t.due_date, t.assignee, t.created_at, t.updated_at,
	(SELECT j.number FROM jobs j WHERE j.id = t.job_id), (SELECT j.kind FROM jobs j WHERE j.id = t.job_id)`

func scanTask(row interface{ Scan(...any) error }) (*fieldportal.Task, error) {
	var t fieldportal.Task
	err := row.Scan(&t.ID, &t.OrgID, str(&t.ExternalID), &t.CustomerID, str(&t.SiteID), str(&t.JobID), &t.Subject,
		&t.Description, &t.Status, &t.DueDate, &t.Assignee, tm(&t.CreatedAt), tm(&t.UpdatedAt),
		str(&t.JobNumber), str((*string)(&t.JobKind)))
	return &t, err
}

// CreateTask adds a task (operator side only). A task belongs to a
// customer and optionally to one of its sites and a job there; with a
// site and no customer, the customer is the site's.
func (d *DB) CreateTask(ctx context.Context, v fieldportal.Viewer, t *fieldportal.Task) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createTask(ctx, v, t) })
}

func (tx *Tx) createTask(ctx context.Context, v fieldportal.Viewer, t *fieldportal.Task) error {
	if err := tx.prepareTask(ctx, v, t); err != nil {
		return err
	}
	t.ID, t.OrgID, t.CreatedAt, t.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO tasks (id, org_id, external_id, customer_id, site_id, job_id, subject,
		description, status, due_date, assignee, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $12)`,
		t.ID, t.OrgID, nullStr(t.ExternalID), t.CustomerID, nullStr(t.SiteID), nullStr(t.JobID), t.Subject,
		t.Description, t.Status, t.DueDate, t.Assignee, tx.now)
	if err != nil {
		return sqlErr(err, "task")
	}
	return tx.audit(ctx, v, "task.created", "task", t.ID, t.Subject)
}

// prepareTask fills the customer from the site, validates the task and
// checks its customer, site and job.
func (tx *Tx) prepareTask(ctx context.Context, v fieldportal.Viewer, t *fieldportal.Task) error {
	if t.SiteID != "" {
		if _, err := tx.siteOfRecord(ctx, v, t.SiteID, &t.CustomerID); err != nil {
			return err
		}
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if t.SiteID == "" {
		if _, err := tx.findCustomer(ctx, v, t.CustomerID); err != nil {
			return notFoundAsField(err, "customer_id", "Customer not found.")
		}
	}
	t.JobNumber, t.JobKind = "", ""
	if t.JobID != "" {
		j, err := tx.findJob(ctx, v, t.JobID)
		if err != nil {
			return notFoundAsField(err, "job_id", "Job not found.")
		} else if j.CustomerID != t.CustomerID || (t.SiteID != "" && j.SiteID != t.SiteID) {
			return fieldportal.FieldErrorf("job_id", "The job is for another customer or site.")
		}
		t.JobNumber, t.JobKind = j.Number, j.Kind
	}
	return nil
}

// UpdateTask saves a task (operator side only).
func (d *DB) UpdateTask(ctx context.Context, v fieldportal.Viewer, t *fieldportal.Task) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateTask(ctx, v, t) })
}

func (tx *Tx) updateTask(ctx context.Context, v fieldportal.Viewer, t *fieldportal.Task) error {
	old, err := tx.findTask(ctx, v, t.ID)
	if err != nil {
		return err
	}
	if t.SiteID != "" && t.SiteID != old.SiteID && t.CustomerID == old.CustomerID {
		t.CustomerID = "" // moved to another site: take that site's customer
	}
	if err := tx.prepareTask(ctx, v, t); err != nil {
		return err
	}
	t.OrgID, t.CreatedAt, t.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	args := []any{t.ID, nullStr(t.ExternalID), t.CustomerID, nullStr(t.SiteID), nullStr(t.JobID), t.Subject, t.Description,
		t.Status, t.DueDate, t.Assignee, tx.now}
	res, err := tx.ExecContext(ctx, `UPDATE tasks SET external_id = $2, customer_id = $3, site_id = $4, job_id = $5,
		subject = $6, description = $7, status = $8, due_date = $9, assignee = $10, updated_at = $11 WHERE id = $1`+
		ifUnchanged(&args, t.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, t.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "task")
	}
	return tx.audit(ctx, v, "task.updated", "task", t.ID, t.Subject)
}

// UpsertTaskByExternalID creates or updates the task with t.ExternalID
// (the back office's PUT /by-external-id). Staff and API only. Like
// CreateTask it takes the customer from the site: prepareTask validates
// after filling it, so the upsert does not validate first.
func (d *DB) UpsertTaskByExternalID(ctx context.Context, v fieldportal.Viewer, t *fieldportal.Task) (created bool, err error) {
	return d.upsertByExternal(ctx, v, "tasks", t.ExternalID, noValidate, func(id string) { t.ID = id },
		func(tx *Tx) error { return tx.createTask(ctx, v, t) },
		func(tx *Tx) error { return tx.updateTask(ctx, v, t) })
}

// FindTaskByID returns a task the viewer can reach: by its site, or for a
// customer-only task by its customer when the contact sees all sites.
func (d *DB) FindTaskByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Task, error) {
	if err := needModule(v, fieldportal.ModuleTasks, "task"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findTask(ctx, v, id)
}

func (tx *Tx) findTask(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Task, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeSiteOrCustomer(v, "t")
	q.and("t.id = " + q.arg(id))
	t, err := scanTask(tx.QueryRowContext(ctx, q.sql(`SELECT `+taskColumns+` FROM tasks t`, ""), q.args...))
	return t, sqlErr(err, "task")
}

// FindTasks lists the tasks the viewer can reach, newest first (by id,
// which is creation order; due dates are often empty, which would make a
// due-date keyset differ between the engines' NULL ordering), or by
// (updated_at, id) when UpdatedSince is set, for API sync.
func (d *DB) FindTasks(ctx context.Context, v fieldportal.Viewer, f fieldportal.TaskFilter) ([]*fieldportal.Task, string, error) {
	if err := needModule(v, fieldportal.ModuleTasks, "task"); err != nil {
		return nil, "", err
	}
	var q query
	q.scopeSiteOrCustomer(v, "t")
	if f.Status != "" {
		q.and("t.status = " + q.arg(f.Status))
	}
	if f.SiteID != "" {
		q.and("t.site_id = " + q.arg(f.SiteID))
	}
	if f.CustomerID != "" {
		q.and("t.customer_id = " + q.arg(f.CustomerID))
	}
	if f.JobID != "" {
		q.and("t.job_id = " + q.arg(f.JobID))
	}
	if f.ExternalID != "" {
		q.and("t.external_id = " + q.arg(f.ExternalID))
	}
	// A band of due dates lists the soonest due first, read by due date
	// (tasks_org_due); without one, the newest first.
	byDue := false
	switch first, last := f.Due.DueSpan(f.Today); f.Due {
	case fieldportal.TaskDueNone:
		q.and("t.due_date IS NULL")
	case fieldportal.TaskDueOverdue, fieldportal.TaskDueThisWeek, fieldportal.TaskDueLater:
		byDue = true
		q.and("t.due_date IS NOT NULL")
		if !first.IsZero() {
			q.and("t.due_date >= " + q.arg(first))
		}
		if !last.IsZero() {
			q.and("t.due_date <= " + q.arg(last))
		}
		if f.Due == fieldportal.TaskDueOverdue {
			q.and("t.status <> 'done'")
		}
	}
	order, byUpdate := "t.id DESC", !f.UpdatedSince.IsZero()
	switch {
	case byUpdate:
		q.updatedSince("t.updated_at", f.UpdatedSince, f.Page.After)
		order = "t.updated_at, t.id"
		if err := q.keyset(f.After, false, "t.updated_at", "t.id"); err != nil {
			return nil, "", err
		}
	case byDue:
		order = "t.due_date, t.id"
		if err := q.keyset(f.After, false, "t.due_date", "t.id"); err != nil {
			return nil, "", err
		}
	default:
		if err := q.keyset(f.After, true, "t.id"); err != nil {
			return nil, "", err
		}
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+taskColumns+` FROM tasks t`, "ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanTask)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(t *fieldportal.Task) string {
		switch {
		case byUpdate:
			return cursor(t.UpdatedAt, t.ID)
		case byDue:
			return cursor(t.DueDate, t.ID)
		}
		return cursor(t.ID)
	})
	return list, next, nil
}

// CountTasks counts the tasks the viewer can reach with a status ("" for
// all), for the dashboard.
func (d *DB) CountTasks(ctx context.Context, v fieldportal.Viewer, status string) (int, error) {
	if err := needModule(v, fieldportal.ModuleTasks, "task"); err != nil {
		return 0, err
	}
	var q query
	q.scopeSiteOrCustomer(v, "t")
	if status != "" {
		q.and("t.status = " + q.arg(status))
	}
	var n int
	err := d.db.QueryRowContext(ctx, q.sql(`SELECT count(*) FROM tasks t`, ""), q.args...).Scan(&n)
	return n, err
}

// EachTask calls fn with every task FindTasks would list for f, a page at
// a time; f.Page is ignored.
func (d *DB) EachTask(ctx context.Context, v fieldportal.Viewer, f fieldportal.TaskFilter, fn func(*fieldportal.Task) error) error {
	return eachPage(ctx, func(after string) ([]*fieldportal.Task, string, error) {
		f.Page = fieldportal.Page{After: after, Limit: fieldportal.MaxLimit}
		return d.FindTasks(ctx, v, f)
	}, fn)
}
