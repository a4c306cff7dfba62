package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
)

const appointmentColumns = `a.id, a.org_id, a.external_id, a.customer_id, a.site_id, a.job_id, a.quote_id, a.starts_at,
	a.ends_at, a.technician, a.description, a.created_at, a.updated_at, a.status, a.eta, a.technician_staff_id,
	(SELECT COALESCE(NULLIF(u.display_name, ''), u.name) FROM staff_users u WHERE u.id = a.technician_staff_id),
	(SELECT u.photo FROM staff_users u WHERE u.id = a.technician_staff_id),
	(SELECT s.name FROM sites s WHERE s.id = a.site_id), ` + appointmentShown

// appointmentShown are the diary's display fields of an appointment: its
// site's address and its job's and quote's numbers, each a look-up by
// primary key of one row (a page of the diary is a few dozen).
const appointmentShown = `(SELECT s.address_line1 FROM sites s WHERE s.id = a.site_id),
	(SELECT s.address_line2 FROM sites s WHERE s.id = a.site_id), (SELECT s.city FROM sites s WHERE s.id = a.site_id),
	(SELECT s.region FROM sites s WHERE s.id = a.site_id), (SELECT s.postcode FROM sites s WHERE s.id = a.site_id),
	(SELECT j.number FROM jobs j WHERE j.id = a.job_id), (SELECT j.kind FROM jobs j WHERE j.id = a.job_id),
	(SELECT x.number FROM quotes x WHERE x.id = a.quote_id)`

// appointmentFrom is the table of appointmentColumns; the site's name is
// a sub-query of the row, so the planners read appointments by their own
// indexes (see siteFrom).
const appointmentFrom = ` FROM appointments a`

// The columns that creating and updating an appointment both write, and
// their placeholders: one list for the INSERT and the UPDATE, so the two
// cannot drift apart. appointmentArgs gives the values in this order.
const (
	appointmentWritten = `external_id, customer_id, site_id, job_id, quote_id, starts_at, ends_at, technician, description,
		status, eta, technician_staff_id`
	appointmentValues = `$3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14`
)

// appointmentArgs are the arguments of both statements: $1 the id, $2
// the organisation, then appointmentWritten, then $15 the time of writing.
func appointmentArgs(a *fieldportal.Appointment, now time.Time) []any {
	return []any{a.ID, a.OrgID, nullStr(a.ExternalID), a.CustomerID, a.SiteID, nullStr(a.JobID), nullStr(a.QuoteID),
		a.StartsAt, a.EndsAt, a.Technician, a.Description, string(a.Status), nullTime(a.ETA), nullStr(a.TechnicianStaffID), now}
}

func scanAppointment(row interface{ Scan(...any) error }) (*fieldportal.Appointment, error) {
	var a fieldportal.Appointment
	err := row.Scan(&a.ID, &a.OrgID, str(&a.ExternalID), &a.CustomerID, &a.SiteID, str(&a.JobID), str(&a.QuoteID),
		tm(&a.StartsAt), tm(&a.EndsAt), &a.Technician, &a.Description, tm(&a.CreatedAt), tm(&a.UpdatedAt),
		(*string)(&a.Status), tm(&a.ETA), str(&a.TechnicianStaffID), str(&a.TechnicianShownName), str(&a.TechnicianPhoto), &a.SiteName,
		&a.SiteAddress.Line1, &a.SiteAddress.Line2, &a.SiteAddress.City, &a.SiteAddress.Region, &a.SiteAddress.Postcode,
		str(&a.JobNumber), str((*string)(&a.JobKind)), str(&a.QuoteNumber))
	return &a, err
}

// CreateAppointment adds a diary appointment (operator side only). Unless
// the organisation's settings allow a technician's appointments to
// overlap, one that clashes with another of the same technician is
// refused with a conflict naming the clash.
func (d *DB) CreateAppointment(ctx context.Context, v fieldportal.Viewer, a *fieldportal.Appointment) error {
	return d.writeAppointment(ctx, v, func(tx *Tx, overlapOK bool) error { return tx.createAppointment(ctx, v, a, overlapOK) })
}

// writeAppointment is what CreateAppointment and UpdateAppointment share:
// staff only, and write runs in a transaction with the organisation's
// overlap setting.
func (d *DB) writeAppointment(ctx context.Context, v fieldportal.Viewer, write func(tx *Tx, overlapOK bool) error) error {
	if err := needStaff(v); err != nil {
		return err
	}
	overlapOK, err := d.diaryOverlapAllowed(ctx, v.OrgID)
	if err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error { return write(tx, overlapOK) })
}

// diaryOverlapAllowed reads the organisation's diary overlap setting.
func (d *DB) diaryOverlapAllowed(ctx context.Context, orgID string) (bool, error) {
	s, err := d.FindSettings(ctx, orgID)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return fieldportal.DefaultSettings().DiaryOverlap, nil
	}
	return s.DiaryOverlap, err
}

func (tx *Tx) createAppointment(ctx context.Context, v fieldportal.Viewer, a *fieldportal.Appointment, overlapOK bool) error {
	if err := fieldportal.CheckVisitMove("", a); err != nil {
		return err
	}
	if err := tx.prepareAppointment(ctx, v, a, overlapOK); err != nil {
		return err
	}
	a.ID, a.OrgID, a.CreatedAt, a.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO appointments (id, org_id, `+appointmentWritten+`, created_at, updated_at)
		VALUES ($1, $2, `+appointmentValues+`, $15, $15)`, appointmentArgs(a, tx.now)...)
	if err != nil {
		return sqlErr(err, "appointment")
	}
	if err := tx.audit(ctx, v, "appointment.created", "appointment", a.ID, a.StartsAt.Format(time.RFC3339)); err != nil {
		return err
	}
	if a.Status == fieldportal.VisitScheduled {
		return nil
	}
	return tx.visitMoved(ctx, v, a)
}

// prepareAppointment validates an appointment, checks its site, job and
// quote (which must be at the same site), and the overlap rule.
func (tx *Tx) prepareAppointment(ctx context.Context, v fieldportal.Viewer, a *fieldportal.Appointment, overlapOK bool) error {
	a.StartsAt, a.EndsAt = a.StartsAt.UTC().Truncate(time.Microsecond), a.EndsAt.UTC().Truncate(time.Microsecond)
	if err := a.Validate(); err != nil {
		return err
	}
	if err := tx.checkTechnician(ctx, v.OrgID, a); err != nil {
		return err
	}
	site, err := tx.siteOfRecord(ctx, v, a.SiteID, &a.CustomerID)
	if err != nil {
		return err
	}
	a.SiteName, a.SiteAddress, a.JobNumber, a.JobKind, a.QuoteNumber = site.Name, site.Address, "", "", ""
	a.SiteAddress.Country = "" // the diary shows no country
	if a.JobID != "" {
		j, err := tx.findJob(ctx, v, a.JobID)
		if err != nil {
			return notFoundAsField(err, "job_id", "Job not found.")
		} else if j.SiteID != a.SiteID {
			return fieldportal.FieldErrorf("job_id", "The job is at another site.")
		}
		a.JobNumber, a.JobKind = j.Number, j.Kind
	}
	if a.QuoteID != "" {
		x, err := tx.findQuote(ctx, v, a.QuoteID)
		if err != nil {
			return notFoundAsField(err, "quote_id", "Quote not found.")
		} else if x.SiteID != a.SiteID {
			return fieldportal.FieldErrorf("quote_id", "The quote is at another site.")
		}
		a.QuoteNumber = x.Number
	}
	if overlapOK {
		return nil
	}
	// With overlaps off, the diary's locks (PostgreSQL; SQLite's writers
	// run one at a time): the site's, which a customer's booking of a
	// window there takes (holdWindow) before it reads the site's
	// appointments, and the technician's, which another write of their
	// appointments takes before it checks the overlap; each write then
	// sees the other's. The technician's comes first, as in ScheduleJob.
	if err := tx.diaryLocks(ctx, v.OrgID, a.Technician, a.SiteID); err != nil {
		return err
	}
	if strings.TrimSpace(a.Technician) == "" {
		return nil
	}
	clash, err := tx.findOverlapping(ctx, v, a.Technician, a.StartsAt, a.EndsAt, a.ID)
	if err != nil {
		return err
	}
	if len(clash) > 0 {
		c := clash[0]
		return &fieldportal.Error{Code: fieldportal.ECONFLICT, Field: "starts_at", Message: a.Technician +
			" already has an appointment from " + c.StartsAt.Format("2 Jan 2006 15:04") + " to " + c.EndsAt.Format("15:04") + " (UTC)."}
	}
	return nil
}

// UpdateAppointment saves an appointment (operator side only), with the
// same overlap rule as CreateAppointment.
func (d *DB) UpdateAppointment(ctx context.Context, v fieldportal.Viewer, a *fieldportal.Appointment) error {
	return d.writeAppointment(ctx, v, func(tx *Tx, overlapOK bool) error { return tx.updateAppointment(ctx, v, a, overlapOK) })
}

func (tx *Tx) updateAppointment(ctx context.Context, v fieldportal.Viewer, a *fieldportal.Appointment, overlapOK bool) error {
	// Hold the row first (PostgreSQL), before the diary's locks: the
	// visit's move is checked against its status as another move at the
	// same moment left it (done and cancelled are final for each other),
	// and a change of ETA is told once.
	if _, err := tx.ExecContext(ctx, `SELECT 1 FROM appointments WHERE id = $1 AND org_id = $2`+tx.db.dialect.forNoKeyUpdate(),
		a.ID, v.OrgID); err != nil {
		return err
	}
	old, err := tx.findAppointment(ctx, v, a.ID)
	if err != nil {
		return err
	}
	if a.CustomerID == old.CustomerID && a.SiteID != old.SiteID {
		a.CustomerID = "" // moved to another site: take that site's customer
	}
	if a.Status == "" { // not sent: the visit stays where it is
		a.Status = old.Status
	}
	if a.Status == old.Status && a.ETA.IsZero() {
		a.ETA = old.ETA
	}
	if err := fieldportal.CheckVisitMove(old.Status, a); err != nil {
		return err
	}
	// Another staff user linked (by id or email) with the technician's
	// name left as it was: the name was the previous one's, so the new
	// one's is taken (checkTechnician), for the diary's overlap check and
	// the ratings as for the customer's page.
	if old.TechnicianStaffID != "" && a.Technician == old.Technician &&
		(a.TechnicianEmail != "" || (a.TechnicianStaffID != "" && a.TechnicianStaffID != old.TechnicianStaffID)) {
		a.Technician = ""
	}
	if err := tx.prepareAppointment(ctx, v, a, overlapOK); err != nil {
		return err
	}
	a.OrgID, a.CreatedAt, a.UpdatedAt = old.OrgID, old.CreatedAt, tx.now
	args := appointmentArgs(a, tx.now)
	res, err := tx.ExecContext(ctx, `UPDATE appointments SET (`+appointmentWritten+`) = (`+appointmentValues+`), updated_at = $15
		WHERE id = $1 AND org_id = $2`+ifUnchanged(&args, a.IfUpdatedAt), args...)
	if err == nil {
		err = checkUnchanged(res, a.IfUpdatedAt)
	}
	if err != nil {
		return sqlErr(err, "appointment")
	}
	if err := tx.audit(ctx, v, "appointment.updated", "appointment", a.ID, a.StartsAt.Format(time.RFC3339)); err != nil {
		return err
	}
	if a.Status == old.Status && a.ETA.Equal(old.ETA) {
		return nil
	}
	return tx.visitMoved(ctx, v, a)
}

// UpsertAppointmentByExternalID creates or updates the appointment with
// a.ExternalID (the back office's PUT /by-external-id). Staff and API only.
// The overlap rule is not applied: the back office's diary is the record
// of where technicians are, and refusing its sync would only leave the
// portal showing a stale diary.
func (d *DB) UpsertAppointmentByExternalID(ctx context.Context, v fieldportal.Viewer, a *fieldportal.Appointment) (created bool, err error) {
	if err := needStaff(v); err != nil {
		return false, err
	}
	if strings.TrimSpace(a.ExternalID) == "" {
		return false, fieldportal.FieldErrorf("external_id", "External id is required.")
	}
	err = d.inTx(ctx, func(tx *Tx) error {
		var q query
		q.scopeSite(v, "a", "a.site_id")
		q.and("a.external_id = " + q.arg(a.ExternalID))
		var id string
		switch err := tx.QueryRowContext(ctx, q.sql(`SELECT a.id FROM appointments a`, ""), q.args...).Scan(&id); {
		case err == sql.ErrNoRows:
			created = true
			return tx.createAppointment(ctx, v, a, true)
		case err != nil:
			return err
		}
		a.ID = id
		return tx.updateAppointment(ctx, v, a, true)
	})
	return created, err
}

// FindAppointmentByID returns an appointment the viewer can reach.
func (d *DB) FindAppointmentByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Appointment, error) {
	if err := needModule(v, fieldportal.ModuleDiary, "appointment"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findAppointment(ctx, v, id)
}

func (tx *Tx) findAppointment(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Appointment, error) {
	q := query{probe: true} // one record: the reach probed (reachProbe)
	q.scopeSite(v, "a", "a.site_id")
	q.and("a.id = " + q.arg(id))
	a, err := scanAppointment(tx.QueryRowContext(ctx, q.sql(`SELECT `+appointmentColumns+appointmentFrom, ""), q.args...))
	return a, sqlErr(err, "appointment")
}

// FindAppointments lists the appointments the viewer can reach in start
// order (the diary reads forward in time), or by (updated_at, id) when
// UpdatedSince is set, for API sync. From and To select the appointments
// that overlap [From, To), so one running across From still shows.
func (d *DB) FindAppointments(ctx context.Context, v fieldportal.Viewer, f fieldportal.AppointmentFilter) ([]*fieldportal.Appointment, string, error) {
	if err := needModule(v, fieldportal.ModuleDiary, "appointment"); err != nil {
		return nil, "", err
	}
	few, err := d.reachesFewSites(ctx, v)
	if err != nil {
		return nil, "", err
	}
	var q query
	q.scopeSite(v, "a", "a.site_id")
	if few {
		q.onlyReachableSites("a.site_id")
	}
	if f.SiteID != "" {
		q.and("a.site_id = " + q.arg(f.SiteID))
	}
	if f.JobID != "" {
		q.and("a.job_id = " + q.arg(f.JobID))
	}
	if f.Technician != "" {
		q.and("a.technician = " + q.arg(f.Technician))
	}
	if f.ExternalID != "" {
		q.and("a.external_id = " + q.arg(f.ExternalID))
	}
	order, byUpdate := "a.starts_at, a.id", !f.UpdatedSince.IsZero()
	// The appointments running at From and those starting after it, read
	// apart (nextAppointments): for a contact of many sites, whose list
	// walks the organisation's appointments.
	running := !f.From.IsZero() && !byUpdate && !few
	fromArg := ""
	if !f.From.IsZero() {
		fromArg = q.arg(f.From.UTC())
		if !running {
			q.and("a.ends_at > " + fromArg)
		}
	}
	if !f.To.IsZero() {
		q.and("a.starts_at < " + q.arg(f.To.UTC()))
	}
	if byUpdate {
		q.updatedSince("a.updated_at", f.UpdatedSince, f.Page.After)
		order = "a.updated_at, a.id"
		if err := q.keyset(f.After, false, "a.updated_at", "a.id"); err != nil {
			return nil, "", err
		}
	} else if err := q.keyset(f.After, false, "a.starts_at", "a.id"); err != nil {
		return nil, "", err
	}
	from := appointmentFrom
	if few {
		// From its sites' own appointments: without statistics for the
		// index of the running ones, SQLite took that one and walked every
		// future appointment of the organisation (a one-site contact's
		// next five: 0.05 -> 0.9 ms).
		from += d.dialect.walkIndex("appointments_site")
	}
	text := q.sql(`SELECT `+appointmentColumns+from, "ORDER BY "+order+limit(f.Page))
	if running {
		text = d.nextAppointments(&q, fromArg, f.Page)
	}
	// The plan depends on the times (a range, the cursor, UpdatedSince):
	// planned once for all values, the appointments ending after now were
	// looked for among every past one in start order. A contact of few
	// sites starts from its sites whatever the time, and keeps
	// PostgreSQL's prepared plan (planning an unnamed statement costs
	// about 0.7 ms).
	rows, err := d.planned(!few).QueryContext(ctx, text, q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, scanAppointment)
	if err != nil {
		return nil, "", err
	}
	list, next := trim(list, f.Page, func(a *fieldportal.Appointment) string {
		if byUpdate {
			return cursor(a.UpdatedAt, a.ID)
		}
		return cursor(a.StartsAt, a.ID)
	})
	return list, next, nil
}

// nextAppointments is the text of FindAppointments' list from the time
// in placeholder from, q holding its other conditions: those running at
// that time, read by their end with their start in the index
// (appointments_running), and then a page of those starting later, read
// in start order (appointments_org) until the page is full. All the
// first start before any of the second, so the two make the list in
// order. Read as one list of those that end after the time, a big
// parent's next five were sought among every future appointment of the
// organisation, each one's site checked (1.4 ms of a 1.8 ms dashboard on
// SQLite, growing with the diary); without statistics (serve never runs
// ANALYZE) SQLite walked every past one in start order instead (77 ms).
// Hence the indexes are named for SQLite.
func (d *DB) nextAppointments(q *query, from string, p fieldportal.Page) string {
	return q.prefix() + `SELECT * FROM (SELECT ` + appointmentColumns + appointmentFrom + d.dialect.walkIndex("appointments_running") +
		q.whereAnd("a.ends_at > "+from+" AND a.starts_at <= "+from) +
		` UNION ALL SELECT * FROM (SELECT ` + appointmentColumns + appointmentFrom + d.dialect.walkIndex("appointments_org") +
		q.whereAnd("a.starts_at > "+from) + ` ORDER BY a.starts_at, a.id` + limit(p) + `) upcoming) x ORDER BY x.starts_at, x.id` + limit(p)
}

// FindOverlappingAppointments lists the technician's appointments that
// share time with [start, end), leaving out excludeID (the appointment
// being moved), in start order. It is the diary's overlap check. The scope
// applies as everywhere, so to offer a contact free booking slots call it
// with the system viewer and tell the contact only whether a slot is free.
func (d *DB) FindOverlappingAppointments(ctx context.Context, v fieldportal.Viewer, technician string, start, end time.Time, excludeID string) ([]*fieldportal.Appointment, error) {
	if err := needModule(v, fieldportal.ModuleDiary, "appointment"); err != nil {
		return nil, err
	}
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	return tx.findOverlapping(ctx, v, technician, start, end, excludeID)
}

func (tx *Tx) findOverlapping(ctx context.Context, v fieldportal.Viewer, technician string, start, end time.Time, excludeID string) ([]*fieldportal.Appointment, error) {
	if strings.TrimSpace(technician) == "" || !end.After(start) {
		return []*fieldportal.Appointment{}, nil
	}
	var q query
	q.scopeSite(v, "a", "a.site_id")
	q.and("a.technician = " + q.arg(technician))
	q.and("a.starts_at < " + q.arg(end.UTC()))
	q.and("a.ends_at > " + q.arg(start.UTC()))
	if excludeID != "" {
		q.and("a.id <> " + q.arg(excludeID))
	}
	rows, err := tx.QueryContext(ctx, q.sql(`SELECT `+appointmentColumns+appointmentFrom, "ORDER BY a.starts_at, a.id"), q.args...)
	if err != nil {
		return nil, err
	}
	list, err := collect(rows, scanAppointment)
	if list == nil && err == nil {
		list = []*fieldportal.Appointment{}
	}
	return list, err
}

// diaryLocks takes the diary's locks of a technician (none when "") and of
// a site (none when ""), in that order, until the transaction ends: on
// PostgreSQL, advisory locks; SQLite's IMMEDIATE transactions already
// hold the only writer's lock from their start.
func (tx *Tx) diaryLocks(ctx context.Context, orgID, technician, siteID string) error {
	lock := tx.db.dialect.keyLock()
	if lock == "" {
		return nil
	}
	var keys []string
	if t := strings.TrimSpace(technician); t != "" {
		keys = append(keys, "technician:"+orgID+":"+t)
	}
	if siteID != "" {
		keys = append(keys, "booking:"+siteID)
	}
	for _, k := range keys {
		if _, err := tx.ExecContext(ctx, lock, k); err != nil {
			return err
		}
	}
	return nil
}
