package sqlstore

import (
	"context"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

// Visit status (issue 22, point 1): what a move of an appointment's
// status causes, in the transaction of the move.

// visitMoved follows a change of a's status or ETA: the
// appointment.status_changed event, and on the way the mail to the site's
// job contacts, at most once per visit.
func (tx *Tx) visitMoved(ctx context.Context, v fieldportal.Viewer, a *fieldportal.Appointment) error {
	if err := tx.emitEvent(ctx, v, a.OrgID, "appointment.status_changed", a); err != nil {
		return err
	}
	if a.Status != fieldportal.VisitOnTheWay || a.JobID == "" {
		return nil
	}
	// Claim the visit's one mail: only the move that sets the time sends
	// it, so a second "on the way" (a new ETA, a repeated post) does not.
	res, err := tx.ExecContext(ctx, `UPDATE appointments SET on_the_way_mailed_at = $1
		WHERE id = $2 AND on_the_way_mailed_at IS NULL`, tx.now, a.ID)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return err
	}
	return tx.mailOnTheWay(ctx, a)
}

// mailOnTheWay queues the "on the way" mail to each job contact of the
// visit's customer who can follow its link to the job (portalRecipients:
// an active login with the job's page, reaching its site) and did not
// turn job notices off.
func (tx *Tx) mailOnTheWay(ctx context.Context, a *fieldportal.Appointment) error {
	j, err := tx.findJob(ctx, fieldportal.SystemViewer(a.OrgID, "visit status"), a.JobID)
	if err != nil {
		return err
	}
	if ok, err := tx.orgUses(ctx, a.OrgID, j.Kind.Module()); err != nil || !ok {
		return err
	}
	org, err := scanOrg(tx.QueryRowContext(ctx, `SELECT `+orgColumns+` FROM organisations WHERE id = $1`, a.OrgID))
	if err != nil {
		return sqlErr(err, "organisation")
	}
	list, err := tx.portalRecipients(ctx, a.OrgID, a.SiteID, j.CustomerID, j.Kind.Module(),
		"c.job_contact = TRUE AND c.customer_id = $3"+wantsMail(fieldportal.MailJobScheduled), j.CustomerID)
	if err != nil {
		return err
	}
	loc := fieldportal.Zone(org.TimeZone)
	when := a.ETA.In(loc).Format("Mon 2 Jan 2006, 15:04")
	link := tx.db.linkBase(org) + "/jobs/" + url.PathEscape(j.ID)
	tech := a.ShownTechnician()
	if tech == "" {
		tech = "Your technician"
	}
	for _, r := range list {
		m := mail.OnTheWay(org.Name, r.name, j.Number, a.SiteName, tech, when, link)
		m.To = r.email
		if err := tx.enqueue(ctx, mail.Outbox(org.ID, "visit.on_the_way", m)); err != nil {
			return err
		}
	}
	return nil
}

// checkTechnician checks the staff user a visit links to (one of the
// organisation's) and fills the names shown from it; a visit with no
// free-text technician takes the staff user's name.
func (tx *Tx) checkTechnician(ctx context.Context, orgID string, a *fieldportal.Appointment) error {
	a.TechnicianShownName, a.TechnicianPhoto = "", ""
	if email := strings.TrimSpace(a.TechnicianEmail); email != "" {
		err := tx.QueryRowContext(ctx, `SELECT id FROM staff_users WHERE org_id = $1 AND lower(email) = $2`, orgID,
			strings.ToLower(email)).Scan(&a.TechnicianStaffID)
		if err != nil {
			return notFoundAsField(sqlErr(err, "staff user"), "technician_email", "No staff user has this email.")
		}
		a.TechnicianEmail = ""
	}
	if a.TechnicianStaffID == "" {
		return nil
	}
	var name, display, photo string
	err := tx.QueryRowContext(ctx, `SELECT name, display_name, photo FROM staff_users WHERE id = $1 AND org_id = $2`,
		a.TechnicianStaffID, orgID).Scan(&name, &display, &photo)
	if err != nil {
		return notFoundAsField(sqlErr(err, "staff user"), "technician_staff_id", "No staff user has this id.")
	}
	if a.Technician == "" {
		a.Technician = name
	}
	a.TechnicianShownName = (&fieldportal.StaffUser{Name: name, DisplayName: display}).ShownName()
	a.TechnicianPhoto = photo
	return nil
}

// FindTechnicianPhoto returns a staff user's current photo when the staff
// user is the technician of an appointment the viewer can see (staff of
// the organisation see every one). Customers see the faces of those
// coming to their sites, not the organisation's whole staff list.
func (d *DB) FindTechnicianPhoto(ctx context.Context, v fieldportal.Viewer, staffID, sha string) ([]byte, string, error) {
	// The visits show in the diary, on the dashboard and on job pages: a
	// contact that may use none of them sees no visit.
	if !v.CanUse(fieldportal.ModuleDiary) && !v.CanUse(fieldportal.ModuleService) && !v.CanUse(fieldportal.ModuleInstall) {
		return nil, "", fieldportal.NotFound("photo")
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, "", err
	}
	defer tx.Rollback()
	q := query{probe: true}
	q.scopeSite(v, "a", "a.site_id")
	q.and("a.org_id = " + q.arg(v.OrgID))
	q.and("a.technician_staff_id = " + q.arg(staffID))
	q.and("u.photo = " + q.arg(sha))
	q.and("u.photo <> ''")
	var photoType string
	err = tx.QueryRowContext(ctx, q.sql(`SELECT u.photo_type FROM appointments a JOIN staff_users u ON u.id = a.technician_staff_id`,
		"LIMIT 1"), q.args...).Scan(&photoType)
	if err != nil {
		return nil, "", sqlErr(err, "photo")
	}
	data, err := d.GetBlob(ctx, v.OrgID, fieldportal.StaffPhotoStorageKey(v.OrgID, staffID, sha))
	if err != nil {
		return nil, "", err
	}
	return data, photoType, nil
}
