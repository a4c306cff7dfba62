package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Deleting a record removes its row and leaves a tombstone (id, external
// id, when) in the same transaction, with its <kind>.deleted event and an
// audit entry: a back office syncing by updated_since, or listening to
// webhooks, learns of the deletion either way.

// tombstoneEvent is a <kind>.deleted event's data: the tombstone as the
// API shows it in a sync list.
type tombstoneEvent struct {
	ID         string    `json:"id"`
	ExternalID *string   `json:"external_id"`
	DeletedAt  time.Time `json:"deleted_at"`
	Deleted    bool      `json:"deleted"`
}

// deleteRecord deletes the row id of table (in v's organisation; the
// caller has found it in v's reach) when it still has ifUpdatedAt (zero:
// any version), then buries it: tombstone, event and audit entry, whose
// detail names the record for a reader of the audit log.
func (tx *Tx) deleteRecord(ctx context.Context, v fieldportal.Viewer, table, kind, id, ext, detail string, ifUpdatedAt time.Time) error {
	// The entry keeps the record's customer and site, read while the row
	// is still there (auditEntityScope finds nothing after).
	customerID, siteID, err := tx.auditEntityScope(ctx, v.OrgID, kind, id)
	if err != nil {
		return err
	}
	args := []any{id, v.OrgID}
	res, err := tx.ExecContext(ctx, `DELETE FROM `+table+` WHERE id = $1 AND org_id = $2`+ifUnchanged(&args, ifUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, ifUpdatedAt)
	}
	if err == nil {
		// A delete that ran meanwhile (PostgreSQL: this DELETE waited for
		// it) removed the row: this one is of nothing, and writes no
		// second tombstone, event nor audit entry.
		var n int64
		if n, err = res.RowsAffected(); err == nil && n == 0 {
			err = sql.ErrNoRows
		}
	}
	if err != nil {
		return sqlErr(err, strings.ReplaceAll(kind, "_", " "))
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO tombstones (org_id, kind, id, external_id, deleted_at) VALUES ($1, $2, $3, $4, $5)`,
		v.OrgID, kind, id, nullStr(ext), tx.now); err != nil {
		return err
	}
	var extp *string
	if ext != "" {
		extp = &ext
	}
	if err := tx.emitEvent(ctx, v, v.OrgID, kind+".deleted", tombstoneEvent{ID: id, ExternalID: extp, DeletedAt: tx.now, Deleted: true}); err != nil {
		return err
	}
	return tx.auditDeleted(ctx, v, kind+".deleted", kind, id, detail, customerID, siteID)
}

// DeleteTask deletes a task the operator reaches (staff and API only).
func (d *DB) DeleteTask(ctx context.Context, v fieldportal.Viewer, id string, ifUpdatedAt time.Time) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		t, err := tx.findTask(ctx, v, id)
		if err != nil {
			return err
		}
		return tx.deleteRecord(ctx, v, "tasks", fieldportal.KindTask, t.ID, t.ExternalID, t.Subject, ifUpdatedAt)
	})
}

// DeleteAppointment deletes an appointment the operator reaches (staff
// and API only): a cancelled visit. Appointments have no status of their
// own and nothing refers to them, so a cancellation is a deletion.
func (d *DB) DeleteAppointment(ctx context.Context, v fieldportal.Viewer, id string, ifUpdatedAt time.Time) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		a, err := tx.findAppointment(ctx, v, id)
		if err != nil {
			return err
		}
		return tx.deleteRecord(ctx, v, "appointments", fieldportal.KindAppointment, a.ID, a.ExternalID,
			a.StartsAt.UTC().Format(time.RFC3339), ifUpdatedAt)
	})
}

// DeleteAssetTest deletes an asset test the operator reaches (staff and
// API only): a test entered by mistake. The asset's history and the
// defects reports read the tests as they are, so they follow.
func (d *DB) DeleteAssetTest(ctx context.Context, v fieldportal.Viewer, id string, ifUpdatedAt time.Time) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		t, err := tx.findAssetTest(ctx, v, id)
		if err != nil {
			return err
		}
		return tx.deleteRecord(ctx, v, "asset_tests", fieldportal.KindAssetTest, t.ID, t.ExternalID, string(t.Result), ifUpdatedAt)
	})
}

// contactReferences are the columns that name a contact: a contact any
// of them names is kept, as the history of what it did.
var contactReferences = [][2]string{
	{"portal_logins", "contact_id"}, {"issues", "reported_by"}, {"issue_comments", "author_contact"},
	{"issue_events", "actor_contact"}, {"quotes", "requested_by"}, {"jobs", "requested_by"},
	{"payments", "paid_by"}, {"documents", "uploaded_by_contact"}, {"checkouts", "contact_id"},
}

// DeleteContact deletes a contact nothing refers to (staff and API only):
// one entered by mistake, or gone before they used the portal. A contact
// with a login (even one only invited) or named by a record is refused
// with ECONFLICT; the foreign keys refuse one named by a record written
// meanwhile.
func (d *DB) DeleteContact(ctx context.Context, v fieldportal.Viewer, id string, ifUpdatedAt time.Time) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		c, err := tx.findContact(ctx, v, id)
		if err != nil {
			return err
		}
		var refs []string
		for _, r := range contactReferences {
			refs = append(refs, `EXISTS (SELECT 1 FROM `+r[0]+` WHERE `+r[1]+` = $1)`)
		}
		var named bool
		if err := tx.QueryRowContext(ctx, `SELECT `+strings.Join(refs, " OR "), c.ID).Scan(&named); err != nil {
			return err
		}
		if named {
			return fieldportal.Errorf(fieldportal.ECONFLICT, "This contact has a portal login or is named by issues, quotes, "+
				"jobs, payments or documents, and is kept for that history; disable their portal access instead.")
		}
		// A site's contact is no history: the contact leaves its sites.
		if _, err := tx.ExecContext(ctx, `DELETE FROM site_contacts WHERE contact_id = $1`, c.ID); err != nil {
			return err
		}
		return tx.deleteRecord(ctx, v, "contacts", fieldportal.KindContact, c.ID, c.ExternalID,
			strings.TrimSpace(c.FirstName+" "+c.LastName), ifUpdatedAt)
	})
}

// DeleteContact deletes a contact nothing refers to (DB.DeleteContact).
func (a *Accounts) DeleteContact(ctx context.Context, v fieldportal.Viewer, id string, ifUpdatedAt time.Time) error {
	return a.db.DeleteContact(ctx, v, id, ifUpdatedAt)
}

// FindTombstones lists the organisation's tombstones of f.Kind deleted
// after f.Since, by (deleted_at, id): the order and cursor of the
// records' walks by updated_since (fieldportal.SyncAfter). Operator side
// only: the tombstones are the whole organisation's, as the API's keys
// read it.
func (d *DB) FindTombstones(ctx context.Context, v fieldportal.Viewer, f fieldportal.TombstoneFilter) ([]*fieldportal.Tombstone, string, error) {
	if err := needStaff(v); err != nil {
		return nil, "", err
	}
	var q query
	q.and("t.org_id = " + q.arg(v.OrgID))
	q.and("t.kind = " + q.arg(f.Kind))
	if !f.Since.IsZero() {
		q.updatedSince("t.deleted_at", f.Since, f.After)
	}
	if err := q.keyset(f.After, false, "t.deleted_at", "t.id"); err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT t.org_id, t.kind, t.id, t.external_id, t.deleted_at FROM tombstones t`,
		"ORDER BY t.deleted_at, t.id"+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, func(row interface{ Scan(...any) error }) (*fieldportal.Tombstone, error) {
		var t fieldportal.Tombstone
		err := row.Scan(&t.OrgID, &t.Kind, &t.ID, str(&t.ExternalID), tm(&t.DeletedAt))
		return &t, err
	})
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(t *fieldportal.Tombstone) string { return cursor(t.DeletedAt, t.ID) })
	return list, next, nil
}
