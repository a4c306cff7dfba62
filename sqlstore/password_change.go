package sqlstore

import (
	"context"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// Changing one's own password, in the portal or the console. Storing it
// ends every session of the account (SPEC §2.7, kept for staff too), so
// this browser gets a new one in the same transaction. Guesses of the
// current password are throttled like sign-ins: scope "password", per
// account and per client address.

// ChangePassword changes the viewer's own password: a contact's or a
// staff user's.
func (a *Accounts) ChangePassword(ctx context.Context, v fieldportal.Viewer, p fieldportal.PasswordChange) (*fieldportal.SignedIn, error) {
	switch v.Kind() {
	case fieldportal.ViewerContact:
		return a.changeContactPassword(ctx, v, p)
	case fieldportal.ViewerStaff:
		return a.changeStaffPassword(ctx, v, p)
	case fieldportal.ViewerAnonymous:
		return nil, fieldportal.Errorf(fieldportal.EUNAUTHORIZED, "Sign in to change your password.")
	}
	return nil, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only a person who signs in has a password to change.")
}

func (a *Accounts) changeContactPassword(ctx context.Context, v fieldportal.Viewer, p fieldportal.PasswordChange) (*fieldportal.SignedIn, error) {
	login, err := a.db.FindLoginByID(ctx, v.OrgID, v.LoginID)
	if err != nil {
		return nil, err
	}
	contact, err := a.db.FindContactByID(ctx, v, v.ContactID)
	if err != nil {
		return nil, err
	}
	policy, err := a.policy(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	th := a.throttle("password")
	if err := th.Check(ctx, login.ID, p.ClientAddr); err != nil {
		return nil, err
	}
	var errs formErrors
	if p.Current == "" {
		errs.add("current", "Enter your current password.")
	} else if ok, err := a.checkCurrent(ctx, th, login.ID, p.ClientAddr, login.PasswordHash, p.Current, "login", login.ID); err != nil {
		return nil, err
	} else if !ok {
		errs.add("current", "Current password is not right.")
	}
	checkNewPassword(policy, &errs, p.Password, p.Confirm,
		login.Username, contact.Email, contact.FirstName, contact.LastName, contact.Name())
	if !errs.has("password") && p.Password != "" && p.Password == p.Current {
		errs.add("password", "New password must be different from the current one.")
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	hash, err := a.cfg.Passwords.Hash(ctx, p.Password)
	if err != nil {
		return nil, err
	}
	var s *fieldportal.SignedIn
	err = a.db.inTx(ctx, func(tx *Tx) error {
		if err := tx.setLoginPassword(ctx, v.OrgID, login.ID, hash, false); err != nil {
			return err
		}
		s, err = a.startSession(ctx, tx, &fieldportal.Session{OrgID: v.OrgID, LoginID: login.ID}, p.OldToken, p.ClientAddr, p.UserAgent)
		if err != nil {
			return err
		}
		// Every other session ended: the account's holder may need to
		// see when (issue 20).
		return tx.audit(ctx, v, "login.password_changed", "contact", v.ContactID, "")
	})
	if err != nil {
		return nil, err
	}
	if err := th.Succeed(ctx, login.ID); err != nil {
		a.db.logger.WarnContext(ctx, "clear password failures", "err", err)
	}
	return s, nil
}

// changeStaffPassword is the console's change. Its guesses are throttled
// like the portal's (they were not: review finding 1), under the staff
// user's own key, so a stolen console session cannot try passwords at
// full speed either.
func (a *Accounts) changeStaffPassword(ctx context.Context, v fieldportal.Viewer, p fieldportal.PasswordChange) (*fieldportal.SignedIn, error) {
	u, err := a.db.FindStaffByID(ctx, v.OrgID, v.StaffID)
	if err != nil {
		return nil, err
	}
	policy, err := a.policy(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	th, key := a.throttle("password"), "staff:"+u.ID
	if err := th.Check(ctx, key, p.ClientAddr); err != nil {
		return nil, err
	}
	var errs formErrors
	if ok, err := a.checkCurrent(ctx, th, key, p.ClientAddr, u.PasswordHash, p.Current, "staff", u.ID); err != nil {
		return nil, err
	} else if !ok {
		errs.add("current", "The current password is not right.")
	}
	checkNewPassword(policy, &errs, p.Password, p.Confirm, u.Email, u.Name)
	if err := errs.err(); err != nil {
		return nil, err
	}
	hash, err := a.cfg.Passwords.Hash(ctx, p.Password)
	if err != nil {
		return nil, err
	}
	var s *fieldportal.SignedIn
	err = a.db.inTx(ctx, func(tx *Tx) error {
		if err := tx.setStaffPassword(ctx, v.OrgID, u.ID, hash); err != nil {
			return err
		}
		s, err = a.startSession(ctx, tx, &fieldportal.Session{OrgID: v.OrgID, StaffID: u.ID}, p.OldToken, p.ClientAddr, p.UserAgent)
		return err
	})
	if err != nil {
		return nil, err
	}
	if err := th.Succeed(ctx, key); err != nil {
		a.db.logger.WarnContext(ctx, "clear password failures", "err", err)
	}
	return s, nil
}

// checkCurrent checks a guess of the current password, counted like a
// sign-in: against the account (key) before it is checked, so that
// guesses sent together see each other at once instead of all passing
// the throttle's check while the first waits for a hashing slot (security
// review S1); against the address when it is wrong. A right one clears
// the account's count, so mistyping the new password is not a guess.
func (a *Accounts) checkCurrent(ctx context.Context, th auth.Throttle, key, addr, encoded, current, kind, id string) (bool, error) {
	if err := th.Fail(ctx, key, ""); err != nil {
		return false, err
	}
	ok, err := a.verify(ctx, encoded, current, kind, id)
	switch {
	case err != nil:
		return false, err
	case !ok:
		return false, th.Fail(ctx, "", addr)
	}
	if err := th.Succeed(ctx, key); err != nil {
		a.db.logger.WarnContext(ctx, "clear password failures", "err", err)
	}
	return true, nil
}
