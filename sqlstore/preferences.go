package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/mail"
)

// My details (issue 20): a contact changes its own email address through
// a link mailed to the new address, and chooses the mails it gets. The
// link is single-use, kept only as a hash, and lives
// fieldportal.EmailChangeLifetime; its mail, and the one telling the old
// address, are queued in the transaction of the change they carry.

// errNoOwnDetails refuses a viewer that is not a signed-in contact: only
// a contact has details of its own in the portal.
var errNoOwnDetails = fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only a contact who signs in has details of its own.")

// FindMyPreferences returns the viewer's pending email change and the
// mails it may choose among, each with whether it is on.
func (a *Accounts) FindMyPreferences(ctx context.Context, v fieldportal.Viewer) (*fieldportal.MyPreferences, error) {
	if !v.IsContact() {
		return nil, errNoOwnDetails
	}
	c, err := a.db.FindContactByID(ctx, v, v.ContactID)
	if err != nil {
		return nil, err
	}
	var out fieldportal.MyPreferences
	err = a.db.db.QueryRowContext(ctx, `SELECT new_email FROM email_changes
		WHERE login_id = $1 AND org_id = $2 AND used_at IS NULL AND expires_at > $3`, v.LoginID, v.OrgID, a.db.now()).Scan(&out.PendingEmail)
	if err != nil && fieldportal.ErrorCode(sqlErr(err, "link")) != fieldportal.ENOTFOUND {
		return nil, err
	}
	off, err := a.db.mailOff(ctx, c.ID)
	if err != nil {
		return nil, err
	}
	for _, k := range fieldportal.MailKindsFor(v, c) {
		out.Mail = append(out.Mail, fieldportal.MailChoice{Kind: k, On: !slices.Contains(off, k)})
	}
	return &out, nil
}

// mailOff lists the kinds a contact turned off.
func (d *DB) mailOff(ctx context.Context, contactID string) ([]fieldportal.MailKind, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT kind FROM contact_mail_off WHERE contact_id = $1`, contactID)
	if err != nil {
		return nil, err
	}
	return collect(rows, func(row interface{ Scan(...any) error }) (fieldportal.MailKind, error) {
		var k fieldportal.MailKind
		return k, row.Scan(&k)
	})
}

// SaveMailChoices turns on the offered mails in on and off the other
// offered ones. A kind the contact is not offered (its roles or pages do
// not let it be sent one) keeps what it was: a form cannot store a choice
// the page never showed.
func (a *Accounts) SaveMailChoices(ctx context.Context, v fieldportal.Viewer, on []fieldportal.MailKind) error {
	if !v.IsContact() {
		return errNoOwnDetails
	}
	c, err := a.db.FindContactByID(ctx, v, v.ContactID)
	if err != nil {
		return err
	}
	offered := fieldportal.MailKindsFor(v, c)
	return a.db.inTx(ctx, func(tx *Tx) error {
		var off []string
		for _, k := range offered {
			if slices.Contains(on, k) {
				if _, err := tx.ExecContext(ctx, `DELETE FROM contact_mail_off WHERE contact_id = $1 AND kind = $2`, c.ID, k); err != nil {
					return err
				}
				continue
			}
			off = append(off, string(k))
			if _, err := tx.ExecContext(ctx, `INSERT INTO contact_mail_off (contact_id, kind, org_id) VALUES ($1, $2, $3)
				ON CONFLICT (contact_id, kind) DO NOTHING`, c.ID, k, c.OrgID); err != nil {
				return err
			}
		}
		detail := "all on"
		if len(off) > 0 {
			detail = "off: " + strings.Join(off, ", ")
		}
		return tx.audit(ctx, v, "contact.mail_choices", "contact", c.ID, detail)
	})
}

// wantsMail is the condition, on contacts aliased c, that a contact has
// not turned kind off: every recipient query of a mail a contact may
// choose adds it. kind is one of the package's constants, never input.
func wantsMail(kind fieldportal.MailKind) string {
	return ` AND NOT EXISTS (SELECT 1 FROM contact_mail_off mo WHERE mo.contact_id = c.id AND mo.kind = '` + string(kind) + `')`
}

// RequestEmailChange mails a confirmation link to the new address and
// tells the current one, after checking the current password: following
// the link makes the address (and often the username) the new one, from
// which a password reset takes the account, so a stolen session alone
// must not start it (review). Guesses of the password are counted like
// the password change's (scope "password", per login and per client
// address). Each request that passes counts against the login's
// email_change throttle, refused or not: it is a mail to an address
// anyone could type, and the answer says whether an address is in use.
func (a *Accounts) RequestEmailChange(ctx context.Context, v fieldportal.Viewer, req fieldportal.EmailChangeRequest) error {
	if !v.IsContact() {
		return errNoOwnDetails
	}
	c, err := a.db.FindContactByID(ctx, v, v.ContactID)
	if err != nil {
		return err
	}
	login, err := a.db.FindLoginByID(ctx, v.OrgID, v.LoginID)
	if err != nil {
		return err
	}
	pw := a.throttle("password")
	if err := pw.Check(ctx, login.ID, req.ClientAddr); err != nil {
		return err
	}
	email := strings.TrimSpace(req.Email)
	var errs formErrors
	switch {
	case email == "":
		errs.add("email", "Enter your new email address.")
	case !fieldportal.ValidEmail(email):
		errs.add("email", "Email address must be a valid address, like name@example.com.")
	case strings.EqualFold(strings.TrimSpace(c.Email), email):
		errs.add("email", "That is already your email address.")
	}
	if req.CurrentPassword == "" {
		errs.add("current_password", "Enter your current password.")
	} else if ok, err := a.checkCurrent(ctx, pw, login.ID, req.ClientAddr, login.PasswordHash, req.CurrentPassword, "login", login.ID); err != nil {
		return err
	} else if !ok {
		errs.add("current_password", "Current password is not right.")
	}
	if err := errs.err(); err != nil {
		return err
	}
	th := a.throttle("email_change")
	th.PerAccount = auth.Limit{Free: 5, Window: time.Hour, MaxDelay: time.Hour}
	key := v.OrgID + ":" + v.LoginID
	if err := th.Check(ctx, key, ""); err != nil {
		return err
	}
	if err := th.Fail(ctx, key, ""); err != nil {
		return err
	}
	org, err := a.db.FindOrganisationByID(ctx, v.OrgID)
	if err != nil {
		return err
	}
	plain, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	return a.db.inTx(ctx, func(tx *Tx) error {
		if err := tx.emailFree(ctx, v.OrgID, c.ID, v.LoginID, email); err != nil {
			return err
		}
		expires := tx.now.Add(fieldportal.EmailChangeLifetime)
		if _, err := tx.ExecContext(ctx, `DELETE FROM email_changes WHERE login_id = $1 AND used_at IS NULL`, v.LoginID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO email_changes (token_hash, org_id, login_id, contact_id, new_email,
			expires_at, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			hash, v.OrgID, v.LoginID, c.ID, email, expires, tx.now); err != nil {
			if fieldportal.ErrorCode(sqlErr(err, "link")) == fieldportal.ECONFLICT {
				return fieldportal.Errorf(fieldportal.ECONFLICT, "A link was sent a moment ago; wait a little before asking again.")
			}
			return err
		}
		m := mail.EmailChange(org.Name, greetingName(c), email, a.linkBase(org)+"/email/"+plain, expires)
		m.To = email
		if err := tx.enqueue(ctx, mail.Outbox(org.ID, "email_change", m)); err != nil {
			return err
		}
		// The holder of the current address hears of it at once, whatever
		// its mail choices: a security notice is not one to opt out of.
		if old := strings.TrimSpace(c.Email); fieldportal.ValidEmail(old) {
			m := mail.EmailChangeRequested(org.Name, greetingName(c), email)
			m.To = old
			if err := tx.enqueue(ctx, mail.Outbox(org.ID, "email_change_requested", m)); err != nil {
				return err
			}
		}
		return tx.audit(ctx, v, "contact.email_change_requested", "contact", c.ID, email)
	})
}

// emailFree refuses an address another contact of the organisation has,
// or another login has as its username: sign-in and reset links find a
// login by either, so two people sharing one would lock one of them out.
func (tx *Tx) emailFree(ctx context.Context, orgID, contactID, loginID, email string) error {
	var taken bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM contacts WHERE org_id = $1 AND lower(email) = $2 AND id <> $3)
		OR EXISTS (SELECT 1 FROM portal_logins WHERE org_id = $1 AND lower(username) = $2 AND id <> $4)`,
		orgID, strings.ToLower(email), contactID, loginID).Scan(&taken)
	if err != nil {
		return err
	}
	if taken {
		return fieldportal.FieldErrorf("email", "That email address is already used by another contact; enter a different one.")
	}
	return nil
}

// lockEmail makes transactions giving a contact the same address (in any
// case) wait for each other until they end, so that the check that it is
// free still holds when the change commits: on PostgreSQL two links to
// one address followed at once both passed it (review). SQLite runs one
// writer at a time already.
func (tx *Tx) lockEmail(ctx context.Context, orgID, email string) error {
	if lock := tx.db.dialect.keyLock(); lock != "" {
		if _, err := tx.ExecContext(ctx, lock, "contact-email:"+orgID+":"+strings.ToLower(email)); err != nil {
			return err
		}
	}
	return nil
}

// FindEmailChange returns the new address a still-usable link confirms.
func (a *Accounts) FindEmailChange(ctx context.Context, orgID, token string) (string, error) {
	if token == "" {
		return "", fieldportal.Errorf(fieldportal.ENOTFOUND, linkGone)
	}
	var email string
	err := a.db.db.QueryRowContext(ctx, `SELECT ec.new_email FROM email_changes ec JOIN portal_logins pl ON pl.id = ec.login_id
		WHERE ec.token_hash = $1 AND ec.org_id = $2 AND ec.used_at IS NULL AND ec.expires_at > $3 AND pl.status = 'active'`,
		auth.HashToken(token), orgID, a.db.now()).Scan(&email)
	if err != nil {
		if fieldportal.ErrorCode(sqlErr(err, "link")) == fieldportal.ENOTFOUND {
			return "", fieldportal.Errorf(fieldportal.ENOTFOUND, linkGone)
		}
		return "", err
	}
	return email, nil
}

// ConfirmEmailChange spends the link and makes its address the
// contact's, in one transaction with the contact.updated event, the mail
// to the old address and the audit entry. A username that was the old
// address follows it, so the contact signs in with the address it uses.
func (a *Accounts) ConfirmEmailChange(ctx context.Context, orgID, token string) (string, error) {
	if token == "" {
		return "", fieldportal.Errorf(fieldportal.ENOTFOUND, linkGone)
	}
	org, err := a.db.FindOrganisationByID(ctx, orgID)
	if err != nil {
		return "", err
	}
	var email string
	err = a.db.inTx(ctx, func(tx *Tx) error {
		var loginID, contactID string
		err := tx.QueryRowContext(ctx, `UPDATE email_changes SET used_at = $3
			WHERE token_hash = $1 AND org_id = $2 AND used_at IS NULL AND expires_at > $3
			RETURNING login_id, contact_id, new_email`, auth.HashToken(token), orgID, tx.now).Scan(&loginID, &contactID, &email)
		if errors.Is(err, sql.ErrNoRows) {
			return fieldportal.Errorf(fieldportal.ENOTFOUND, linkGone)
		} else if err != nil {
			return err // a fault, not a spent link
		}
		var username string
		var status fieldportal.LoginStatus
		if err := tx.QueryRowContext(ctx, `SELECT username, status FROM portal_logins WHERE id = $1`, loginID).Scan(&username, &status); err != nil {
			return sqlErr(err, "login")
		}
		if status != fieldportal.LoginActive {
			return fieldportal.Errorf(fieldportal.ENOTFOUND, linkGone) // a revoked login's links are dead
		}
		sys := fieldportal.SystemViewer(orgID, signInTask)
		c, err := tx.findContact(ctx, sys, contactID)
		if err != nil {
			return err
		}
		if err := tx.lockEmail(ctx, orgID, email); err != nil {
			return err
		}
		// Taken since the request: the link stays unspent (the
		// transaction rolls back), for when the address is free again.
		if err := tx.emailFree(ctx, orgID, contactID, loginID, email); err != nil {
			return fieldportal.Errorf(fieldportal.ECONFLICT, "That email address is now used by another contact, so it cannot be yours; ask us for help.")
		}
		old := strings.TrimSpace(c.Email)
		if _, err := tx.ExecContext(ctx, `UPDATE contacts SET email = $2, updated_at = $3 WHERE id = $1`, contactID, email, tx.now); err != nil {
			return err
		}
		if old != "" && strings.EqualFold(strings.TrimSpace(username), old) {
			if _, err := tx.ExecContext(ctx, `UPDATE portal_logins SET username = $2, updated_at = $3 WHERE id = $1`, loginID, email, tx.now); err != nil {
				return sqlErr(err, "login")
			}
		}
		// A reset link went to the old address, which may no longer be
		// the contact's to read: reset links go to the address on file.
		if _, err := tx.ExecContext(ctx, `DELETE FROM one_time_tokens WHERE login_id = $1 AND purpose = $2 AND used_at IS NULL`,
			loginID, fieldportal.TokenReset); err != nil {
			return err
		}
		c.Email, c.UpdatedAt = email, tx.now
		if err := tx.emitEventFrom(ctx, fieldportal.SourcePortal, orgID, "contact.updated", c); err != nil {
			return err
		}
		if fieldportal.ValidEmail(old) {
			m := mail.EmailChanged(org.Name, greetingName(c), email)
			m.To = old
			if err := tx.enqueue(ctx, mail.Outbox(orgID, "email_changed", m)); err != nil {
				return err
			}
		}
		v := fieldportal.NewContactViewer(orgID, fieldportal.ContactGrants{LoginID: loginID, ContactID: contactID, Name: c.Name()}, fieldportal.Settings{})
		return tx.audit(ctx, v, "contact.email_changed", "contact", contactID, old+" → "+email)
	})
	return email, err
}
