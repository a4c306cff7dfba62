package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// Contacts who manage contacts (SPEC §2.6, issue 20): what the store
// adds to the console's access workflows when the one granting is a
// customer's contact rather than staff.

// refusedGrant is a grant beyond what the granting contact has itself: a
// form that offers only what the contact has cannot post it, so it is
// refused (403) naming the field, and recorded (noteRefusal), never
// silently trimmed.
func refusedGrant(field, format string, args ...any) *fieldportal.Error {
	msg := fmt.Sprintf(format, args...)
	return &fieldportal.Error{Code: fieldportal.EFORBIDDEN, Field: field, Message: msg,
		Fields: []fieldportal.FieldError{{Field: field, Message: msg}}}
}

// isRefusal reports whether err is a refusedGrant.
func isRefusal(err error) bool {
	var e *fieldportal.Error
	return errors.As(err, &e) && e.Code == fieldportal.EFORBIDDEN && e.Field != ""
}

// noteRefusal records a contact's refused grant, after its transaction
// rolled back: a warning in the process log and an access.refused entry
// in the audit log, each naming who asked, for which contact and what.
// It returns err unchanged; a failure to record is logged, not answered.
func (d *DB) noteRefusal(ctx context.Context, v fieldportal.Viewer, contactID string, err error) error {
	if !v.IsContact() || !isRefusal(err) {
		return err
	}
	var e *fieldportal.Error
	errors.As(err, &e)
	detail := e.Field + ": " + e.Message
	d.logger.WarnContext(ctx, "access grant refused", "org", v.OrgID, "login", v.LoginID, "contact", contactID,
		"field", e.Field, "reason", e.Message)
	if aerr := d.inTx(ctx, func(tx *Tx) error {
		return tx.audit(ctx, v, "access.refused", "contact", contactID, detail)
	}); aerr != nil {
		d.logger.WarnContext(ctx, "record a refused grant", "err", aerr)
	}
	return err
}

// keepUnseen keeps, when a contact saves a login, what the login has that
// the contact's form could not show: pages the contact lacks and assigned
// sites out of its reach. The form posts only what it offers, so without
// this a manager's save would take away grants it never saw.
func (tx *Tx) keepUnseen(ctx context.Context, v fieldportal.Viewer, l, old *fieldportal.PortalLogin) error {
	if !v.IsContact() {
		return nil
	}
	for _, p := range old.Pages {
		if !v.Pages.Has(p) && !l.Pages.Has(p) {
			l.Pages = append(l.Pages, p)
		}
	}
	l.Pages = fieldportal.ParseModules(l.Pages.String())
	if l.SiteAccess != fieldportal.SiteAccessAssigned || old.SiteAccess != fieldportal.SiteAccessAssigned {
		return nil
	}
	for _, id := range old.SiteIDs {
		if slices.Contains(l.SiteIDs, id) {
			continue
		}
		_, err := tx.findSite(ctx, v, id)
		switch fieldportal.ErrorCode(err) {
		case "":
		case fieldportal.ENOTFOUND:
			l.SiteIDs = append(l.SiteIDs, id)
		default:
			return err
		}
	}
	return nil
}

// withinOwnGrants refuses a contact acting on a login that can do more
// than the contact itself (a page, all sites, a site or the manage right
// it lacks), on a login its owner has set up, or on its own login: setting a password there would let the
// manager sign in with more than it has, or skip the check of its
// current password.
func (tx *Tx) withinOwnGrants(ctx context.Context, v fieldportal.Viewer, l *fieldportal.PortalLogin) error {
	if !v.IsContact() {
		return nil
	}
	if l.ID == v.LoginID {
		return fieldportal.FieldErrorf("password", "Change your own password on the password page.")
	}
	// An initial password is direct creation (SPEC §3): on a login whose
	// owner chose its own password it would be a takeover, the manager
	// signing in as that person and acting in its name, whatever its
	// access. The reset link goes to the owner's own address instead.
	if l.Status != fieldportal.LoginInvited && !l.MustChangePassword {
		return refusedGrant("password", "This person has chosen their own password; send them a password reset link instead.")
	}
	if err := tx.loadSiteIDs(ctx, l); err != nil {
		return err
	}
	if err := tx.checkGrant(ctx, v, l, nil); err != nil {
		if isRefusal(err) {
			return refusedGrant("password", "This login has access you do not have; ask us to set its password, or send it a password reset link.")
		}
		return err
	}
	return nil
}

// checkEmailFree refuses, for a contact managing contacts, an email
// address that another portal login already uses (as its contact's email
// or as its username): sign-in by email and reset links would no longer
// pick one person, and the new contact could be sent another's mail.
func (tx *Tx) checkEmailFree(ctx context.Context, orgID, contactID, email string) error {
	email = strings.ToLower(strings.TrimSpace(email))
	if email == "" {
		return nil
	}
	var used bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM contacts ct JOIN portal_logins pl ON pl.contact_id = ct.id
		WHERE ct.org_id = $1 AND lower(ct.email) = $2 AND ct.id <> $3)
		OR EXISTS (SELECT 1 FROM portal_logins pl WHERE pl.org_id = $1 AND lower(pl.username) = $2 AND pl.contact_id <> $3)`,
		orgID, email, contactID).Scan(&used)
	if err != nil {
		return err
	}
	if used {
		return fieldportal.FieldErrorf("email", "This email address is already used by another portal login; enter a different one.")
	}
	return nil
}

// checkContactForm checks the typed fields of a contact as the portal's
// forms check them, every failed field at once.
func checkContactForm(c *fieldportal.Contact) error {
	var errs formErrors
	errs.addErr(c.Validate())
	for _, f := range []struct{ name, val string }{{"first_name", c.FirstName}, {"last_name", c.LastName}, {"position", c.Position}} {
		if len(f.val) > 100 {
			errs.add(f.name, "Must be at most 100 characters.")
		}
	}
	if len(c.Email) > 254 {
		errs.add("email", "Email must be at most 254 characters.")
	}
	for _, f := range []struct{ name, val string }{{"phone", c.Phone}, {"mobile", c.Mobile}} {
		if len(f.val) > 40 || strings.Trim(f.val, "0123456789+()- ") != "" {
			errs.add(f.name, "Enter a phone number using digits, spaces, brackets, + and - only.")
		}
	}
	return errs.err()
}
