package sqlstore

import (
	"context"
	"strings"

	"github.com/fieldportal/fieldportal"
)

const staffColumns = `id, org_id, email, name, role, password_hash, disabled, last_login_at, created_at, updated_at,
	display_name, photo, photo_type`

func scanStaff(row interface{ Scan(...any) error }) (*fieldportal.StaffUser, error) {
	var u fieldportal.StaffUser
	err := row.Scan(&u.ID, &u.OrgID, &u.Email, &u.Name, &u.Role, &u.PasswordHash, &u.Disabled, tm(&u.LastLoginAt),
		tm(&u.CreatedAt), tm(&u.UpdatedAt), &u.DisplayName, &u.Photo, &u.PhotoType)
	return &u, err
}

// CreateStaffUser adds a console account (admins and the system only).
func (d *DB) CreateStaffUser(ctx context.Context, v fieldportal.Viewer, u *fieldportal.StaffUser) error {
	return d.inTx(ctx, func(tx *Tx) error { return tx.createStaffUser(ctx, v, u) })
}

func (tx *Tx) createStaffUser(ctx context.Context, v fieldportal.Viewer, u *fieldportal.StaffUser) error {
	if !v.IsAdmin() {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can add staff.")
	}
	u.Email = strings.TrimSpace(u.Email)
	if err := u.Validate(); err != nil {
		return err
	}
	u.ID, u.OrgID, u.CreatedAt, u.UpdatedAt = newID(), v.OrgID, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO staff_users (id, org_id, email, name, role, password_hash, disabled,
		created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)`,
		u.ID, u.OrgID, u.Email, u.Name, u.Role, u.PasswordHash, u.Disabled, tx.now)
	if err != nil {
		if fieldportal.ErrorCode(sqlErr(err, "staff user")) == fieldportal.ECONFLICT {
			return fieldportal.FieldErrorf("email", "A staff user with that email exists.")
		}
		return err
	}
	return tx.audit(ctx, v, "staff.created", "staff", u.ID, u.Email)
}

// FindStaffByEmail finds a console account for sign-in.
func (d *DB) FindStaffByEmail(ctx context.Context, orgID, email string) (*fieldportal.StaffUser, error) {
	u, err := scanStaff(d.db.QueryRowContext(ctx, `SELECT `+staffColumns+` FROM staff_users WHERE org_id = $1 AND lower(email) = $2`,
		orgID, strings.ToLower(strings.TrimSpace(email))))
	return u, sqlErr(err, "staff user")
}

// FindStaffByID returns a console account.
func (d *DB) FindStaffByID(ctx context.Context, orgID, id string) (*fieldportal.StaffUser, error) {
	u, err := scanStaff(d.db.QueryRowContext(ctx, `SELECT `+staffColumns+` FROM staff_users WHERE org_id = $1 AND id = $2`, orgID, id))
	return u, sqlErr(err, "staff user")
}

// SetStaffPassword stores a staff user's password hash and ends every
// session of the account (the staff password change runs the same in its
// own transaction, with the browser's new session).
func (d *DB) SetStaffPassword(ctx context.Context, orgID, id, hash string) error {
	return d.inTx(ctx, func(tx *Tx) error { return tx.setStaffPassword(ctx, orgID, id, hash) })
}

// setStaffPassword stores a staff user's password hash and ends its
// sessions, in the transaction that starts the browser's new one.
func (tx *Tx) setStaffPassword(ctx context.Context, orgID, id, hash string) error {
	res, err := tx.ExecContext(ctx, `UPDATE staff_users SET password_hash = $3, updated_at = $4 WHERE org_id = $1 AND id = $2`,
		orgID, id, hash, tx.now)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fieldportal.NotFound("staff user")
	}
	return tx.endStaffSessions(ctx, id)
}

// RecordStaffLogin notes a staff sign-in.
func (d *DB) RecordStaffLogin(ctx context.Context, id string) error {
	_, err := d.db.ExecContext(ctx, `UPDATE staff_users SET last_login_at = $2 WHERE id = $1`, id, d.now())
	return err
}

// ViewerForStaff builds a signed-in staff user's viewer; disabled users get none.
func (d *DB) ViewerForStaff(ctx context.Context, orgID, staffID string) (fieldportal.Viewer, error) {
	u, err := d.FindStaffByID(ctx, orgID, staffID)
	if err != nil {
		return fieldportal.Viewer{}, err
	}
	if u.Disabled {
		return fieldportal.Viewer{}, fieldportal.Errorf(fieldportal.EUNAUTHORIZED, "Your account is disabled.")
	}
	return fieldportal.NewStaffViewer(orgID, u.ID, u.Name, u.Role), nil
}

// FindStaffUsers lists an organisation's console accounts by name.
func (d *DB) FindStaffUsers(ctx context.Context, v fieldportal.Viewer) ([]*fieldportal.StaffUser, error) {
	if err := needStaff(v); err != nil {
		return nil, err
	}
	rows, err := d.db.QueryContext(ctx, `SELECT `+staffColumns+` FROM staff_users WHERE org_id = $1 ORDER BY name, id`, v.OrgID)
	if err != nil {
		return nil, err
	}
	return collect(rows, scanStaff)
}

// UpdateStaffUser saves a console account's name, email, role and
// disabled flag (admins only); disabling ends its sessions.
func (d *DB) UpdateStaffUser(ctx context.Context, v fieldportal.Viewer, u *fieldportal.StaffUser) error {
	if !v.IsAdmin() {
		return fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can change staff.")
	}
	if err := u.Validate(); err != nil {
		return err
	}
	return d.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE staff_users SET email = $3, name = $4, role = $5, disabled = $6, updated_at = $7
			WHERE org_id = $1 AND id = $2`, v.OrgID, u.ID, strings.TrimSpace(u.Email), u.Name, u.Role, u.Disabled, tx.now)
		if err != nil {
			if fieldportal.ErrorCode(sqlErr(err, "staff user")) == fieldportal.ECONFLICT {
				return fieldportal.FieldErrorf("email", "A staff user with that email exists.")
			}
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fieldportal.NotFound("staff user")
		}
		if u.Disabled {
			if err := tx.endStaffSessions(ctx, u.ID); err != nil {
				return err
			}
		}
		return tx.audit(ctx, v, "staff.updated", "staff", u.ID, u.Email)
	})
}
