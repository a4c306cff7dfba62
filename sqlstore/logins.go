package sqlstore

import (
	"context"
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
)

const loginColumns = `pl.id, pl.org_id, pl.contact_id, pl.username, pl.password_hash, pl.status, pl.must_change_password,
	pl.page_access, pl.site_access, pl.may_manage_contacts, pl.last_login_at, pl.created_at, pl.updated_at`

func scanLogin(row interface{ Scan(...any) error }) (*fieldportal.PortalLogin, error) {
	var l fieldportal.PortalLogin
	var pages string
	err := row.Scan(&l.ID, &l.OrgID, &l.ContactID, &l.Username, &l.PasswordHash, &l.Status, &l.MustChangePassword,
		&pages, &l.SiteAccess, &l.MayManageContacts, tm(&l.LastLoginAt), tm(&l.CreatedAt), tm(&l.UpdatedAt))
	l.Pages = fieldportal.ParseModules(pages)
	return &l, err
}

// loadSiteIDs fills a login's assigned sites.
func (tx *Tx) loadSiteIDs(ctx context.Context, l *fieldportal.PortalLogin) error {
	rows, err := tx.QueryContext(ctx, `SELECT site_id FROM login_sites WHERE login_id = $1 ORDER BY site_id`, l.ID)
	if err != nil {
		return err
	}
	l.SiteIDs, err = collect(rows, scanText)
	return err
}

// FindLoginByContact returns the portal login of a contact the viewer can
// see (ENOTFOUND when the contact has none).
func (d *DB) FindLoginByContact(ctx context.Context, v fieldportal.Viewer, contactID string) (*fieldportal.PortalLogin, error) {
	tx, err := d.readTx(ctx)
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	if _, err := tx.findContact(ctx, v, contactID); err != nil {
		return nil, err
	}
	l, err := scanLogin(tx.QueryRowContext(ctx, `SELECT `+loginColumns+` FROM portal_logins pl WHERE pl.contact_id = $1`, contactID))
	if err != nil {
		return nil, sqlErr(err, "login")
	}
	return l, tx.loadSiteIDs(ctx, l)
}

// checkGrant enforces SPEC §2.6: a managing contact can grant only page
// and site access it has itself, and only sites it reaches. Whoever
// grants, an assigned site is one of the login's customer or of a
// customer under it, as the access form offers (sitesUnderCustomer): the
// scope would not show another's anyway, but the login would keep it, a
// grant no form made, that a later move of customers would open.
//
// old is the login as saved (nil for a new one): what it already has is
// kept, not granted, so a manager may save or disable a login the
// operator gave more than the manager has. A contact asking for more is
// refused (refusedGrant, EFORBIDDEN), never silently trimmed.
func (tx *Tx) checkGrant(ctx context.Context, v fieldportal.Viewer, l, old *fieldportal.PortalLogin) error {
	had := func(id string) bool {
		return old != nil && old.SiteAccess == fieldportal.SiteAccessAssigned && slices.Contains(old.SiteIDs, id)
	}
	if l.SiteAccess == fieldportal.SiteAccessAssigned {
		for _, id := range l.SiteIDs {
			if v.IsContact() && had(id) {
				continue
			}
			s, err := tx.findSite(ctx, v, id)
			if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND && v.IsContact() {
				return refusedGrant("site_ids", "You cannot grant access to a site you do not have yourself.")
			}
			if err == nil {
				err = tx.underContactCustomer(ctx, l.ContactID, s)
				if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND && v.IsContact() {
					return fieldportal.FieldErrorf("site_ids", "%s is not a site of the contact's customer; choose among its own sites.", s.Name)
				}
			}
			if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
				return fieldportal.FieldErrorf("site_ids", "Site not found.")
			} else if err != nil {
				return err
			}
		}
	}
	if !v.IsContact() {
		return nil
	}
	for _, p := range l.Pages {
		if !v.Pages.Has(p) && (old == nil || !old.Pages.Has(p)) {
			return refusedGrant("page_access", "You cannot grant access to %s, which you do not have.", p.Label())
		}
	}
	var own fieldportal.SiteAccess
	if err := tx.QueryRowContext(ctx, `SELECT site_access FROM portal_logins WHERE id = $1`, v.LoginID).Scan(&own); err != nil {
		return sqlErr(err, "login")
	}
	if own == fieldportal.SiteAccessAssigned && l.SiteAccess == fieldportal.SiteAccessAll &&
		(old == nil || old.SiteAccess != fieldportal.SiteAccessAll) {
		return refusedGrant("site_access", "You can grant only assigned sites, as you have yourself.")
	}
	if l.MayManageContacts && !v.MayManageContacts && (old == nil || !old.MayManageContacts) {
		return refusedGrant("may_manage_contacts", "You cannot grant the right to manage contacts.")
	}
	return nil
}

// underContactCustomer is ENOTFOUND unless site s belongs to the
// customer of the contact, or to one under it.
func (tx *Tx) underContactCustomer(ctx context.Context, contactID string, s *fieldportal.Site) error {
	var under bool
	err := tx.QueryRowContext(ctx, `SELECT EXISTS (SELECT 1 FROM contacts ct JOIN customer_tree t
		ON t.ancestor_id = ct.customer_id AND t.org_id = ct.org_id WHERE ct.id = $1 AND t.customer_id = $2 AND ct.org_id = $3)`,
		contactID, s.CustomerID, s.OrgID).Scan(&under)
	if err != nil {
		return err
	}
	if !under {
		return fieldportal.NotFound("site")
	}
	return nil
}

// CreatePortalLogin gives a contact a portal login (status invited unless
// a password hash is set, in which case it must be changed at first login).
func (d *DB) CreatePortalLogin(ctx context.Context, v fieldportal.Viewer, l *fieldportal.PortalLogin) error {
	if err := prepareLogin(v, l); err != nil {
		return err
	}
	return d.noteRefusal(ctx, v, l.ContactID, d.inTx(ctx, func(tx *Tx) error { return tx.createPortalLogin(ctx, v, l) }))
}

// prepareLogin checks that v may make the login l and fills its defaults,
// before any transaction.
func prepareLogin(v fieldportal.Viewer, l *fieldportal.PortalLogin) error {
	if err := canManageContacts(v); err != nil {
		return err
	}
	if l.PasswordHash != "" && !maySetInitialPassword(v) {
		return errInitialPassword // see Accounts.SetInitialPassword
	}
	l.Username = strings.TrimSpace(l.Username)
	if l.Status == "" {
		l.Status = fieldportal.LoginInvited
	}
	if l.SiteAccess == "" {
		l.SiteAccess = fieldportal.SiteAccessAll
	}
	return l.Validate()
}

// createPortalLogin writes a login prepared by prepareLogin in tx, so that
// a workflow (sending portal access) can write its link and mail in the
// same transaction. A login that already has an id keeps it.
func (tx *Tx) createPortalLogin(ctx context.Context, v fieldportal.Viewer, l *fieldportal.PortalLogin) error {
	if _, err := tx.findContact(ctx, v, l.ContactID); err != nil {
		return fieldportal.FieldErrorf("contact_id", "Contact not found.")
	}
	if err := tx.checkGrant(ctx, v, l, nil); err != nil {
		return err
	}
	if v.IsContact() {
		// A manager's new login must be the only one of its email address.
		var email string
		if err := tx.QueryRowContext(ctx, `SELECT email FROM contacts WHERE id = $1`, l.ContactID).Scan(&email); err != nil {
			return sqlErr(err, "contact")
		}
		if err := tx.checkEmailFree(ctx, v.OrgID, l.ContactID, email); err != nil {
			return err
		}
	}
	if err := tx.checkUsername(ctx, l.ContactID, l.Username); err != nil {
		return err
	}
	if l.ID == "" {
		l.ID = newID()
	}
	l.OrgID, l.CreatedAt, l.UpdatedAt = v.OrgID, tx.now, tx.now
	_, err := tx.ExecContext(ctx, `INSERT INTO portal_logins (id, org_id, contact_id, username, password_hash, status,
		must_change_password, page_access, site_access, may_manage_contacts, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11)`,
		l.ID, l.OrgID, l.ContactID, l.Username, l.PasswordHash, l.Status, l.MustChangePassword, l.Pages.String(),
		l.SiteAccess, l.MayManageContacts, tx.now)
	if err != nil {
		if fieldportal.ErrorCode(sqlErr(err, "login")) == fieldportal.ECONFLICT {
			return fieldportal.FieldErrorf("username", "That username is taken.")
		}
		return sqlErr(err, "login")
	}
	if err := tx.putSiteIDs(ctx, l); err != nil {
		return err
	}
	// An initial password is audited: whoever set it could sign in as
	// the contact until it is changed.
	if l.PasswordHash != "" && l.MustChangePassword {
		if err := tx.audit(ctx, v, "login.initial_password", "contact", l.ContactID, ""); err != nil {
			return err
		}
	}
	return tx.audit(ctx, v, "login.created", "contact", l.ContactID, l.Username)
}

func (tx *Tx) putSiteIDs(ctx context.Context, l *fieldportal.PortalLogin) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM login_sites WHERE login_id = $1`, l.ID); err != nil {
		return err
	}
	if l.SiteAccess != fieldportal.SiteAccessAssigned {
		l.SiteIDs = nil
		return nil
	}
	slices.Sort(l.SiteIDs)
	l.SiteIDs = slices.Compact(l.SiteIDs)
	for _, id := range l.SiteIDs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO login_sites (login_id, site_id, org_id) VALUES ($1, $2, $3)`, l.ID, id, l.OrgID); err != nil {
			return err
		}
	}
	return nil
}

// UpdateLoginAccess saves a login's grants and status (page access, site
// access, manage-contacts, enabled/disabled, username). Disabling it or
// narrowing its access ends every session of the login (SPEC §2.7).
func (d *DB) UpdateLoginAccess(ctx context.Context, v fieldportal.Viewer, l *fieldportal.PortalLogin) error {
	if err := canManageContacts(v); err != nil {
		return err
	}
	l.Username = strings.TrimSpace(l.Username)
	if err := l.Validate(); err != nil {
		return err
	}
	return d.noteRefusal(ctx, v, l.ContactID, d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.findContact(ctx, v, l.ContactID); err != nil {
			return err
		}
		old, err := scanLogin(tx.QueryRowContext(ctx, `SELECT `+loginColumns+` FROM portal_logins pl WHERE pl.contact_id = $1`, l.ContactID))
		if err != nil {
			return sqlErr(err, "login")
		}
		if err := tx.loadSiteIDs(ctx, old); err != nil {
			return err
		}
		if err := tx.keepUnseen(ctx, v, l, old); err != nil {
			return err
		}
		if err := tx.checkGrant(ctx, v, l, old); err != nil {
			return err
		}
		if v.IsContact() && l.Username != old.Username {
			return fieldportal.FieldErrorf("username", "Usernames can be changed only by the operator.")
		}
		if l.Username != old.Username {
			if err := tx.checkUsername(ctx, l.ContactID, l.Username); err != nil {
				return err
			}
		}
		if v.IsContact() && old.Status == fieldportal.LoginDisabled && l.Status != fieldportal.LoginDisabled {
			return fieldportal.FieldErrorf("status", "Only the operator can restore access it revoked.")
		}
		l.ID, l.OrgID, l.PasswordHash, l.CreatedAt, l.UpdatedAt = old.ID, old.OrgID, old.PasswordHash, old.CreatedAt, tx.now
		if l.Status == fieldportal.LoginActive && old.PasswordHash == "" {
			l.Status = fieldportal.LoginInvited // enabling does not skip the setup link
		}
		_, err = tx.ExecContext(ctx, `UPDATE portal_logins SET username = $2, status = $3, page_access = $4, site_access = $5,
			may_manage_contacts = $6, updated_at = $7 WHERE id = $1`,
			l.ID, l.Username, l.Status, l.Pages.String(), l.SiteAccess, l.MayManageContacts, tx.now)
		if err != nil {
			if fieldportal.ErrorCode(sqlErr(err, "login")) == fieldportal.ECONFLICT {
				return fieldportal.FieldErrorf("username", "That username is taken.")
			}
			return sqlErr(err, "login")
		}
		if err := tx.putSiteIDs(ctx, l); err != nil {
			return err
		}
		if narrowed(old, l) {
			if err := tx.endLoginSessions(ctx, l.ID); err != nil {
				return err
			}
		}
		if l.Status == fieldportal.LoginDisabled {
			// Revoked: no older link may open it again.
			if err := tx.voidLoginTokens(ctx, l.ID); err != nil {
				return err
			}
		}
		return tx.audit(ctx, v, "login.access_changed", "contact", l.ContactID, l.Username)
	}))
}

// narrowed reports whether access was taken away: disabled, a page
// removed, all sites narrowed to assigned, or an assigned site removed.
func narrowed(old, l *fieldportal.PortalLogin) bool {
	if old.Status == fieldportal.LoginActive && l.Status != fieldportal.LoginActive ||
		l.Status == fieldportal.LoginDisabled && old.Status != fieldportal.LoginDisabled {
		return true
	}
	for _, p := range old.Pages {
		if !l.Pages.Has(p) {
			return true
		}
	}
	if old.SiteAccess == fieldportal.SiteAccessAll && l.SiteAccess == fieldportal.SiteAccessAssigned {
		return true
	}
	if old.SiteAccess == fieldportal.SiteAccessAssigned && l.SiteAccess == fieldportal.SiteAccessAssigned {
		for _, id := range old.SiteIDs {
			if !slices.Contains(l.SiteIDs, id) {
				return true
			}
		}
	}
	return old.MayManageContacts && !l.MayManageContacts
}

// RevokeLogin removes a contact's portal access: the login is disabled and
// every session ends.
func (d *DB) RevokeLogin(ctx context.Context, v fieldportal.Viewer, contactID string) error {
	l, err := d.FindLoginByContact(ctx, v, contactID)
	if err != nil {
		return err
	}
	l.Status = fieldportal.LoginDisabled
	return d.UpdateLoginAccess(ctx, v, l)
}

// FindLoginForSignIn finds an organisation's login by username or by its
// contact's email, case-insensitively. Used before anyone is signed in.
func (d *DB) FindLoginForSignIn(ctx context.Context, orgID, name string) (*fieldportal.PortalLogin, error) {
	name = strings.ToLower(strings.TrimSpace(name))
	l, err := scanLogin(d.db.QueryRowContext(ctx, `SELECT `+loginColumns+` FROM portal_logins pl
		WHERE pl.org_id = $1 AND lower(pl.username) = $2`, orgID, name))
	if err == nil {
		return l, nil
	}
	// Fall back to the contact's email, but only when it picks one login.
	return d.FindLoginByEmail(ctx, orgID, name)
}

// FindLoginByID returns a login of an organisation (sessions, tokens).
func (d *DB) FindLoginByID(ctx context.Context, orgID, id string) (*fieldportal.PortalLogin, error) {
	l, err := scanLogin(d.db.QueryRowContext(ctx, `SELECT `+loginColumns+` FROM portal_logins pl WHERE pl.org_id = $1 AND pl.id = $2`, orgID, id))
	return l, sqlErr(err, "login")
}

// SetLoginPassword stores a new password hash, activates the login and
// ends every session of it (SPEC §2.7). mustChange marks an initial
// password set by someone else.
func (d *DB) SetLoginPassword(ctx context.Context, orgID, loginID, hash string, mustChange bool) error {
	return d.inTx(ctx, func(tx *Tx) error { return tx.setLoginPassword(ctx, orgID, loginID, hash, mustChange) })
}

// SetInitialPassword is an admin, or a contact managing contacts, setting
// a contact's password, which it must change at first login; the change
// is audited.
func (d *DB) SetInitialPassword(ctx context.Context, v fieldportal.Viewer, contactID, hash string) error {
	if !maySetInitialPassword(v) {
		return errInitialPassword
	}
	return d.noteRefusal(ctx, v, contactID, d.inTx(ctx, func(tx *Tx) error {
		if _, err := tx.findContact(ctx, v, contactID); err != nil {
			return err
		}
		l, err := scanLogin(tx.QueryRowContext(ctx, `SELECT `+loginColumns+` FROM portal_logins pl WHERE pl.contact_id = $1`, contactID))
		if err != nil {
			return sqlErr(err, "login")
		}
		// A managing contact sets only the password of a login that has
		// no more than it has itself (SPEC §2.6).
		if err := tx.withinOwnGrants(ctx, v, l); err != nil {
			return err
		}
		if err := tx.setLoginPassword(ctx, v.OrgID, l.ID, hash, true); err != nil {
			return err
		}
		return tx.audit(ctx, v, "login.initial_password", "contact", contactID, "")
	}))
}

func (tx *Tx) setLoginPassword(ctx context.Context, orgID, loginID, hash string, mustChange bool) error {
	res, err := tx.ExecContext(ctx, `UPDATE portal_logins SET password_hash = $3, must_change_password = $4,
		status = CASE WHEN status = 'invited' THEN 'active' ELSE status END, updated_at = $5
		WHERE org_id = $1 AND id = $2`, orgID, loginID, hash, mustChange, tx.now)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return fieldportal.NotFound("login")
	}
	if err := tx.voidLoginTokens(ctx, loginID); err != nil {
		return err
	}
	return tx.endLoginSessions(ctx, loginID)
}

// RecordLogin notes a successful sign-in.
func (d *DB) RecordLogin(ctx context.Context, loginID string) error {
	_, err := d.db.ExecContext(ctx, `UPDATE portal_logins SET last_login_at = $2 WHERE id = $1`, loginID, d.now())
	return err
}

// ViewerForLogin builds the viewer of a signed-in contact from the
// database: the login must be active; its grants and the organisation's
// switches are read fresh, so a change applies on the next request.
func (d *DB) ViewerForLogin(ctx context.Context, orgID, loginID string) (fieldportal.Viewer, error) {
	settings, err := d.FindSettings(ctx, orgID)
	if err != nil {
		return fieldportal.Viewer{}, err
	}
	return d.ViewerForLoginWith(ctx, orgID, loginID, settings)
}

// ViewerForLoginWith is ViewerForLogin with the organisation's settings
// already read (a request reads them once).
func (d *DB) ViewerForLoginWith(ctx context.Context, orgID, loginID string, settings fieldportal.Settings) (fieldportal.Viewer, error) {
	var g fieldportal.ContactGrants
	var pages, first, last string
	var status fieldportal.LoginStatus
	err := d.db.QueryRowContext(ctx, `SELECT pl.id, pl.contact_id, ct.customer_id, pl.site_access, pl.page_access,
		pl.may_manage_contacts, pl.must_change_password, pl.status, ct.first_name, ct.last_name, ct.quote_contact
		FROM portal_logins pl JOIN contacts ct ON ct.id = pl.contact_id WHERE pl.org_id = $1 AND pl.id = $2`, orgID, loginID).
		Scan(&g.LoginID, &g.ContactID, &g.CustomerID, &g.SiteAccess, &pages, &g.MayManageContacts, &g.MustChangePassword,
			&status, &first, &last, &g.QuoteContact)
	if err != nil {
		return fieldportal.Viewer{}, sqlErr(err, "login")
	}
	if status != fieldportal.LoginActive {
		return fieldportal.Viewer{}, fieldportal.Errorf(fieldportal.EUNAUTHORIZED, "Your portal access is not active.")
	}
	g.Name, g.Pages = strings.TrimSpace(first+" "+last), fieldportal.ParseModules(pages)
	if g.MustChangePassword {
		// While the contact's company signs it in, the password someone
		// else set is no way in (SignIn refuses it), so it need not be
		// changed before anything else; the mark stays for the day the
		// company's sign-in is switched off (issue 21).
		company, err := d.ssoCompanyOfLogin(ctx, orgID, g.ContactID)
		if err != nil {
			return fieldportal.Viewer{}, err
		}
		g.MustChangePassword = company == ""
	}
	return fieldportal.NewContactViewer(orgID, g, settings), nil
}

// checkUsername refuses a username that is an email address other than
// the contact's own: otherwise one contact could take another's address
// as its username and block that person's sign-in by email and reset.
func (tx *Tx) checkUsername(ctx context.Context, contactID, username string) error {
	if !strings.Contains(username, "@") {
		return nil
	}
	var email string
	if err := tx.QueryRowContext(ctx, `SELECT email FROM contacts WHERE id = $1`, contactID).Scan(&email); err != nil {
		return sqlErr(err, "contact")
	}
	if !strings.EqualFold(strings.TrimSpace(email), strings.TrimSpace(username)) {
		return fieldportal.FieldErrorf("username", "A username that is an email address must be the contact's own email address.")
	}
	return nil
}

// FindLoginByEmail finds the login whose contact has this email address,
// when exactly one does (password reset mails only the address on file).
func (d *DB) FindLoginByEmail(ctx context.Context, orgID, email string) (*fieldportal.PortalLogin, error) {
	rows, err := d.db.QueryContext(ctx, `SELECT `+loginColumns+` FROM portal_logins pl JOIN contacts ct ON ct.id = pl.contact_id
		WHERE pl.org_id = $1 AND lower(ct.email) = $2 LIMIT 2`, orgID, strings.ToLower(strings.TrimSpace(email)))
	if err != nil {
		return nil, err
	}
	list, err := collect(rows, scanLogin)
	if err != nil {
		return nil, err
	}
	if len(list) != 1 {
		return nil, fieldportal.NotFound("login")
	}
	return list[0], nil
}
