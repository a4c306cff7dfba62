package sqlstore

import (
	"context"
	"fmt"
	"strings"

	"github.com/fieldportal/fieldportal"
)

const issueColumns = `i.id, i.org_id, i.external_id, i.number, i.customer_id, i.site_id, i.asset_id, i.title,
	i.description, i.priority, i.status, i.reported_by, i.job_id, i.closed_at, i.created_at, i.updated_at, s.name`

const issueFrom = ` FROM issues i JOIN sites s ON s.id = i.site_id`

func scanIssue(row interface{ Scan(...any) error }) (*fieldportal.Issue, error) {
	var x fieldportal.Issue
	err := row.Scan(&x.ID, &x.OrgID, str(&x.ExternalID), &x.Number, &x.CustomerID, &x.SiteID, str(&x.AssetID), &x.Title,
		&x.Description, &x.Priority, &x.Status, str(&x.ReportedBy), str(&x.JobID), tm(&x.ClosedAt), tm(&x.CreatedAt), tm(&x.UpdatedAt),
		&x.SiteName)
	return &x, err
}

// CreateIssue adds an issue. Staff may set every field. A contact reports
// an issue (ActionNewIssue) at a site it reaches: it starts open, is
// reported by the contact, and the operator-only fields (number, external
// id, status) are ignored. The issues table has no created-in-portal flag:
// a non-empty ReportedBy says the issue came from the portal.
func (d *DB) CreateIssue(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Issue) error {
	if err := prepareReport(v, x); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.createIssue(ctx, v, x) })
}

func (tx *Tx) createIssue(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Issue) error {
	if err := tx.prepareIssue(ctx, v, x); err != nil {
		return err
	}
	if x.Number == "" {
		n, err := tx.nextNumber(ctx, v.OrgID, "issue", 1001)
		if err != nil {
			return err
		}
		x.Number = fmt.Sprintf("I-%d", n)
	}
	x.ID, x.OrgID, x.CreatedAt, x.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO issues (id, org_id, external_id, number, customer_id, site_id, asset_id,
		title, description, priority, status, reported_by, closed_at, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $14)`,
		x.ID, x.OrgID, nullStr(x.ExternalID), x.Number, x.CustomerID, x.SiteID, nullStr(x.AssetID), x.Title,
		x.Description, x.Priority, x.Status, nullStr(x.ReportedBy), nullTime(x.ClosedAt), tx.now)
	if err != nil {
		return sqlErr(err, "issue")
	}
	if err := tx.tallyRecord(ctx, x.SiteID, x.CustomerID); err != nil {
		return err
	}
	if err := tx.emitEvent(ctx, v, v.OrgID, "issue.created", x); err != nil {
		return err
	}
	return tx.audit(ctx, v, "issue.created", "issue", x.ID, x.Number)
}

// prepareIssue validates an issue, checks its site and asset and keeps
// ClosedAt in step with the status.
func (tx *Tx) prepareIssue(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Issue) error {
	if err := x.Validate(); err != nil {
		return err
	}
	if _, err := tx.siteOfRecord(ctx, v, x.SiteID, &x.CustomerID); err != nil {
		return err
	}
	if x.AssetID != "" {
		if _, err := tx.checkRecordAssets(ctx, v, x.SiteID, []string{x.AssetID}); err != nil {
			return fieldportal.FieldErrorf("asset_id", "Equipment not found at this site.")
		}
	}
	switch {
	case x.Status == fieldportal.IssueOpen:
		x.ClosedAt = fieldportal.Issue{}.ClosedAt
	case x.ClosedAt.IsZero():
		x.ClosedAt = tx.now
	}
	return nil
}

// UpdateIssue saves an issue (operator side only). Who reported it stays
// as it was.
func (d *DB) UpdateIssue(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Issue) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return tx.updateIssue(ctx, v, x) })
}

func (tx *Tx) updateIssue(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Issue) error {
	// Counted for its customer before the change; tallyRecord after. The
	// record is locked before it is read, so old is what a concurrent
	// change left.
	if err := tx.tallyStored(ctx, "issues", x.ID); err != nil {
		return err
	}
	old, err := tx.findIssue(ctx, v, x.ID)
	if err != nil {
		return err
	}
	if x.CustomerID == old.CustomerID && x.SiteID != old.SiteID {
		x.CustomerID = "" // moved to another site: take that site's customer
	}
	if x.Status == fieldportal.IssueClosed && old.Status == fieldportal.IssueClosed && x.ClosedAt.IsZero() {
		x.ClosedAt = old.ClosedAt
	}
	if err := tx.prepareIssue(ctx, v, x); err != nil {
		return err
	}
	if x.Number == "" {
		x.Number = old.Number
	}
	x.OrgID, x.CreatedAt, x.UpdatedAt, x.ReportedBy = old.OrgID, old.CreatedAt, tx.now, old.ReportedBy
	args := []any{x.ID, nullStr(x.ExternalID), x.Number, x.CustomerID, x.SiteID, nullStr(x.AssetID), x.Title, x.Description,
		x.Priority, x.Status, nullTime(x.ClosedAt), tx.now}
	res, err := tx.ExecContext(ctx, `UPDATE issues SET external_id = $2, number = $3, customer_id = $4, site_id = $5,
		asset_id = $6, title = $7, description = $8, priority = $9, status = $10, closed_at = $11, updated_at = $12
		WHERE id = $1`+ifUnchanged(&args, x.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, x.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "issue")
	}
	// Its thread is scoped by a copy of where the record is (messages.go).
	if err := tx.refreshThread(ctx, x.OrgID, fieldportal.ThreadOnIssue, x.ID); err != nil {
		return err
	}
	if err := tx.tallyRecord(ctx, x.SiteID, x.CustomerID); err != nil {
		return err
	}
	if x.Status != old.Status {
		if err := tx.issueEvent(ctx, v, x.ID, statusEvent(x.Status), ""); err != nil {
			return err
		}
	}
	return tx.audit(ctx, v, "issue.updated", "issue", x.ID, x.Number)
}

// UpsertIssueByExternalID creates or updates the issue with x.ExternalID
// (the back office's PUT /by-external-id). Staff and API only.
func (d *DB) UpsertIssueByExternalID(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Issue) (created bool, err error) {
	return d.upsertByExternal(ctx, v, "issues", x.ExternalID, x.Validate, func(id string) { x.ID = id },
		func(tx *Tx) error { return tx.createIssue(ctx, v, x) },
		func(tx *Tx) error { return tx.updateIssue(ctx, v, x) })
}

// FindIssueByID returns an issue the viewer can reach.
func (d *DB) FindIssueByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Issue, error) {
	if err := needModule(v, fieldportal.ModuleIssues, "issue"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findIssue(ctx, v, id)
}

func (tx *Tx) findIssue(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Issue, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeSite(v, "i", "i.site_id")
	q.and("i.id = " + q.arg(id))
	x, err := scanIssue(tx.QueryRowContext(ctx, q.sql(`SELECT `+issueColumns+issueFrom, ""), q.args...))
	return x, sqlErr(err, "issue")
}

// CountIssues counts the issues the viewer can reach with a status (""
// for all), for the dashboard.
func (d *DB) CountIssues(ctx context.Context, v fieldportal.Viewer, status string) (int, error) {
	if err := needModule(v, fieldportal.ModuleIssues, "issue"); err != nil {
		return 0, err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return 0, err
	}
	var q query
	sub, err := issueCount(&q, v, few, status)
	return countOne(ctx, d.db, &q, sub, err)
}

// issueCount is CountIssues as a sub-query of q; few is reachesFewSites'
// answer.
func issueCount(q *query, v fieldportal.Viewer, few bool, status string) (string, error) {
	return q.sub("SELECT count(*) FROM issues i", func() error {
		q.scopeSite(v, "i", "i.site_id")
		if few {
			q.onlyReachableSites("i.site_id")
		}
		switch status {
		case "":
		case fieldportal.IssueOpen:
			// Written out, not as a parameter, so that both planners may
			// use the partial index of open issues (migration 00083).
			q.and("i.status = 'open'")
		default:
			q.and("i.status = " + q.arg(status))
		}
		return nil
	})
}

// AddIssueComment adds a comment to an issue the viewer can reach. The
// author is the viewer: a contact or a staff member, by name; an API
// client may give AuthorName. The issue's updated_at moves so that a sync
// by UpdatedSince picks up the new comment. It tells no one: a comment the
// back office syncs was answered there (CommentOnIssue is the portal's and
// the console's, which mails the customer).
func (d *DB) AddIssueComment(ctx context.Context, v fieldportal.Viewer, c *fieldportal.IssueComment) error {
	return d.commentOnIssue(ctx, v, c, nil, false)
}

// commentOnIssue adds c, its files attached to the issue, and with notify
// the "issue answered" mail when the operator wrote it, in one
// transaction.
func (d *DB) commentOnIssue(ctx context.Context, v fieldportal.Viewer, c *fieldportal.IssueComment, files []fieldportal.Upload, notify bool) error {
	if err := needModule(v, fieldportal.ModuleIssues, "issue"); err != nil {
		return err
	}
	if v.Kind() == fieldportal.ViewerAnonymous {
		return fieldportal.NotFound("issue")
	}
	if err := c.Validate(); err != nil {
		return err
	}
	stored, err := d.storeUploads(ctx, v, "issue", files)
	if err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		x, err := tx.findIssue(ctx, v, c.IssueID)
		if err != nil {
			return err
		}
		c.AuthorContact, c.AuthorStaff = "", ""
		switch v.Kind() {
		case fieldportal.ViewerContact:
			c.AuthorContact, c.AuthorName = v.ContactID, v.Name
		case fieldportal.ViewerStaff:
			c.AuthorStaff, c.AuthorName = v.StaffID, v.Name
		default:
			if strings.TrimSpace(c.AuthorName) == "" {
				c.AuthorName = v.Name
			}
		}
		c.ID, c.OrgID, c.CreatedAt = newID(), v.OrgID, tx.now
		_, err = tx.ExecContext(ctx, `INSERT INTO issue_comments (id, org_id, issue_id, author_contact, author_staff,
			author_name, body, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
			c.ID, c.OrgID, x.ID, nullStr(c.AuthorContact), nullStr(c.AuthorStaff), c.AuthorName, c.Body, tx.now)
		if err != nil {
			return sqlErr(err, "comment")
		}
		if _, err := tx.ExecContext(ctx, `UPDATE issues SET updated_at = $2 WHERE id = $1`, x.ID, tx.now); err != nil {
			return err
		}
		docs, err := tx.attachUploads(ctx, v, "issue", x.ID, stored)
		if err != nil {
			return err
		}
		if v.SeesWholeOrg() {
			// The operator's files on a comment are part of its answer to
			// the customer, who sees the comment: show them too.
			for _, doc := range docs {
				if _, err := tx.ExecContext(ctx, `UPDATE documents SET visible_to_customer = TRUE WHERE id = $1`, doc.ID); err != nil {
					return err
				}
				doc.VisibleToCustomer = true
			}
		}
		if notify && v.Kind() == fieldportal.ViewerStaff {
			if err := tx.mailIssueAnswered(ctx, x); err != nil {
				return err
			}
		}
		return tx.audit(ctx, v, "issue.commented", "issue", x.ID, x.Number)
	})
}

// FindIssueComments lists the comments of an issue the viewer can reach,
// oldest first. An issue's thread is short, so it is not paginated.
func (d *DB) FindIssueComments(ctx context.Context, v fieldportal.Viewer, issueID string) ([]*fieldportal.IssueComment, error) {
	if err := needModule(v, fieldportal.ModuleIssues, "issue"); err != nil {
		return nil, err
	}
	var q query
	q.scopeSite(v, "i", "i.site_id")
	q.and("i.id = " + q.arg(issueID))
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT c.id, c.org_id, c.issue_id, c.author_contact, c.author_staff,
		c.author_name, c.body, c.created_at FROM issue_comments c JOIN issues i ON i.id = c.issue_id`, "ORDER BY c.id"), q.args...)
	if err != nil {
		return nil, err
	}
	list, err := collect(rows, func(r interface{ Scan(...any) error }) (*fieldportal.IssueComment, error) {
		var c fieldportal.IssueComment
		err := r.Scan(&c.ID, &c.OrgID, &c.IssueID, str(&c.AuthorContact), str(&c.AuthorStaff), &c.AuthorName, &c.Body, tm(&c.CreatedAt))
		return &c, err
	})
	if err != nil {
		return nil, err
	}
	if list == nil {
		// An empty thread and an unreachable issue must differ: check
		// the issue itself so that the latter answers not found.
		if _, err := d.FindIssueByID(ctx, v, issueID); err != nil {
			return nil, err
		}
		list = []*fieldportal.IssueComment{}
	}
	return list, nil
}
