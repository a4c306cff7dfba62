package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// Personal calendar feeds (issue 18). A login has at most one feed; the
// table keeps the hash of its token (auth.HashToken), so a leaked table
// gives no usable address. The token is found by its hash through a
// unique index: one probe, and the plain token is never compared.

// FindCalendarFeed returns the login's feed, or ENOTFOUND.
func (d *DB) FindCalendarFeed(ctx context.Context, orgID, loginID string) (*fieldportal.CalendarFeed, error) {
	f := &fieldportal.CalendarFeed{}
	err := d.db.QueryRowContext(ctx, `SELECT login_id, created_at FROM calendar_feeds WHERE org_id = $1 AND login_id = $2`,
		orgID, loginID).Scan(&f.LoginID, tm(&f.CreatedAt))
	return f, sqlErr(err, "calendar feed")
}

// RenewCalendarFeed makes a new feed token for an active login of the
// organisation, replacing the one it had: the old address stops
// answering at once.
func (d *DB) RenewCalendarFeed(ctx context.Context, orgID, loginID string) (string, error) {
	plain, hash, err := auth.NewToken()
	if err != nil {
		return "", err
	}
	err = d.inTx(ctx, func(tx *Tx) error {
		var status fieldportal.LoginStatus
		err := tx.QueryRowContext(ctx, `SELECT status FROM portal_logins WHERE org_id = $1 AND id = $2`, orgID, loginID).Scan(&status)
		if err != nil {
			return sqlErr(err, "login")
		}
		if status != fieldportal.LoginActive {
			return fieldportal.NotFound("login")
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO calendar_feeds (login_id, org_id, token_hash, created_at) VALUES ($1, $2, $3, $4)
			ON CONFLICT (login_id) DO UPDATE SET token_hash = excluded.token_hash, created_at = excluded.created_at`,
			loginID, orgID, hash, tx.now)
		return err
	})
	if err != nil {
		return "", err
	}
	return plain, nil
}

// CalendarFeedViewer returns the viewer of the login whose feed token
// this is, read fresh as a session's is (ViewerForLogin): a disabled or
// revoked login, or a token of another organisation, is ENOTFOUND, as is
// a token that is no feed's.
func (d *DB) CalendarFeedViewer(ctx context.Context, orgID, token string) (fieldportal.Viewer, error) {
	if orgID == "" || token == "" {
		return fieldportal.Viewer{}, fieldportal.NotFound("calendar feed")
	}
	var loginID string
	err := d.db.QueryRowContext(ctx, `SELECT login_id FROM calendar_feeds WHERE token_hash = $1 AND org_id = $2`,
		auth.HashToken(token), orgID).Scan(&loginID)
	if err != nil {
		return fieldportal.Viewer{}, sqlErr(err, "calendar feed")
	}
	v, err := d.ViewerForLogin(ctx, orgID, loginID)
	switch fieldportal.ErrorCode(err) {
	case "":
		return v, nil
	case fieldportal.EUNAUTHORIZED, fieldportal.ENOTFOUND:
		return fieldportal.Viewer{}, fieldportal.NotFound("calendar feed")
	}
	return fieldportal.Viewer{}, err
}

// EachAppointment calls fn with every appointment FindAppointments would
// list for f, a page at a time; f.Page is ignored.
func (d *DB) EachAppointment(ctx context.Context, v fieldportal.Viewer, f fieldportal.AppointmentFilter, fn func(*fieldportal.Appointment) error) error {
	return eachPage(ctx, func(after string) ([]*fieldportal.Appointment, string, error) {
		f.Page = fieldportal.Page{After: after, Limit: fieldportal.MaxLimit}
		return d.FindAppointments(ctx, v, f)
	}, fn)
}
