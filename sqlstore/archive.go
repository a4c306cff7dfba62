package sqlstore

import (
	"context"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Customers and sites are archived, not deleted (issue 19): archived_at
// takes one out of use for new work while its records, its history and
// its contacts' reach stay (scope.go does not look at it).

// siteArchived is the condition "the site of alias a is out of use":
// archived itself or through its customer. It is the store's side of
// fieldportal.Site.Archived, the one place of the rule for the lists, the
// counts and the checks of new work.
func siteArchived(a string) string {
	return "(" + a + ".archived_at IS NOT NULL OR EXISTS (SELECT 1 FROM customers ac WHERE ac.id = " + a +
		".customer_id AND ac.archived_at IS NOT NULL))"
}

// siteArchivedColumns read a site's own archived_at and its customer's
// (for fieldportal.Site.Archived), after siteColumns' customer name.
const siteArchivedColumns = `s.archived_at, (SELECT c.archived_at FROM customers c WHERE c.id = s.customer_id)`

// archivedAt is the archived_at a save writes: the stored one unless
// archive asks for a change, archiving as of now.
func archivedAt(stored time.Time, archive *bool, now time.Time) time.Time {
	switch {
	case archive == nil || *archive == !stored.IsZero():
		return stored
	case *archive:
		return now
	default:
		return time.Time{}
	}
}

// archiveAction is the audit action of a change of an archived flag
// ("customer.archived", "site.restored"), "" when it did not change.
func archiveAction(entity string, was, is time.Time) string {
	switch {
	case was.IsZero() == is.IsZero():
		return ""
	case is.IsZero():
		return entity + ".restored"
	default:
		return entity + ".archived"
	}
}

// needOfficeToArchive refuses a contact's save that asks to archive or
// restore: only the office takes a record out of use.
func needOfficeToArchive(v fieldportal.Viewer, archive *bool, what string) error {
	if archive != nil && !v.SeesWholeOrg() {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only the office can archive or restore a %s.", what)
	}
	return nil
}

// ArchiveCustomer archives (true) or restores (false) a customer (staff
// only): its sites are then out of use too (fieldportal.Site.Archived).
// A change moves updated_at, so a sync by updated_since sees it, and is
// audited; asking for the flag it has changes nothing.
func (d *DB) ArchiveCustomer(ctx context.Context, v fieldportal.Viewer, id string, archive bool) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT id FROM customers WHERE id = $1 AND org_id = $2`+tx.db.dialect.forNoKeyUpdate(),
			id, v.OrgID); err != nil {
			return err
		}
		c, err := tx.findCustomer(ctx, v, id)
		if err != nil {
			return err
		}
		at := archivedAt(c.ArchivedAt, &archive, tx.now)
		action := archiveAction("customer", c.ArchivedAt, at)
		if action == "" {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE customers SET archived_at = $2, updated_at = $3 WHERE id = $1`,
			id, nullTime(at), tx.now); err != nil {
			return sqlErr(err, "customer")
		}
		tx.noteTally(c.ID) // its sites leave or rejoin the count of sites in use
		return tx.audit(ctx, v, action, "customer", c.ID, c.Name)
	})
}

// ArchiveSite archives (true) or restores (false) a site itself (staff
// only), with its site.updated event and an audit entry; asking for the
// flag it has changes nothing.
func (d *DB) ArchiveSite(ctx context.Context, v fieldportal.Viewer, id string, archive bool) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, `SELECT id FROM sites WHERE id = $1 AND org_id = $2`+tx.db.dialect.forNoKeyUpdate(),
			id, v.OrgID); err != nil {
			return err
		}
		s, err := tx.findSite(ctx, v, id)
		if err != nil {
			return err
		}
		at := archivedAt(s.ArchivedAt, &archive, tx.now)
		action := archiveAction("site", s.ArchivedAt, at)
		if action == "" {
			return nil
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sites SET archived_at = $2, updated_at = $3 WHERE id = $1`,
			id, nullTime(at), tx.now); err != nil {
			return sqlErr(err, "site")
		}
		s.ArchivedAt, s.UpdatedAt = at, tx.now
		tx.noteTally(s.CustomerID)
		if err := tx.emitEvent(ctx, v, v.OrgID, "site.updated", s); err != nil {
			return err
		}
		return tx.audit(ctx, v, action, "site", s.ID, s.Name)
	})
}
