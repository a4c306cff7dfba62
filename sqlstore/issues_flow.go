package sqlstore

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// The issue workflow (issue 16): a contact reports an issue with its
// files, the operator closes, reopens and turns it into a service order,
// each step kept in its status history, and a comment from the operator
// mails the customer. Each is one transaction with its audit entry.

// ReportIssue adds an issue with its attachments, together or not at all:
// a contact's report (as CreateIssue) with the files it uploaded.
func (d *DB) ReportIssue(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Issue, files []fieldportal.Upload) error {
	if err := prepareReport(v, x); err != nil {
		return err
	}
	stored, err := d.storeUploads(ctx, v, "issue", files)
	if err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		if err := tx.createIssue(ctx, v, x); err != nil {
			return err
		}
		_, err := tx.attachUploads(ctx, v, "issue", x.ID, stored)
		return err
	})
}

// prepareReport keeps what a contact may say of a new issue (CreateIssue's
// rule), or refuses a viewer who may not report one.
func prepareReport(v fieldportal.Viewer, x *fieldportal.Issue) error {
	if v.IsContact() {
		if !v.CanDo(fieldportal.ActionNewIssue) {
			return fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot report issues.")
		}
		*x = fieldportal.Issue{
			SiteID: x.SiteID, AssetID: x.AssetID, Title: x.Title, Description: x.Description, Priority: x.Priority,
			Status: fieldportal.IssueOpen, ReportedBy: v.ContactID,
		}
		if x.Priority == "" {
			x.Priority = fieldportal.PriorityNormal
		}
		return nil
	}
	return needStaff(v)
}

// CommentOnIssue adds a comment with its attachments to an issue the
// viewer can reach, in one transaction. A comment by staff queues the
// "issue answered" mail in the same transaction (mailIssueAnswered).
func (d *DB) CommentOnIssue(ctx context.Context, v fieldportal.Viewer, c *fieldportal.IssueComment, files []fieldportal.Upload) error {
	return d.commentOnIssue(ctx, v, c, files, true)
}

// SetIssueStatus closes or reopens an issue (the console's Close and
// Reopen) and records the step in its history. Setting the status it has
// already changes nothing.
func (d *DB) SetIssueStatus(ctx context.Context, v fieldportal.Viewer, issueID, status string, ifUpdatedAt time.Time) (*fieldportal.Issue, error) {
	if err := needStaff(v); err != nil {
		return nil, err
	}
	if status != fieldportal.IssueOpen && status != fieldportal.IssueClosed {
		return nil, fieldportal.FieldErrorf("status", "Status must be open or closed.")
	}
	var x *fieldportal.Issue
	err := d.inTx(ctx, func(tx *Tx) error {
		// Locked before it is read: a concurrent close or reopen is seen,
		// so the history records each change once.
		if err := tx.tallyStored(ctx, "issues", issueID); err != nil {
			return err
		}
		var err error
		if x, err = tx.findIssue(ctx, v, issueID); err != nil {
			return err
		}
		if !ifUpdatedAt.IsZero() && !x.UpdatedAt.Equal(ifUpdatedAt) {
			return fieldportal.ErrChanged
		}
		if x.Status == status {
			return nil
		}
		x.Status, x.ClosedAt, x.UpdatedAt = status, tx.now, tx.now
		if status == fieldportal.IssueOpen {
			x.ClosedAt = fieldportal.Issue{}.ClosedAt
		}
		if _, err := tx.ExecContext(ctx, `UPDATE issues SET status = $2, closed_at = $3, updated_at = $4 WHERE id = $1`,
			x.ID, x.Status, nullTime(x.ClosedAt), tx.now); err != nil {
			return err
		}
		if err := tx.tallyRecord(ctx, x.SiteID, x.CustomerID); err != nil {
			return err
		}
		kind := statusEvent(status)
		if err := tx.issueEvent(ctx, v, x.ID, kind, ""); err != nil {
			return err
		}
		return tx.audit(ctx, v, "issue."+string(kind), "issue", x.ID, x.Number)
	})
	return x, err
}

// statusEvent is the history's word for a change to status.
func statusEvent(status string) fieldportal.IssueEventKind {
	if status == fieldportal.IssueClosed {
		return fieldportal.IssueEventClosed
	}
	return fieldportal.IssueEventReopened
}

// TurnIssueIntoJob makes a pending service order at the issue's site, for
// its customer and asset, described by the issue, and records it on the
// issue and in its history. An issue becomes one service order at most.
func (d *DB) TurnIssueIntoJob(ctx context.Context, v fieldportal.Viewer, issueID string) (*fieldportal.Job, error) {
	if err := needStaff(v); err != nil {
		return nil, err
	}
	var j *fieldportal.Job
	err := d.inTx(ctx, func(tx *Tx) error {
		x, err := tx.findIssue(ctx, v, issueID)
		if err != nil {
			return err
		}
		if x.JobID != "" {
			return fieldportal.Errorf(fieldportal.ECONFLICT, "This issue is already a service order.")
		}
		desc := fmt.Sprintf("Issue %s: %s", x.Number, x.Title)
		if strings.TrimSpace(x.Description) != "" {
			desc += "\n\n" + x.Description
		}
		j = &fieldportal.Job{SiteID: x.SiteID, CustomerID: x.CustomerID, Kind: fieldportal.JobService,
			Stage: fieldportal.StagePending, Description: desc, RequestedBy: x.ReportedBy}
		if x.AssetID != "" {
			j.AssetIDs = []string{x.AssetID}
		}
		if err := tx.createJob(ctx, v, j); err != nil {
			return err
		}
		// The job_id IS NULL guard makes a second, concurrent turn of the
		// same issue fail instead of making two orders.
		res, err := tx.ExecContext(ctx, `UPDATE issues SET job_id = $2, updated_at = $3 WHERE id = $1 AND job_id IS NULL`,
			x.ID, j.ID, tx.now)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil {
			return err
		} else if n != 1 {
			return fieldportal.Errorf(fieldportal.ECONFLICT, "This issue is already a service order.")
		}
		if err := tx.issueEvent(ctx, v, x.ID, fieldportal.IssueEventServiceOrder, j.ID); err != nil {
			return err
		}
		return tx.audit(ctx, v, "issue.service_order", "issue", x.ID, x.Number+" "+j.Number)
	})
	if err != nil {
		return nil, err
	}
	return j, nil
}

// issueEvent records a step of an issue's history, done by v.
func (tx *Tx) issueEvent(ctx context.Context, v fieldportal.Viewer, issueID string, kind fieldportal.IssueEventKind, jobID string) error {
	var contact, staff string
	switch v.Kind() {
	case fieldportal.ViewerContact:
		contact = v.ContactID
	case fieldportal.ViewerStaff:
		staff = v.StaffID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO issue_events (id, org_id, issue_id, kind, job_id, actor_contact, actor_staff,
		actor_name, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		newID(), v.OrgID, issueID, kind, nullStr(jobID), nullStr(contact), nullStr(staff), v.Name, tx.now)
	return err
}

// FindIssueHistory returns the status history of an issue the viewer can
// reach, oldest first: its report, then each close, reopen and service
// order. An issue closed before its history was kept (or loaded closed)
// shows its closed_at as the last step.
func (d *DB) FindIssueHistory(ctx context.Context, v fieldportal.Viewer, issueID string) ([]*fieldportal.IssueEvent, error) {
	if err := needModule(v, fieldportal.ModuleIssues, "issue"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	x, err := tx.findIssue(ctx, v, issueID)
	if err != nil {
		return nil, err
	}
	reported := &fieldportal.IssueEvent{ID: x.ID, IssueID: x.ID, Kind: fieldportal.IssueEventReported, At: x.CreatedAt}
	if x.ReportedBy != "" {
		var first, last string
		err := tx.QueryRowContext(ctx, `SELECT first_name, last_name FROM contacts WHERE id = $1 AND org_id = $2`,
			x.ReportedBy, x.OrgID).Scan(&first, &last)
		if err != nil {
			return nil, sqlErr(err, "contact")
		}
		reported.ActorName = strings.TrimSpace(first + " " + last)
	}
	rows, err := tx.QueryContext(ctx, `SELECT e.id, e.kind, e.job_id, j.number, e.actor_name, e.created_at
		FROM issue_events e LEFT JOIN jobs j ON j.id = e.job_id WHERE e.issue_id = $1 ORDER BY e.created_at, e.id`, x.ID)
	if err != nil {
		return nil, err
	}
	events, err := collect(rows, func(r interface{ Scan(...any) error }) (*fieldportal.IssueEvent, error) {
		e := &fieldportal.IssueEvent{IssueID: x.ID}
		err := r.Scan(&e.ID, &e.Kind, str(&e.JobID), str(&e.JobNumber), &e.ActorName, tm(&e.At))
		return e, err
	})
	if err != nil {
		return nil, err
	}
	if !v.CanUse(fieldportal.ModuleService) {
		// The service order is of the Service page: a contact without it
		// reads that the issue became one, not which (SPEC §2.4).
		for _, e := range events {
			e.JobID, e.JobNumber = "", ""
		}
	}
	out := append([]*fieldportal.IssueEvent{reported}, events...)
	if x.Status == fieldportal.IssueClosed && lastStatusEvent(out) != fieldportal.IssueEventClosed && !x.ClosedAt.IsZero() {
		out = append(out, &fieldportal.IssueEvent{ID: x.ID + "-closed", IssueID: x.ID, Kind: fieldportal.IssueEventClosed, At: x.ClosedAt})
	}
	return out, nil
}

// lastStatusEvent is the kind of the last event that set the status.
func lastStatusEvent(events []*fieldportal.IssueEvent) fieldportal.IssueEventKind {
	for i := len(events) - 1; i >= 0; i-- {
		if k := events[i].Kind; k != fieldportal.IssueEventServiceOrder {
			return k
		}
	}
	return ""
}

// issueAttachments reads the files attached to an issue the viewer has
// found (x), oldest first; docID narrows them to one.
func (tx *Tx) issueAttachments(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Issue, docID string) ([]*fieldportal.Document, error) {
	sql := `SELECT ` + documentColumns + ` FROM documents d WHERE d.issue_id = $1 AND d.org_id = $2`
	args := []any{x.ID, x.OrgID}
	if v.IsContact() {
		sql += " AND d.visible_to_customer = TRUE"
	}
	if docID != "" {
		sql += " AND d.id = $3"
		args = append(args, docID)
	}
	rows, err := tx.QueryContext(ctx, sql+" ORDER BY d.created_at, d.id", args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanDocument)
}

// FindIssueAttachments lists the files attached to an issue the viewer
// can reach (with its report or its comments), oldest first. They belong
// to the issue: whoever may read the issue may read them, with or without
// the Documents page; a contact sees only those visible to customers.
func (d *DB) FindIssueAttachments(ctx context.Context, v fieldportal.Viewer, issueID string) ([]*fieldportal.Document, error) {
	if err := needModule(v, fieldportal.ModuleIssues, "issue"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	x, err := tx.findIssue(ctx, v, issueID)
	if err != nil {
		return nil, err
	}
	list, err := tx.issueAttachments(ctx, v, x, "")
	if list == nil && err == nil {
		list = []*fieldportal.Document{}
	}
	return list, err
}

// OpenIssueAttachment returns a file of an issue the viewer can reach,
// with its bytes. Any other answers "document not found", whether the
// issue or the file is out of reach or missing: one answer for all.
func (d *DB) OpenIssueAttachment(ctx context.Context, v fieldportal.Viewer, issueID, documentID string) (*fieldportal.Document, io.ReadCloser, error) {
	if err := needModule(v, fieldportal.ModuleIssues, "document"); err != nil {
		return nil, nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, nil, err
	}
	x, err := tx.findIssue(ctx, v, issueID)
	var list []*fieldportal.Document
	if err == nil {
		list, err = tx.issueAttachments(ctx, v, x, documentID)
	}
	tx.Rollback()
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return nil, nil, fieldportal.NotFound("document")
	} else if err != nil {
		return nil, nil, err
	}
	if len(list) != 1 {
		return nil, nil, fieldportal.NotFound("document")
	}
	rc, err := d.openFile(ctx, list[0])
	if err != nil {
		return nil, nil, err
	}
	return list[0], rc, nil
}

// FindIssueSites lists, by name, the sites the viewer reaches for the
// issues pages: the sites a new issue may be reported at and the list's
// site filter. They are part of the Issues page, so a contact without the
// Job sites page still chooses among its sites; f's activity counts are
// not read.
func (d *DB) FindIssueSites(ctx context.Context, v fieldportal.Viewer, f fieldportal.SiteFilter) ([]*fieldportal.Site, string, error) {
	if err := needModule(v, fieldportal.ModuleIssues, "site"); err != nil {
		return nil, "", err
	}
	f.WithActivity = false
	return d.listSites(ctx, v, f)
}

// FindIssueSite returns a site the viewer reaches, for the issues pages
// (FindIssueSites).
func (d *DB) FindIssueSite(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Site, error) {
	if err := needModule(v, fieldportal.ModuleIssues, "site"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findSite(ctx, v, id)
}
