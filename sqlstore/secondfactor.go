package sqlstore

import (
	"context"
	"crypto/cipher"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
)

// A login's own second factor (issue 21), from its security page: set up
// an authenticator app, see how many recovery codes are left, make new
// ones, turn it off; and staff removing one from a login that lost it.
// Turning on or off and staff removal are audited and mailed, in the
// transaction of the change.

var _ fieldportal.SecondFactorService = (*Accounts)(nil)

// MySecondFactor returns the viewer's own second factor.
func (a *Accounts) MySecondFactor(ctx context.Context, v fieldportal.Viewer) (*fieldportal.SecondFactorStatus, error) {
	var out fieldportal.SecondFactorStatus
	err := a.db.inTx(ctx, func(tx *Tx) error {
		o, err := tx.viewerOwner(ctx, v)
		if err != nil {
			return err
		}
		if out.TOTP, err = tx.hasSecondFactor(ctx, o); err != nil {
			return err
		}
		if out.RecoveryCodesLeft, err = tx.recoveryCodesLeft(ctx, o); err != nil {
			return err
		}
		out.Required, err = a.secondFactorRequired(ctx, o)
		return err
	})
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// BeginTOTP makes a new secret for the viewer to set up, once the current
// password is right: a stolen session alone must not add a factor the
// owner does not have and so lock the owner out (review finding). The
// password's guesses are throttled as the email change's are, under the
// same key. The set-up a sign-in challenge asks for does not come here:
// its password was given a moment ago.
func (a *Accounts) BeginTOTP(ctx context.Context, v fieldportal.Viewer, currentPassword string) (*fieldportal.TOTPKey, error) {
	aead, err := a.db.totpCipher(ctx)
	if err != nil {
		return nil, err
	}
	var o *factorOwner
	if err := a.db.inTx(ctx, func(tx *Tx) (err error) { o, err = tx.viewerOwner(ctx, v); return err }); err != nil {
		return nil, err
	}
	if currentPassword == "" {
		return nil, fieldportal.FieldErrorf("current_password", "Enter your current password.")
	}
	if ok, err := a.ownerPassword(ctx, o, currentPassword); err != nil {
		return nil, err
	} else if !ok {
		return nil, fieldportal.FieldErrorf("current_password", "Current password is not right.")
	}
	var secret string
	err = a.db.inTx(ctx, func(tx *Tx) error {
		if o, err = tx.viewerOwner(ctx, v); err != nil {
			return err
		}
		if on, err := tx.hasSecondFactor(ctx, o); err != nil {
			return err
		} else if on {
			return fieldportal.FieldErrorf("code", "Authenticator codes are already on.")
		}
		secret, err = tx.newTOTP(ctx, aead, o)
		return err
	})
	if err != nil {
		return nil, err
	}
	return a.totpKey(ctx, o, secret)
}

// PendingTOTP returns the secret the viewer is setting up, or ENOTFOUND.
func (a *Accounts) PendingTOTP(ctx context.Context, v fieldportal.Viewer) (*fieldportal.TOTPKey, error) {
	aead, err := a.db.totpCipher(ctx)
	if err != nil {
		return nil, err
	}
	var o *factorOwner
	var s *totpSecret
	err = a.db.inTx(ctx, func(tx *Tx) error {
		if o, err = tx.viewerOwner(ctx, v); err != nil {
			return err
		}
		s, err = tx.findTOTP(ctx, aead, o)
		return err
	})
	if err != nil {
		return nil, err
	}
	if s.confirmed {
		return nil, fieldportal.NotFound("authenticator being set up")
	}
	return a.totpKey(ctx, o, s.secret)
}

// ConfirmTOTP turns TOTP on with a first code of the secret being set up.
func (a *Accounts) ConfirmTOTP(ctx context.Context, v fieldportal.Viewer, code string) ([]string, error) {
	aead, err := a.db.totpCipher(ctx)
	if err != nil {
		return nil, err
	}
	var o *factorOwner
	if err := a.db.inTx(ctx, func(tx *Tx) (err error) { o, err = tx.viewerOwner(ctx, v); return err }); err != nil {
		return nil, err
	}
	return a.confirmTOTP(ctx, aead, o, code, nil)
}

// confirmTOTP checks the first code of the owner's secret being set up
// (throttled as every code is, checkCode), then turns it on, makes the
// recovery codes, audits and mails the change, and runs also (when not
// nil) in the same transaction.
func (a *Accounts) confirmTOTP(ctx context.Context, aead cipher.AEAD, o *factorOwner, code string, also func(tx *Tx) error) ([]string, error) {
	code = normalCode(code)
	if code == "" {
		return nil, fieldportal.FieldErrorf("code", "Enter the 6-digit code your authenticator app shows.")
	}
	var s *totpSecret
	err := a.db.inTx(ctx, func(tx *Tx) (err error) { s, err = tx.findTOTP(ctx, aead, o); return err })
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND || (err == nil && s.confirmed) {
		return nil, fieldportal.FieldErrorf("code", "Start setting up authenticator codes again: this set-up has ended.")
	} else if err != nil {
		return nil, err
	}
	if ok, err := a.checkCode(ctx, o, s, code); err != nil {
		return nil, err
	} else if !ok {
		return nil, fieldportal.FieldErrorf("code", "That code is not right. Enter the code your authenticator app shows now for this account.")
	}
	var codes []string
	err = a.db.inTx(ctx, func(tx *Tx) error {
		res, err := tx.ExecContext(ctx, `UPDATE totp_secrets SET confirmed_at = $2 WHERE id = $1 AND confirmed_at IS NULL`, s.id, tx.now)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n != 1 {
			return fieldportal.FieldErrorf("code", "Start setting up authenticator codes again: this set-up has ended.")
		}
		if codes, err = tx.newRecoveryCodes(ctx, o); err != nil {
			return err
		}
		entity, id := o.entity()
		if err := tx.auditAs(ctx, o.orgID, o.actor(), o.door(), "second_factor.added", entity, id, "authenticator app"); err != nil {
			return err
		}
		if err := a.mailFactor(ctx, tx, o, mail.SecondFactorOn, "second_factor_on"); err != nil {
			return err
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
	return codes, err
}

// checkCode checks an authenticator code of the owner's secret s,
// throttled per owner and per address (scope "code"); a right code is
// used up, in a transaction of its own so that a failure is counted
// outside any (the throttle writes on its own connection).
func (a *Accounts) checkCode(ctx context.Context, o *factorOwner, s *totpSecret, code string) (bool, error) {
	addr := fieldportal.RequestInfoFrom(ctx).Addr
	th := a.throttle("code")
	if err := th.Check(ctx, o.throttleKey(), addr); err != nil {
		return false, err
	}
	if err := th.Fail(ctx, o.throttleKey(), ""); err != nil {
		return false, err
	}
	ok := false
	if isTOTPCode(code) {
		if err := a.db.inTx(ctx, func(tx *Tx) (err error) { ok, err = tx.useTOTP(ctx, s, code); return err }); err != nil {
			return false, err
		}
	}
	if !ok {
		return false, th.Fail(ctx, "", addr)
	}
	if err := th.Succeed(ctx, o.throttleKey()); err != nil {
		a.db.logger.WarnContext(ctx, "clear code failures", "err", err)
	}
	return true, nil
}

// RegenerateRecoveryCodes replaces the viewer's recovery codes; proof is
// a code or the current password.
func (a *Accounts) RegenerateRecoveryCodes(ctx context.Context, v fieldportal.Viewer, proof string) ([]string, error) {
	var codes []string
	err := a.withProof(ctx, v, proof, func(tx *Tx, o *factorOwner) error {
		var err error
		if codes, err = tx.newRecoveryCodes(ctx, o); err != nil {
			return err
		}
		entity, id := o.entity()
		return tx.auditAs(ctx, o.orgID, o.actor(), o.door(), "second_factor.recovery_codes", entity, id, "")
	})
	return codes, err
}

// DisableTOTP turns the viewer's authenticator codes off; proof is a code
// or the current password. A login the organisation requires to have a
// second factor cannot. Its pending sign-ins end.
func (a *Accounts) DisableTOTP(ctx context.Context, v fieldportal.Viewer, proof string) error {
	return a.withProof(ctx, v, proof, func(tx *Tx, o *factorOwner) error {
		if req, err := a.secondFactorRequired(ctx, o); err != nil {
			return err
		} else if req {
			return fieldportal.FieldErrorf("proof", "Authenticator codes cannot be turned off: your organisation requires a second factor.")
		}
		for _, q := range []string{`DELETE FROM totp_secrets WHERE ` + o.col() + ` = $1`, `DELETE FROM recovery_codes WHERE ` + o.col() + ` = $1`,
			`DELETE FROM signin_challenges WHERE ` + o.col() + ` = $1`} {
			if _, err := tx.ExecContext(ctx, q, o.id()); err != nil {
				return err
			}
		}
		entity, id := o.entity()
		if err := tx.auditAs(ctx, o.orgID, o.actor(), o.door(), "second_factor.removed", entity, id, "authenticator app"); err != nil {
			return err
		}
		return a.mailFactor(ctx, tx, o, mail.SecondFactorOff, "second_factor_off")
	})
}

// withProof runs fn for the viewer's own account once proof is a right
// code of its authenticator (used up as any code) or its current
// password; guesses of either are throttled ("code", "password").
func (a *Accounts) withProof(ctx context.Context, v fieldportal.Viewer, proof string, fn func(tx *Tx, o *factorOwner) error) error {
	aead, err := a.db.totpCipher(ctx)
	if err != nil {
		return err
	}
	var o *factorOwner
	var s *totpSecret
	err = a.db.inTx(ctx, func(tx *Tx) error {
		if o, err = tx.viewerOwner(ctx, v); err != nil {
			return err
		}
		s, err = tx.findTOTP(ctx, aead, o)
		return err
	})
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND && o != nil || (err == nil && !s.confirmed) {
		return fieldportal.FieldErrorf("proof", "Authenticator codes are not on.")
	} else if err != nil {
		return err
	}
	if proof == "" {
		return fieldportal.FieldErrorf("proof", "Enter a code from your authenticator app, or your password.")
	}
	ok := false
	if code := normalCode(proof); isTOTPCode(code) {
		ok, err = a.checkCode(ctx, o, s, code)
	} else {
		ok, err = a.ownerPassword(ctx, o, proof)
	}
	if err != nil {
		return err
	}
	if !ok {
		return fieldportal.FieldErrorf("proof", "That is not a right code from your authenticator app, nor your password.")
	}
	return a.db.inTx(ctx, func(tx *Tx) error {
		// Read again: the account may have been disabled meanwhile.
		if o, err = tx.viewerOwner(ctx, v); err != nil {
			return err
		}
		return fn(tx, o)
	})
}

// ownerPassword checks a guess of the owner's current password, throttled
// as the email change and the password change check theirs (checkCurrent,
// the "password" throttle, keyed by the login or "staff:" and the staff
// user): ERATELIMIT when throttled.
func (a *Accounts) ownerPassword(ctx context.Context, o *factorOwner, guess string) (bool, error) {
	th, key := a.throttle("password"), o.loginID
	if o.staffID != "" {
		key = "staff:" + o.staffID
	}
	addr := fieldportal.RequestInfoFrom(ctx).Addr
	if err := th.Check(ctx, key, addr); err != nil {
		return false, err
	}
	kind, id := o.entity()
	return a.checkCurrent(ctx, th, key, addr, o.passwordHash, guess, kind, id)
}

// mailFactor queues a security mail about the owner's second factor: it
// ignores mail choices, as a changed email address's mail does.
func (a *Accounts) mailFactor(ctx context.Context, tx *Tx, o *factorOwner, make func(org, name string) mail.Message, topic string) error {
	if !fieldportal.ValidEmail(o.email) {
		return nil
	}
	org, err := a.db.FindOrganisationByID(ctx, o.orgID)
	if err != nil {
		return err
	}
	m := make(org.Name, o.greeting)
	m.To = o.email
	return tx.enqueue(ctx, mail.Outbox(o.orgID, topic, m))
}

// ContactHasSecondFactor reports whether a contact's login has a second
// factor, to staff who may see the contact.
func (a *Accounts) ContactHasSecondFactor(ctx context.Context, v fieldportal.Viewer, contactID string) (bool, error) {
	var on bool
	err := a.db.inTx(ctx, func(tx *Tx) error {
		o, err := a.contactOwner(ctx, tx, v, contactID)
		if err != nil {
			return err
		}
		on, err = tx.hasSecondFactor(ctx, o)
		return err
	})
	return on, err
}

// contactOwner is a contact's login, to staff: ENOTFOUND for a contact out
// of reach or without a login.
func (a *Accounts) contactOwner(ctx context.Context, tx *Tx, v fieldportal.Viewer, contactID string) (*factorOwner, error) {
	if err := needStaff(v); err != nil {
		return nil, err
	}
	var loginID string
	err := tx.QueryRowContext(ctx, `SELECT id FROM portal_logins WHERE contact_id = $1 AND org_id = $2`, contactID, v.OrgID).Scan(&loginID)
	if err != nil {
		return nil, sqlErr(err, "contact")
	}
	o, err := tx.loginOwner(ctx, v.OrgID, loginID)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		// An invited or disabled login may still have a factor to remove.
		o, err = tx.anyLoginOwner(ctx, v.OrgID, loginID)
	}
	return o, err
}

// anyLoginOwner is loginOwner whatever the login's status.
func (tx *Tx) anyLoginOwner(ctx context.Context, orgID, loginID string) (*factorOwner, error) {
	o := &factorOwner{orgID: orgID, loginID: loginID}
	var first, last string
	err := tx.QueryRowContext(ctx, `SELECT pl.username, pl.contact_id, c.first_name, c.last_name, c.email
		FROM portal_logins pl JOIN contacts c ON c.id = pl.contact_id WHERE pl.id = $1 AND pl.org_id = $2`, loginID, orgID).
		Scan(&o.account, &o.contactID, &first, str(&last), str(&o.email))
	if err != nil {
		return nil, sqlErr(err, "contact")
	}
	o.greeting = greetingName(&fieldportal.Contact{FirstName: first})
	return o, nil
}

// RemoveContactSecondFactor removes a contact's second factor (staff).
func (a *Accounts) RemoveContactSecondFactor(ctx context.Context, v fieldportal.Viewer, contactID string) error {
	return a.db.inTx(ctx, func(tx *Tx) error {
		o, err := a.contactOwner(ctx, tx, v, contactID)
		if err != nil {
			return err
		}
		return a.staffRemoves(ctx, tx, v, o)
	})
}

// StaffHasSecondFactor reports whether a staff user has a second factor
// (admins, for the staff page).
func (a *Accounts) StaffHasSecondFactor(ctx context.Context, v fieldportal.Viewer, staffID string) (bool, error) {
	var on bool
	err := a.db.inTx(ctx, func(tx *Tx) error {
		o, err := staffTarget(ctx, tx, v, staffID)
		if err != nil {
			return err
		}
		on, err = tx.hasSecondFactor(ctx, o)
		return err
	})
	return on, err
}

// RemoveStaffSecondFactor removes a staff user's second factor (admins).
func (a *Accounts) RemoveStaffSecondFactor(ctx context.Context, v fieldportal.Viewer, staffID string) error {
	return a.db.inTx(ctx, func(tx *Tx) error {
		o, err := staffTarget(ctx, tx, v, staffID)
		if err != nil {
			return err
		}
		return a.staffRemoves(ctx, tx, v, o)
	})
}

// staffTarget is a staff user of the admin's organisation, disabled or not.
func staffTarget(ctx context.Context, tx *Tx, v fieldportal.Viewer, staffID string) (*factorOwner, error) {
	if !v.IsAdmin() {
		return nil, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can change staff.")
	}
	o := &factorOwner{orgID: v.OrgID, staffID: staffID}
	err := tx.QueryRowContext(ctx, `SELECT email, name FROM staff_users WHERE id = $1 AND org_id = $2`, staffID, v.OrgID).Scan(&o.account, &o.name)
	if err != nil {
		return nil, sqlErr(err, "staff user")
	}
	o.email, o.greeting = o.account, staffGreeting(o.name)
	return o, nil
}

// staffRemoves removes the owner's second factor for staff: EINVALID when
// it has none, else audited as the staff user's act, mailed to the owner,
// and its sessions and pending sign-ins ended.
func (a *Accounts) staffRemoves(ctx context.Context, tx *Tx, v fieldportal.Viewer, o *factorOwner) error {
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM totp_secrets WHERE `+o.col()+` = $1`, o.id()).Scan(&n); err != nil {
		return err
	}
	if n == 0 {
		return fieldportal.Errorf(fieldportal.EINVALID, "There is no second factor to remove.")
	}
	if err := tx.removeSecondFactor(ctx, o); err != nil {
		return err
	}
	entity, id := o.entity()
	if err := tx.audit(ctx, v, "second_factor.removed_by_staff", entity, id, "authenticator app and recovery codes"); err != nil {
		return err
	}
	return a.mailFactor(ctx, tx, o, mail.SecondFactorRemoved, "second_factor_removed")
}

// staffGreeting is how a mail addresses a staff user: its first name.
func staffGreeting(name string) string {
	return strings.Fields(name + " there")[0]
}
