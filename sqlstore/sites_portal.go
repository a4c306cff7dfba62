package sqlstore

import (
	"context"
	"slices"

	"github.com/fieldportal/fieldportal"
)

// Sites made and edited in the portal (issue 20): the queue of what
// contacts created or changed, which staff mark reviewed, and a site's
// contacts.

// portalPending puts a site a contact created or changed in the console's
// queue (migration 00256); a change by staff leaves the queue as it is.
func (tx *Tx) portalPending(ctx context.Context, v fieldportal.Viewer, s *fieldportal.Site) error {
	if !v.IsContact() {
		return nil
	}
	_, err := tx.ExecContext(ctx, `UPDATE sites SET portal_pending_at = $2 WHERE id = $1`, s.ID, tx.now)
	s.PortalPendingAt = tx.now
	return err
}

// saveSiteContacts saves s.ContactIDs as the site's contacts when they
// are given. Each must be a contact of the site's customer that the
// viewer can see (scopeContact); the contacts the viewer cannot see are
// kept as they are, so that a save never drops one unseen. moved says the
// site changed customer: its contacts of the old customer leave it.
func (tx *Tx) saveSiteContacts(ctx context.Context, v fieldportal.Viewer, s *fieldportal.Site, moved bool) error {
	if moved {
		if _, err := tx.ExecContext(ctx, `DELETE FROM site_contacts WHERE site_id = $1 AND contact_id NOT IN
			(SELECT id FROM contacts WHERE customer_id = $2)`, s.ID, s.CustomerID); err != nil {
			return err
		}
	}
	if s.ContactIDs == nil {
		return nil
	}
	chosen := slices.Compact(slices.Sorted(slices.Values(s.ContactIDs)))
	for _, id := range chosen {
		c, err := tx.findContact(ctx, v, id)
		if err != nil || c.CustomerID != s.CustomerID {
			return fieldportal.FieldErrorf("contact_ids", "Site contacts: choose people of the site's customer from the list.")
		}
	}
	// The site's contacts the viewer sees, which the form offered.
	q := query{probe: true}
	q.scopeContact(v, "ct")
	q.and("ct.id IN (SELECT sc.contact_id FROM site_contacts sc WHERE sc.site_id = " + q.arg(s.ID) + ")")
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT ct.id FROM contacts ct`, ""), q.args...)
	if err != nil {
		return err
	}
	seen, err := collect(rows, scanText)
	if err != nil {
		return err
	}
	for _, id := range seen {
		if !slices.Contains(chosen, id) {
			if _, err := tx.ExecContext(ctx, `DELETE FROM site_contacts WHERE site_id = $1 AND contact_id = $2`, s.ID, id); err != nil {
				return err
			}
		}
	}
	for _, id := range chosen {
		if slices.Contains(seen, id) {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO site_contacts (site_id, contact_id, org_id) VALUES ($1, $2, $3)`,
			s.ID, id, v.OrgID); err != nil {
			return sqlErr(err, "site contact")
		}
	}
	return nil
}

// FindSiteContacts lists by name the contacts of a site the viewer
// reaches, those of them it may see (scopeContact): a site out of reach
// is "not found".
func (d *DB) FindSiteContacts(ctx context.Context, v fieldportal.Viewer, siteID string) ([]*fieldportal.Contact, error) {
	if err := needModule(v, fieldportal.ModuleSites, "site"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.findSite(ctx, v, siteID); err != nil {
		return nil, err
	}
	// Most sites have no contacts: one probe of the primary key says so
	// before the contacts' scope builds the viewer's reach (a big
	// parent's 1,091 customers).
	var has bool
	if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM site_contacts WHERE site_id = $1)`, siteID).Scan(&has); err != nil || !has {
		return nil, err
	}
	q := query{probe: true}
	q.scopeContact(v, "ct")
	q.and("ct.id IN (SELECT sc.contact_id FROM site_contacts sc WHERE sc.site_id = " + q.arg(siteID) + ")")
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT `+contactColumns+` FROM contacts ct`,
		"ORDER BY ct.last_name, ct.first_name, ct.id LIMIT 200"), q.args...)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanContact)
}

// FindPortalSites lists, newest first, the sites contacts created or
// changed in the portal that staff have not yet marked reviewed (the
// console's queue), a page at a time from the partial index of the
// waiting ones. Operator side only.
func (d *DB) FindPortalSites(ctx context.Context, v fieldportal.Viewer, p fieldportal.Page) ([]*fieldportal.Site, string, error) {
	if err := needStaff(v); err != nil {
		return nil, "", err
	}
	var q query
	q.and("s.org_id = " + q.arg(v.OrgID))
	q.and("s.portal_pending_at IS NOT NULL")
	if err := q.keyset(p.After, true, "s.portal_pending_at", "s.id"); err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+siteColumns+`, s.portal_pending_at`+siteFrom,
		"ORDER BY s.portal_pending_at DESC, s.id DESC"+limit(p)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, func(r interface{ Scan(...any) error }) (*fieldportal.Site, error) {
		var at fieldportal.Site
		s, err := scanSite(scanPlus{r, []any{tm(&at.PortalPendingAt)}})
		s.PortalPendingAt = at.PortalPendingAt
		return s, err
	})
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, p, func(s *fieldportal.Site) string { return cursor(s.PortalPendingAt, s.ID) })
	return list, next, nil
}

// MarkSiteReviewed takes a site out of the console's queue of sites from
// the portal (operator side only); audited.
func (d *DB) MarkSiteReviewed(ctx context.Context, v fieldportal.Viewer, id string) error {
	if err := needStaff(v); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		s, err := tx.findSite(ctx, v, id)
		if err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sites SET portal_pending_at = NULL WHERE id = $1`, s.ID); err != nil {
			return err
		}
		return tx.audit(ctx, v, "site.reviewed", "site", s.ID, s.Name)
	})
}

// FindSiteContactChoices lists by name up to SiteContactChoices contacts
// of a customer that the viewer may see (scopeContact): the site form's
// choice of site contacts.
func (d *DB) FindSiteContactChoices(ctx context.Context, v fieldportal.Viewer, customerID string) ([]*fieldportal.Contact, error) {
	if err := needModule(v, fieldportal.ModuleSites, "site"); err != nil {
		return nil, err
	}
	list, _, err := d.FindContacts(ctx, v, fieldportal.ContactFilter{CustomerID: customerID,
		Page: fieldportal.Page{Limit: fieldportal.SiteContactChoices}})
	return list, err
}
