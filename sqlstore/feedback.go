package sqlstore

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode/utf8"

	"github.com/fieldportal/fieldportal"
)

// Staff profiles (issue 22): the display name and photo customers see on
// a visit, and the ratings customers give done visits.

// SetStaffProfile saves a staff user's display name and photo: the user
// itself, or an admin for any of the organisation's. The photo, already
// checked by content by the console, is stored under its SHA-256 as the
// logo is; its URL changes with it, so it may be cached for ever.
func (d *DB) SetStaffProfile(ctx context.Context, v fieldportal.Viewer, p fieldportal.StaffProfile) error {
	if !v.IsAdmin() && (v.Kind() != fieldportal.ViewerStaff || v.StaffID != p.StaffID) {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only the staff user or an admin can change the profile.")
	}
	p.DisplayName = strings.TrimSpace(p.DisplayName)
	if utf8.RuneCountInString(p.DisplayName) > 60 {
		return fieldportal.FieldErrorf("display_name", "Display name must be at most 60 characters.")
	}
	var sha string
	if len(p.Photo) > 0 {
		switch {
		case p.PhotoType != "image/png" && p.PhotoType != "image/jpeg":
			return fieldportal.FieldErrorf("photo", "The photo must be a PNG or JPEG image.")
		case len(p.Photo) > fieldportal.StaffPhotoMax:
			return fieldportal.FieldErrorf("photo", "The photo must be at most 512 KB.")
		}
		sum := sha256.Sum256(p.Photo)
		sha = hex.EncodeToString(sum[:])
	}
	return d.inTx(ctx, func(tx *Tx) error {
		var photo, photoType string
		err := tx.QueryRowContext(ctx, `SELECT photo, photo_type FROM staff_users WHERE id = $1 AND org_id = $2`, p.StaffID, v.OrgID).
			Scan(&photo, &photoType)
		if err != nil {
			return sqlErr(err, "staff user")
		}
		switch {
		case sha != "":
			if err := tx.putBlob(ctx, v.OrgID, fieldportal.StaffPhotoStorageKey(v.OrgID, p.StaffID, sha), p.Photo); err != nil {
				return err
			}
			photo, photoType = sha, p.PhotoType
		case p.RemovePhoto:
			photo, photoType = "", ""
		}
		if _, err := tx.ExecContext(ctx, `UPDATE staff_users SET display_name = $3, photo = $4, photo_type = $5, updated_at = $6
			WHERE id = $1 AND org_id = $2`, p.StaffID, v.OrgID, p.DisplayName, photo, photoType, tx.now); err != nil {
			return err
		}
		return tx.audit(ctx, v, "staff.profile_updated", "staff", p.StaffID, photo)
	})
}

// FindStaffPhoto returns a staff user's current photo stored under sha,
// for the organisation's staff (the console's staff pages).
func (d *DB) FindStaffPhoto(ctx context.Context, v fieldportal.Viewer, staffID, sha string) ([]byte, string, error) {
	if v.Kind() != fieldportal.ViewerStaff {
		return nil, "", fieldportal.NotFound("photo")
	}
	u, err := d.FindStaffByID(ctx, v.OrgID, staffID)
	if err != nil {
		return nil, "", err
	}
	if u.Photo == "" || u.Photo != sha {
		return nil, "", fieldportal.NotFound("photo")
	}
	data, err := d.GetBlob(ctx, v.OrgID, fieldportal.StaffPhotoStorageKey(v.OrgID, staffID, sha))
	if err != nil {
		return nil, "", err
	}
	return data, u.PhotoType, nil
}

const feedbackColumns = `f.id, f.org_id, f.appointment_id, f.job_id, f.customer_id, f.site_id, f.contact_id, f.technician,
	f.technician_staff_id, f.rating, f.comment, f.created_at,
	(SELECT j.number FROM jobs j WHERE j.id = f.job_id), (SELECT s.name FROM sites s WHERE s.id = f.site_id),
	(SELECT c.first_name || ' ' || c.last_name FROM contacts c WHERE c.id = f.contact_id)`

func scanFeedback(row interface{ Scan(...any) error }) (*fieldportal.VisitFeedback, error) {
	var f fieldportal.VisitFeedback
	err := row.Scan(&f.ID, &f.OrgID, str(&f.AppointmentID), &f.JobID, &f.CustomerID, &f.SiteID, str(&f.ContactID), &f.Technician,
		str(&f.TechnicianID), &f.Rating, &f.Comment, tm(&f.CreatedAt), str(&f.JobNumber), str(&f.SiteName), str(&f.ContactName))
	return &f, err
}

// feedbackOn reads whether the organisation asks for feedback.
func (tx *Tx) feedbackOn(ctx context.Context, orgID string) (bool, error) {
	st, ok := tx.db.orgs.findSettings(orgID)
	var err error
	if !ok {
		st, err = tx.findSettings(ctx, orgID)
	}
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return true, nil
	}
	return !st.FeedbackOff, err
}

// visibleJob is a job the viewer can see and whose module it may use:
// not found otherwise.
func (tx *Tx) visibleJob(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Job, error) {
	j, err := tx.findJob(ctx, v, id)
	if err != nil {
		return nil, err
	}
	if err := needModule(v, j.Kind.Module(), "job"); err != nil {
		return nil, err
	}
	return j, nil
}

// isJobContact reads the contact's job role (SPEC §1's contact roles).
func (tx *Tx) isJobContact(ctx context.Context, v fieldportal.Viewer) (bool, error) {
	if v.Kind() != fieldportal.ViewerContact {
		return false, nil
	}
	var yes bool
	err := tx.QueryRowContext(ctx, `SELECT job_contact FROM contacts WHERE id = $1 AND org_id = $2`, v.ContactID, v.OrgID).Scan(&yes)
	return yes, sqlErr(err, "contact")
}

// LeaveFeedback rates a done visit of a job. Who may: a contact with the
// job role (the contacts the job's notices go to) whose login can see the
// job; the visit must be done and not yet rated, and the organisation
// must ask for feedback. A job or visit out of reach is not found.
func (d *DB) LeaveFeedback(ctx context.Context, v fieldportal.Viewer, f *fieldportal.VisitFeedback) error {
	if !v.IsContact() {
		if v.Kind() == fieldportal.ViewerAnonymous {
			return fieldportal.NotFound("job")
		}
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only the customer's job contacts rate visits.")
	}
	return d.inTx(ctx, func(tx *Tx) error {
		j, err := tx.visibleJob(ctx, v, f.JobID)
		if err != nil {
			return err
		}
		a, err := tx.findAppointment(ctx, v, f.AppointmentID)
		if err != nil || a.JobID != j.ID {
			return fieldportal.NotFound("visit")
		}
		if on, err := tx.feedbackOn(ctx, v.OrgID); err != nil {
			return err
		} else if !on {
			return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Feedback on visits is turned off.")
		}
		if ok, err := tx.isJobContact(ctx, v); err != nil {
			return err
		} else if !ok {
			return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only the customer's job contacts rate visits.")
		}
		if a.Status != fieldportal.VisitDone {
			return fieldportal.FieldErrorf("rating", "The visit can be rated once it is done.")
		}
		if err := f.Validate(); err != nil {
			return err
		}
		f.ID, f.OrgID, f.CustomerID, f.SiteID, f.ContactID = newID(), v.OrgID, j.CustomerID, a.SiteID, v.ContactID
		f.Technician, f.TechnicianID, f.CreatedAt = a.ShownTechnician(), a.TechnicianStaffID, tx.now
		_, err = tx.ExecContext(ctx, `INSERT INTO visit_feedback (id, org_id, appointment_id, job_id, customer_id, site_id, contact_id,
			technician, technician_staff_id, rating, comment, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
			f.ID, f.OrgID, f.AppointmentID, f.JobID, f.CustomerID, f.SiteID, f.ContactID, f.Technician, nullStr(f.TechnicianID),
			f.Rating, f.Comment, tx.now)
		if err != nil {
			if fieldportal.ErrorCode(sqlErr(err, "feedback")) == fieldportal.ECONFLICT {
				return &fieldportal.Error{Code: fieldportal.ECONFLICT, Field: "rating", Message: "This visit has already been rated."}
			}
			return err
		}
		if err := tx.addFeedbackTallies(ctx, f); err != nil {
			return err
		}
		if err := tx.audit(ctx, v, "feedback.received", "job", j.ID, f.ID); err != nil {
			return err
		}
		return tx.emitEvent(ctx, v, v.OrgID, "feedback.received", f)
	})
}

// FindJobFeedback is the feedback part of a job page: the ratings given
// on the job's visits, and the latest done visit not yet rated, which a
// job contact may rate when the organisation asks for feedback.
func (d *DB) FindJobFeedback(ctx context.Context, v fieldportal.Viewer, jobID string) (*fieldportal.JobFeedback, error) {
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if v.Kind() == fieldportal.ViewerAnonymous {
		return nil, fieldportal.NotFound("job")
	}
	j, err := tx.visibleJob(ctx, v, jobID)
	if err != nil {
		return nil, err
	}
	out := &fieldportal.JobFeedback{Given: []*fieldportal.VisitFeedback{}}
	if out.Enabled, err = tx.feedbackOn(ctx, v.OrgID); err != nil {
		return nil, err
	}
	if out.CanRate, err = tx.isJobContact(ctx, v); err != nil {
		return nil, err
	}
	rows, err := tx.QueryContext(ctx, `SELECT `+feedbackColumns+` FROM visit_feedback f WHERE f.job_id = $1 AND f.org_id = $2
		ORDER BY f.created_at DESC, f.id DESC LIMIT 50`, j.ID, v.OrgID)
	if err != nil {
		return nil, err
	}
	if out.Given, err = collect(rows, scanFeedback); err != nil {
		return nil, err
	}
	var q query
	q.scopeSite(v, "a", "a.site_id")
	q.and("a.job_id = " + q.arg(j.ID))
	q.and("a.status = 'done'")
	q.and("NOT EXISTS (SELECT 1 FROM visit_feedback f WHERE f.appointment_id = a.id)")
	rows, err = tx.QueryContext(ctx, q.sql(`SELECT `+appointmentColumns+appointmentFrom, "ORDER BY a.starts_at DESC, a.id DESC LIMIT 1"), q.args...)
	if err != nil {
		return nil, err
	}
	list, err := collect(rows, scanAppointment)
	if err != nil {
		return nil, err
	}
	if len(list) > 0 {
		out.Rateable = list[0]
	}
	return out, nil
}

// FindFeedback lists the organisation's ratings newest first, by
// technician or site when asked (staff only).
func (d *DB) FindFeedback(ctx context.Context, v fieldportal.Viewer, f fieldportal.FeedbackFilter) ([]*fieldportal.VisitFeedback, string, error) {
	if err := needStaff(v); err != nil {
		return nil, "", err
	}
	var q query
	q.and("f.org_id = " + q.arg(v.OrgID))
	// The partial indexes visit_feedback_staff and visit_feedback_technician
	// serve these, in order.
	if f.TechnicianStaffID != "" {
		q.and("f.technician_staff_id = " + q.arg(f.TechnicianStaffID))
	} else if f.Technician != "" {
		q.and("f.technician = " + q.arg(f.Technician))
		q.and("f.technician_staff_id IS NULL")
	}
	if f.SiteID != "" {
		q.and("f.site_id = " + q.arg(f.SiteID))
	}
	if err := q.keyset(f.After, true, "f.created_at", "f.id"); err != nil {
		return nil, "", err
	}
	rows, err := d.db.QueryContext(ctx, q.sql(`SELECT `+feedbackColumns+` FROM visit_feedback f`,
		"ORDER BY f.created_at DESC, f.id DESC"+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanFeedback)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(x *fieldportal.VisitFeedback) string { return cursor(x.CreatedAt, x.ID) })
	return list, next, nil
}

// SummariseFeedback averages the organisation's ratings overall, per
// technician and per site (the FeedbackAveragesMax with most ratings of
// each), for staff. It reads the running tallies (feedbacktally.go): a
// technician's or a site's row is found from the index in order, so the
// page costs the same with 50 ratings or 5 million.
func (d *DB) SummariseFeedback(ctx context.Context, v fieldportal.Viewer) (*fieldportal.FeedbackSummary, error) {
	if err := needStaff(v); err != nil {
		return nil, err
	}
	out := &fieldportal.FeedbackSummary{ByTechnician: []fieldportal.FeedbackAverage{}, BySite: []fieldportal.FeedbackAverage{}}
	var total int64
	if err := d.db.QueryRowContext(ctx, `SELECT COALESCE(SUM(ratings), 0), COALESCE(SUM(total), 0) FROM feedback_technician_tallies
		WHERE org_id = $1`, v.OrgID).Scan(&out.Count, &total); err != nil {
		return nil, err
	}
	out.Average = average(out.Count, total)
	// A staff user's name and email by its key, one lookup a row (a join
	// lets SQLite scan the staff users for every row).
	rows, err := d.db.QueryContext(ctx, `SELECT t.technician_staff_id, t.technician,
		(SELECT COALESCE(NULLIF(TRIM(u.display_name), ''), u.name) FROM staff_users u WHERE u.id = t.technician_staff_id AND u.org_id = t.org_id),
		(SELECT u.email FROM staff_users u WHERE u.id = t.technician_staff_id AND u.org_id = t.org_id), t.ratings, t.total
		FROM feedback_technician_tallies t
		WHERE t.org_id = $1 ORDER BY t.ratings DESC, t.technician, t.technician_staff_id LIMIT $2`, v.OrgID, fieldportal.FeedbackAveragesMax)
	if err != nil {
		return nil, err
	}
	if out.ByTechnician, err = collect(rows, func(row interface{ Scan(...any) error }) (fieldportal.FeedbackAverage, error) {
		var a fieldportal.FeedbackAverage
		var name string
		var total int64
		err := row.Scan(&a.StaffID, &a.Key, str(&name), str(&a.Email), &a.Count, &total)
		a.Name, a.Average = a.Key, average(a.Count, total)
		if a.StaffID != "" {
			a.Name = name
		}
		return a, err
	}); err != nil {
		return nil, err
	}
	rows, err = d.db.QueryContext(ctx, `SELECT t.site_id, (SELECT s.name FROM sites s WHERE s.id = t.site_id), t.ratings, t.total
		FROM feedback_site_tallies t WHERE t.org_id = $1 ORDER BY t.ratings DESC, t.site_id LIMIT $2`, v.OrgID, fieldportal.FeedbackAveragesMax)
	if err != nil {
		return nil, err
	}
	if out.BySite, err = collect(rows, func(row interface{ Scan(...any) error }) (fieldportal.FeedbackAverage, error) {
		var a fieldportal.FeedbackAverage
		var total int64
		err := row.Scan(&a.Key, str(&a.Name), &a.Count, &total)
		a.Average = average(a.Count, total)
		return a, err
	}); err != nil {
		return nil, err
	}
	return out, nil
}
