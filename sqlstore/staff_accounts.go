package sqlstore

import (
	"context"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// The console's own accounts: admins add staff, change roles and disable
// accounts; anyone may read their own (SPEC §3, §5).

// errStaffAdmin refuses staff management to anyone but an admin.
var errStaffAdmin = fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can manage staff.")

// FindStaffUsers lists the organisation's staff accounts; admins only.
func (a *Accounts) FindStaffUsers(ctx context.Context, v fieldportal.Viewer) ([]*fieldportal.StaffUser, error) {
	if !v.IsAdmin() {
		return nil, errStaffAdmin
	}
	return a.db.FindStaffUsers(ctx, v)
}

// FindStaffUser returns a staff account: any to an admin, one's own to
// any staff user.
func (a *Accounts) FindStaffUser(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.StaffUser, error) {
	if !v.IsAdmin() && (v.Kind() != fieldportal.ViewerStaff || v.StaffID != id) {
		return nil, errStaffAdmin
	}
	return a.db.FindStaffByID(ctx, v.OrgID, id)
}

// AddStaffUser adds a staff account with an initial password; every
// failed field is reported at once.
func (a *Accounts) AddStaffUser(ctx context.Context, v fieldportal.Viewer, u *fieldportal.StaffUser, password string) error {
	if !v.IsAdmin() {
		return errStaffAdmin
	}
	u.Email, u.Name = strings.TrimSpace(u.Email), strings.TrimSpace(u.Name)
	var errs formErrors
	errs.addErr(u.Validate())
	policy, err := a.policy(ctx, v.OrgID)
	if err != nil {
		return err
	}
	if password == "" {
		errs.add("password", "Enter an initial password.")
	} else if err := policy.Check(password, u.Email, u.Name); err != nil {
		errs.add("password", fieldportal.ErrorMessage(err))
	}
	if err := errs.err(); err != nil {
		return err
	}
	if u.PasswordHash, err = a.cfg.Passwords.Hash(ctx, password); err != nil {
		return err
	}
	return a.db.CreateStaffUser(ctx, v, u)
}

// UpdateStaffUser saves a staff account's role, name, email and disabled
// flag. An admin cannot disable or demote itself, so an organisation is
// never left without an admin by accident.
func (a *Accounts) UpdateStaffUser(ctx context.Context, v fieldportal.Viewer, u *fieldportal.StaffUser) error {
	if !v.IsAdmin() {
		return errStaffAdmin
	}
	if u.ID == v.StaffID && (u.Disabled || u.Role != fieldportal.RoleAdmin) {
		return fieldportal.Errorf(fieldportal.EINVALID, "You cannot disable your own account or take away your own admin role.")
	}
	return a.db.UpdateStaffUser(ctx, v, u)
}

// SetStaffProfile saves a staff user's display name and photo (DB.SetStaffProfile).
func (a *Accounts) SetStaffProfile(ctx context.Context, v fieldportal.Viewer, p fieldportal.StaffProfile) error {
	return a.db.SetStaffProfile(ctx, v, p)
}

// FindStaffPhoto returns a staff user's photo for staff (DB.FindStaffPhoto).
func (a *Accounts) FindStaffPhoto(ctx context.Context, v fieldportal.Viewer, staffID, sha string) ([]byte, string, error) {
	return a.db.FindStaffPhoto(ctx, v, staffID, sha)
}
