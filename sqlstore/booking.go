package sqlstore

import (
	"context"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Booking: the portal's Book a job and Request a quote (seed 003), the
// windows they offer, and the overlap rule that keeps two customers out
// of one window (diary_rules.go says what collides with what).

// bookingRules are what a booking is checked against: the settings (the
// booking window, the slots, overlap on or off) and the zone they are in.
type bookingRules struct {
	settings fieldportal.Settings
	loc      *time.Location
	today    fieldportal.Date
}

func (d *DB) bookingRules(ctx context.Context, orgID string) (bookingRules, error) {
	s, err := d.FindSettings(ctx, orgID)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		s, err = fieldportal.DefaultSettings(), nil
	}
	if err != nil {
		return bookingRules{}, err
	}
	org, err := d.FindOrganisationByID(ctx, orgID)
	if err != nil {
		return bookingRules{}, err
	}
	loc := fieldportal.Zone(org.TimeZone)
	return bookingRules{settings: s, loc: loc, today: fieldportal.DateOf(d.Now().In(loc))}, nil
}

// checkWindow checks a preferred date and requested window against the
// rules: the date within the booking window, the window one of that
// date's slots. field names the form's window field.
func (r bookingRules) checkWindow(date fieldportal.Date, w fieldportal.TimeWindow) error {
	if err := fieldportal.CheckPreferredDate("preferred_date", date, r.today, r.settings.BookingWindowDays); err != nil {
		return err
	}
	if w.IsZero() {
		return nil
	}
	if date.IsZero() {
		return fieldportal.FieldErrorf("preferred_date", "Preferred date is required with a time window.")
	}
	for _, s := range r.settings.Diary.Slots(date, r.loc) {
		if s.Start.Equal(w.Start) && s.End.Equal(w.End) {
			return nil
		}
	}
	return fieldportal.FieldErrorf("window", "Time window must be one of those offered on %s.", date.Format("2 Jan 2006"))
}

// BookJob books a job through the portal (contacts only): as CreateJob for a contact (a
// pending job, created in the portal, priced from the catalogue), plus the
// contact it is for (RequestedBy: the viewer, or a contact of the site's
// customer the viewer may see), the requested window held under the
// overlap rule, and the attached files, all in one transaction.
func (d *DB) BookJob(ctx context.Context, v fieldportal.Viewer, j *fieldportal.Job, files []fieldportal.Upload) error {
	if v.IsContact() {
		if !v.CanDo(fieldportal.ActionBookJob) || !v.CanUse(j.Kind.Module()) {
			return fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot book jobs.")
		}
	} else {
		// Staff and the back office make jobs with CreateJob.
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Jobs are booked by customer contacts in the portal.")
	}
	rules, err := d.bookingRules(ctx, v.OrgID)
	if err != nil {
		return err
	}
	requestedBy := j.RequestedBy
	*j = fieldportal.Job{
		SiteID: j.SiteID, Kind: j.Kind, Stage: fieldportal.StagePending, OrderNo: j.OrderNo,
		PreferredDate: j.PreferredDate, PreferredWindow: fieldportal.PreferredWindowOf(j.RequestedWindow, rules.loc),
		Description: j.Description, CreatedInPortal: true, AssetIDs: j.AssetIDs, Items: pickedJobItems(j.Items),
		RequestedWindow: j.RequestedWindow,
	}
	stored, err := d.storeUploads(ctx, v, "job", files)
	if err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		if err := tx.holdWindow(ctx, v, rules, j.SiteID, &j.CustomerID, j.PreferredDate, j.RequestedWindow); err != nil {
			return err
		}
		who, err := tx.requester(ctx, v, j.CustomerID, requestedBy)
		if err != nil {
			return err
		}
		j.RequestedBy = who
		if err := tx.createJob(ctx, v, j); err != nil {
			return err
		}
		if err := tx.putBookingWindow(ctx, j.OrgID, j.SiteID, "job_id", j.ID, j.RequestedWindow); err != nil {
			return err
		}
		if _, err := tx.attachUploads(ctx, v, "job", j.ID, stored); err != nil {
			return err
		}
		if err := tx.emitEvent(ctx, v, v.OrgID, "job.booked", j); err != nil {
			return err
		}
		return tx.audit(ctx, v, "job.booked", "job", j.ID, j.Number)
	})
}

// RequestQuote is BookJob for a quote: a requested quote made in the
// portal, with its window, assets, items and files, in one transaction.
func (d *DB) RequestQuote(ctx context.Context, v fieldportal.Viewer, x *fieldportal.Quote, files []fieldportal.Upload) error {
	if v.IsContact() {
		if !v.CanDo(fieldportal.ActionRequestQuote) {
			return fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot request quotes.")
		}
	} else {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Quotes are requested by customer contacts in the portal.")
	}
	rules, err := d.bookingRules(ctx, v.OrgID)
	if err != nil {
		return err
	}
	requestedBy := x.RequestedBy
	items := make([]fieldportal.QuoteItem, len(x.Items))
	for i, it := range x.Items {
		// What a customer adds to a request are seed 003's "optional
		// items": priced from the catalogue (prepareQuote), for the
		// office to confirm.
		items[i] = fieldportal.QuoteItem{ItemID: it.ItemID, Quantity: it.Quantity, Optional: true}
	}
	*x = fieldportal.Quote{
		SiteID: x.SiteID, Stage: fieldportal.QuoteRequested, OrderNo: x.OrderNo, PreferredDate: x.PreferredDate,
		Description: x.Description, CreatedInPortal: true, AssetIDs: x.AssetIDs, Items: items,
		RequestedWindow: x.RequestedWindow,
	}
	stored, err := d.storeUploads(ctx, v, "quote", files)
	if err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		if err := tx.holdWindow(ctx, v, rules, x.SiteID, &x.CustomerID, x.PreferredDate, x.RequestedWindow); err != nil {
			return err
		}
		who, err := tx.requester(ctx, v, x.CustomerID, requestedBy)
		if err != nil {
			return err
		}
		x.RequestedBy = who
		if err := tx.createQuote(ctx, v, x); err != nil {
			return err
		}
		if err := tx.putBookingWindow(ctx, x.OrgID, x.SiteID, "quote_id", x.ID, x.RequestedWindow); err != nil {
			return err
		}
		if _, err := tx.attachUploads(ctx, v, "quote", x.ID, stored); err != nil {
			return err
		}
		if err := tx.emitEvent(ctx, v, v.OrgID, "quote.requested", x); err != nil {
			return err
		}
		return tx.audit(ctx, v, "quote.requested", "quote", x.ID, x.Number)
	})
}

// holdWindow checks a booking's site (in reach, else "not found" on the
// field, before anything about its diary is read), its date and window,
// and, with overlaps off, takes the site's booking lock and refuses a
// window that is taken. The lock is held to the end of the transaction,
// so a second booking of the window waits and then sees the first.
func (tx *Tx) holdWindow(ctx context.Context, v fieldportal.Viewer, r bookingRules, siteID string, customerID *string,
	date fieldportal.Date, w fieldportal.TimeWindow) error {
	if siteID == "" {
		return fieldportal.FieldErrorf("site_id", "Site is required.")
	}
	if _, err := tx.siteOfRecord(ctx, v, siteID, customerID); err != nil {
		return err
	}
	if err := r.checkWindow(date, w); err != nil {
		return err
	}
	if w.IsZero() || r.settings.DiaryOverlap {
		return nil
	}
	// The site's diary lock, which staff's writes of appointments there
	// take too (prepareAppointment).
	if err := tx.diaryLocks(ctx, v.OrgID, "", siteID); err != nil {
		return err
	}
	taken, err := tx.takenWindows(ctx, siteID, w)
	if err != nil {
		return err
	}
	if len(taken) > 0 {
		return fieldportal.SlotTaken("window", w, r.loc)
	}
	return nil
}

// takenWindows lists what holds the site's diary during w: its
// appointments (any technician) and the windows of its bookings and
// quote requests still waiting for the office. Scoped by the caller: the
// site is one the viewer reaches, and only the times are read.
func (tx *Tx) takenWindows(ctx context.Context, siteID string, w fieldportal.TimeWindow) ([]fieldportal.TimeWindow, error) {
	rows, err := tx.QueryContext(ctx, `SELECT a.starts_at, a.ends_at FROM appointments a
		WHERE a.site_id = $1 AND a.starts_at < $3 AND a.ends_at > $2
		UNION ALL
		SELECT b.starts_at, b.ends_at FROM booking_windows b
		LEFT JOIN jobs j ON j.id = b.job_id LEFT JOIN quotes q ON q.id = b.quote_id
		WHERE b.site_id = $1 AND b.starts_at < $3 AND b.ends_at > $2 AND (j.stage = 'pending' OR q.stage = 'requested')`,
		siteID, w.Start.UTC(), w.End.UTC())
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (fieldportal.TimeWindow, error) {
		var t fieldportal.TimeWindow
		err := row.Scan(tm(&t.Start), tm(&t.End))
		return t, err
	})
}

// putBookingWindow records a requested window against its job or quote.
func (tx *Tx) putBookingWindow(ctx context.Context, orgID, siteID, col, id string, w fieldportal.TimeWindow) error {
	if w.IsZero() {
		return nil
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO booking_windows (id, org_id, site_id, `+col+`, starts_at, ends_at, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7)`, newID(), orgID, siteID, id, w.Start.UTC(), w.End.UTC(), tx.now)
	return sqlErr(err, "booking window")
}

// requester is the contact a booking is for: the one chosen if it is a
// contact of the site's customer that the viewer may see, else (none
// chosen) the viewer itself.
func (tx *Tx) requester(ctx context.Context, v fieldportal.Viewer, customerID, contactID string) (string, error) {
	if contactID == "" {
		return v.ContactID, nil
	}
	var q query
	q.scopeContact(v, "ct")
	q.and("ct.id = " + q.arg(contactID))
	var ok bool
	if err := tx.QueryRowContext(ctx, q.sql(`SELECT EXISTS (SELECT 1 FROM contacts ct`, ")"), q.args...).Scan(&ok); err != nil {
		return "", err
	}
	var sameCustomer bool
	if ok {
		if err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM contacts WHERE id = $1 AND customer_id = $2)`,
			contactID, customerID).Scan(&sameCustomer); err != nil {
			return "", err
		}
	}
	if !ok || !sameCustomer {
		return "", fieldportal.FieldErrorf("contact_id", "Customer contact must be a contact of the site's customer.")
	}
	return contactID, nil
}

// FindBookingWindows lists the windows offered at a site on day: the
// slots of the organisation's diary settings within the booking window,
// less (with overlaps off) those the site's diary holds. A site out of
// reach is not found.
func (d *DB) FindBookingWindows(ctx context.Context, v fieldportal.Viewer, siteID string, day fieldportal.Date) ([]fieldportal.TimeWindow, error) {
	if v.IsContact() && !v.CanDo(fieldportal.ActionBookJob) && !v.CanDo(fieldportal.ActionRequestQuote) {
		return nil, fieldportal.NotFound("site")
	}
	rules, err := d.bookingRules(ctx, v.OrgID)
	if err != nil {
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
	if fieldportal.CheckPreferredDate("preferred_date", day, rules.today, rules.settings.BookingWindowDays) != nil {
		return []fieldportal.TimeWindow{}, nil
	}
	slots := rules.settings.Diary.Slots(day, rules.loc)
	if len(slots) == 0 || rules.settings.DiaryOverlap {
		return append([]fieldportal.TimeWindow{}, slots...), nil
	}
	taken, err := tx.takenWindows(ctx, siteID, fieldportal.TimeWindow{Start: slots[0].Start, End: slots[len(slots)-1].End})
	if err != nil {
		return nil, err
	}
	return append([]fieldportal.TimeWindow{}, fieldportal.FreeSlots(slots, taken)...), nil
}

// loadRequestedWindows reads the windows booked with already scoped jobs
// or quotes (col is "job_id" or "quote_id") and hands each to set.
func loadRequestedWindows(ctx context.Context, db workQuerier, col string, ids []string, set func(id string, w fieldportal.TimeWindow)) error {
	var q query
	rows, err := db.QueryContext(ctx, `SELECT `+col+`, starts_at, ends_at FROM booking_windows WHERE `+col+` IN (`+idList(&q, ids)+`)`, q.args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var w fieldportal.TimeWindow
		if err := rows.Scan(&id, tm(&w.Start), tm(&w.End)); err != nil {
			return err
		}
		set(id, w)
	}
	return rows.Err()
}
