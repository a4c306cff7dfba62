package sqlstore

import (
	"context"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// Contacts and their portal access (SPEC §2, §3; seed 004's "Send
// customer portal access" and "Manage portal access"): the console's
// access screens, and contacts who manage contacts. Every method works
// through the viewer's scope, so a contact out of reach is "not found".

// FindContacts lists the contacts the viewer may manage, with their
// customer's name and login status, in one query.
func (a *Accounts) FindContacts(ctx context.Context, v fieldportal.Viewer, f fieldportal.ContactFilter) ([]*fieldportal.ContactListing, string, error) {
	if err := canManageContacts(v); err != nil {
		return nil, "", err
	}
	q, order, err := contactsQuery(a.db.dialect, v, f)
	if err != nil {
		return nil, "", err
	}
	// The customer's name and the login's status are sub-queries of each
	// row, not joins, so that the list is read in its own index's order
	// and stops after a page (a join let SQLite start from the customers).
	rows, err := a.db.db.QueryContext(ctx, q.sql(`SELECT `+contactColumns+`,
		(SELECT cu.name FROM customers cu WHERE cu.id = ct.customer_id),
		(SELECT pl.status FROM portal_logins pl WHERE pl.contact_id = ct.id) FROM contacts ct`,
		"ORDER BY "+order+limit(f.Page)), q.args...)
	if err != nil {
		return nil, "", err
	}
	list, err := collect(rows, func(r interface{ Scan(...any) error }) (*fieldportal.ContactListing, error) {
		var row fieldportal.ContactListing
		var c fieldportal.Contact
		var status string
		err := r.Scan(&c.ID, &c.OrgID, str(&c.ExternalID), &c.CustomerID, &c.FirstName, &c.LastName, &c.Email, &c.Phone,
			&c.Mobile, &c.Position, &c.QuoteContact, &c.JobContact, &c.InvoiceContact, &c.StatementContact, &c.Primary,
			&c.CreatedInPortal, tm(&c.CreatedAt), tm(&c.UpdatedAt), &row.CustomerName, str(&status))
		row.Contact, row.LoginStatus = &c, fieldportal.LoginStatus(status)
		return &row, err
	})
	if err != nil {
		return nil, "", err
	}
	key := contactCursor(f)
	list, next := trim(list, f.Page, func(r *fieldportal.ContactListing) string { return key(r.Contact) })
	return list, next, nil
}

// FindContactByID returns a contact the viewer can see.
func (a *Accounts) FindContactByID(ctx context.Context, v fieldportal.Viewer, id string) (*fieldportal.Contact, error) {
	return a.db.FindContactByID(ctx, v, id)
}

// FindContactAccess returns a contact the viewer may manage with its
// login and what a login of it could be given.
func (a *Accounts) FindContactAccess(ctx context.Context, v fieldportal.Viewer, contactID, siteSearch string) (*fieldportal.ContactAccess, error) {
	if err := canManageContacts(v); err != nil {
		return nil, err
	}
	c, err := a.db.FindContactByID(ctx, v, contactID)
	if err != nil {
		return nil, err
	}
	out := &fieldportal.ContactAccess{Contact: c}
	cu, err := a.db.FindCustomerByID(ctx, v, c.CustomerID)
	switch fieldportal.ErrorCode(err) {
	case "":
		out.CustomerName = cu.Name
	case fieldportal.ENOTFOUND:
	default:
		return nil, err
	}
	if out.Login, err = a.findLogin(ctx, v, c.ID); err != nil {
		return nil, err
	}
	st, err := a.db.FindSettings(ctx, v.OrgID)
	if err != nil {
		return nil, err
	}
	out.DefaultPages, out.PolicyHint = st.DefaultPages, auth.PasswordPolicy(st.PasswordPolicy).Describe()
	// A managing contact without the Sites page is offered no sites.
	out.SiteSearch = strings.TrimSpace(siteSearch)
	if err := a.offerSites(ctx, v, c.CustomerID, out); err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		return nil, err
	}
	return out, nil
}

// findLogin returns the login of a contact already found through the
// viewer's scope, or nil when it has none.
func (a *Accounts) findLogin(ctx context.Context, v fieldportal.Viewer, contactID string) (*fieldportal.PortalLogin, error) {
	l, err := a.db.FindLoginByContact(ctx, v, contactID)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return nil, nil
	}
	return l, err
}

// FindMyLogin returns the viewer's own portal login.
func (a *Accounts) FindMyLogin(ctx context.Context, v fieldportal.Viewer) (*fieldportal.PortalLogin, error) {
	if !v.IsContact() {
		return nil, fieldportal.NotFound("login")
	}
	return a.db.FindLoginByContact(ctx, v, v.ContactID)
}

// UpdateContact saves a contact's details, checked as the preferences
// form checks them. A contact editing its own details keeps its email and
// roles as the operator keeps them: its email is how it signs in and gets
// its reset links, and taking another's would block that person's.
func (a *Accounts) UpdateContact(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contact) error {
	trimContact(c)
	if v.IsContact() && c.ID == v.ContactID {
		old, err := a.db.FindContactByID(ctx, v, c.ID)
		if err != nil {
			return err
		}
		c.Email, c.ExternalID, c.CustomerID = old.Email, old.ExternalID, old.CustomerID
		c.QuoteContact, c.JobContact, c.InvoiceContact, c.StatementContact = old.QuoteContact, old.JobContact, old.InvoiceContact, old.StatementContact
		c.Primary = old.Primary
	} else if v.IsContact() {
		// A contact managing another contact may not move that contact's
		// email while it has a login: reset links follow the email, so a
		// manager could take over a login with more access than its own
		// (SPEC §2.6). Changing a login's email waits for a confirmation
		// link sent to the new address.
		if _, err := a.db.FindLoginByContact(ctx, v, c.ID); err == nil {
			old, err := a.db.FindContactByID(ctx, v, c.ID)
			if err != nil {
				return err
			}
			if !strings.EqualFold(old.Email, c.Email) {
				return fieldportal.FieldErrorf("email", "The email address of a contact with a portal login can only be changed by the operator.")
			}
		} else if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
			return err
		}
	}
	if err := checkContactForm(c); err != nil {
		return err
	}
	return a.db.UpdateContact(ctx, v, c)
}

// contactLogin finds a contact the viewer may manage and its login (nil
// when it has none).
func (a *Accounts) contactLogin(ctx context.Context, v fieldportal.Viewer, contactID string) (*fieldportal.Contact, *fieldportal.PortalLogin, error) {
	if err := canManageContacts(v); err != nil {
		return nil, nil, err
	}
	c, err := a.db.FindContactByID(ctx, v, contactID)
	if err != nil {
		return nil, nil, err
	}
	l, err := a.findLogin(ctx, v, c.ID)
	return c, l, err
}

// offerSites fills the sites the access form offers: the login's assigned
// sites (all of them, so that saving the form never drops one it did not
// show), then up to fieldportal.SitesOffered matching the search.
func (a *Accounts) offerSites(ctx context.Context, v fieldportal.Viewer, customerID string, out *fieldportal.ContactAccess) error {
	var assigned []*fieldportal.Site
	seen := map[string]bool{}
	if out.Login != nil && len(out.Login.SiteIDs) > 0 {
		var err error
		if assigned, err = a.db.sitesUnderCustomer(ctx, v, customerID, "", out.Login.SiteIDs, len(out.Login.SiteIDs)); err != nil {
			return err
		}
		for _, s := range assigned {
			seen[s.ID] = true
		}
	}
	found, err := a.db.sitesUnderCustomer(ctx, v, customerID, out.SiteSearch, nil, fieldportal.SitesOffered+1)
	if err != nil {
		return err
	}
	if len(found) > fieldportal.SitesOffered {
		found, out.MoreSites = found[:fieldportal.SitesOffered], true
	}
	out.Sites = assigned
	for _, s := range found {
		if !seen[s.ID] {
			out.Sites = append(out.Sites, s)
		}
	}
	return nil
}

// errInitialPassword refuses an initial password (review finding 3):
// whoever sets a password can sign in as the contact, so among staff it is
// an admin's act, like adding a staff user. A contact who manages its
// customer's contacts may also set one (SPEC §3 "direct creation", seed
// 004 "Add user"), for the contacts it reaches.
var errInitialPassword = fieldportal.Errorf(fieldportal.EFORBIDDEN,
	"Only an admin can set a contact's password. Send portal access or a password reset link instead.")

// maySetInitialPassword says whether v may set a contact's initial
// password; the store's scope then limits which contacts.
func maySetInitialPassword(v fieldportal.Viewer) bool {
	return v.IsAdmin() || (v.IsContact() && v.CanDo(fieldportal.ActionManageContacts))
}

// noLogin answers an action on the login of a contact that has none.
var noLogin = fieldportal.Errorf(fieldportal.ENOTFOUND, "This contact has no portal login.")

// applyGrant copies a grant onto a login, checking what the form checks.
// A grant without a username keeps the login's, or for a new login takes
// the contact's email (the portal's form has none: seed 003 lets a
// customer see usernames, not set them).
func applyGrant(l *fieldportal.PortalLogin, g fieldportal.AccessGrant) error {
	if u := strings.TrimSpace(g.Username); u != "" || l.Username == "" {
		l.Username = u
	}
	l.Pages, l.SiteAccess, l.SiteIDs, l.MayManageContacts = g.Pages, g.SiteAccess, g.SiteIDs, g.MayManageContacts
	if l.SiteAccess == fieldportal.SiteAccessAssigned && len(l.SiteIDs) == 0 {
		return fieldportal.FieldErrorf("sites", "Choose at least one site, or give access to all sites.")
	}
	return nil
}

// GrantPortalAccess gives a contact a portal login: the login, its link,
// the invitation mail and the audit in one transaction, or, from an admin, an initial
// password the contact must change at first login. A login left invited
// by an earlier attempt whose mail failed gets the grant saved and the
// invitation sent again; an existing login gets the grant saved.
func (a *Accounts) GrantPortalAccess(ctx context.Context, v fieldportal.Viewer, contactID string, g fieldportal.AccessGrant) (fieldportal.GrantOutcome, error) {
	c, login, err := a.contactLogin(ctx, v, contactID)
	if err != nil {
		return "", err
	}
	if login != nil {
		if err := applyGrant(login, g); err != nil {
			return "", err
		}
		if err := a.db.UpdateLoginAccess(ctx, v, login); err != nil {
			return "", formFields(err)
		}
		if login.Status != fieldportal.LoginInvited {
			return fieldportal.GrantSaved, nil
		}
		return fieldportal.GrantResent, a.sendInvite(ctx, v, login, c)
	}
	l := &fieldportal.PortalLogin{ContactID: c.ID, Status: fieldportal.LoginInvited, Username: strings.TrimSpace(c.Email)}
	if err := applyGrant(l, g); err != nil {
		return "", err
	}
	if g.Password != "" {
		if err := a.initialPassword(ctx, v, c, l, g.Password); err != nil {
			return "", err
		}
		if err := a.db.CreatePortalLogin(ctx, v, l); err != nil {
			return "", formFields(err)
		}
		return fieldportal.GrantCreated, nil
	}
	if !fieldportal.ValidEmail(c.Email) {
		return "", fieldportal.FieldErrorf("username", "The contact needs a valid email address to be sent portal access; add one first, or set an initial password instead.")
	}
	if err := a.createAndInvite(ctx, v, l, c); err != nil {
		return "", formFields(err)
	}
	return fieldportal.GrantInvited, nil
}

// UpdatePortalAccess saves what a contact's login may see.
func (a *Accounts) UpdatePortalAccess(ctx context.Context, v fieldportal.Viewer, contactID string, g fieldportal.AccessGrant) error {
	_, login, err := a.contactLogin(ctx, v, contactID)
	if err != nil {
		return err
	}
	if login == nil {
		return noLogin
	}
	if err := applyGrant(login, g); err != nil {
		return err
	}
	return formFields(a.db.UpdateLoginAccess(ctx, v, login))
}

// ResendInvitation mails a new invitation; the old link stops working.
func (a *Accounts) ResendInvitation(ctx context.Context, v fieldportal.Viewer, contactID string) error {
	c, login, err := a.contactLogin(ctx, v, contactID)
	if err != nil {
		return err
	}
	if login == nil {
		return noLogin
	}
	return a.sendInvite(ctx, v, login, c)
}

// SetPortalAccessEnabled disables a login, ending every session and link
// of it, or enables it again (a login never set up stays invited).
func (a *Accounts) SetPortalAccessEnabled(ctx context.Context, v fieldportal.Viewer, contactID string, enabled bool) error {
	_, login, err := a.contactLogin(ctx, v, contactID)
	if err != nil {
		return err
	}
	if login == nil {
		return noLogin
	}
	login.Status = fieldportal.LoginDisabled
	if enabled {
		login.Status = fieldportal.LoginActive
	}
	return formFields(a.db.UpdateLoginAccess(ctx, v, login))
}

// SendPasswordReset mails an active login's contact a reset link.
func (a *Accounts) SendPasswordReset(ctx context.Context, v fieldportal.Viewer, contactID string) error {
	c, login, err := a.contactLogin(ctx, v, contactID)
	if err != nil {
		return err
	}
	if login == nil {
		return noLogin
	}
	if login.Status != fieldportal.LoginActive {
		return fieldportal.Errorf(fieldportal.ECONFLICT, "Only an active login can be sent a password reset; re-send the invitation instead.")
	}
	org, err := a.db.FindOrganisationByID(ctx, v.OrgID)
	if err != nil {
		return err
	}
	return a.issueReset(ctx, v, org, login, c)
}

// SetInitialPassword sets a password the contact must change at first
// login, ending its sessions and links; audited. Only an admin may
// (review finding 3): whoever sets a password can sign in as the contact.
func (a *Accounts) SetInitialPassword(ctx context.Context, v fieldportal.Viewer, contactID, password string) error {
	c, login, err := a.contactLogin(ctx, v, contactID)
	if err != nil {
		return err
	}
	if login == nil {
		return noLogin
	}
	if err := a.initialPassword(ctx, v, c, login, password); err != nil {
		return err
	}
	return a.db.SetInitialPassword(ctx, v, c.ID, login.PasswordHash)
}

// initialPassword checks that the viewer may set an initial password and
// that it meets the policy, and hashes it into l (SPEC §3 "direct
// creation": it must be changed at first login).
func (a *Accounts) initialPassword(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contact, l *fieldportal.PortalLogin, password string) error {
	if !maySetInitialPassword(v) {
		return errInitialPassword
	}
	policy, err := a.policy(ctx, v.OrgID)
	if err != nil {
		return err
	}
	if password == "" {
		return fieldportal.FieldErrorf("password", "Enter an initial password.")
	}
	if err := policy.Check(password, l.Username, c.Email, c.Name()); err != nil {
		return err
	}
	hash, err := a.cfg.Passwords.Hash(ctx, password)
	if err != nil {
		return err
	}
	l.PasswordHash, l.MustChangePassword, l.Status = hash, true, fieldportal.LoginActive
	return nil
}

// trimContact trims the typed fields of a contact, as every save of one does.
func trimContact(c *fieldportal.Contact) {
	c.FirstName, c.LastName = strings.TrimSpace(c.FirstName), strings.TrimSpace(c.LastName)
	c.Phone, c.Mobile, c.Position = strings.TrimSpace(c.Phone), strings.TrimSpace(c.Mobile), strings.TrimSpace(c.Position)
	c.Email = strings.TrimSpace(c.Email)
}

// CreateContact adds a contact to a customer the viewer reaches (staff,
// or a contact who manages contacts), trimmed as UpdateContact trims.
func (a *Accounts) CreateContact(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contact) error {
	trimContact(c)
	if v.IsContact() {
		// The portal's form, checked as UpdateContact checks it.
		if err := checkContactForm(c); err != nil {
			return err
		}
	}
	return a.db.CreateContact(ctx, v, c)
}

// UpsertContactByExternalID creates or updates a contact by the back
// office's id (operator side only).
func (a *Accounts) UpsertContactByExternalID(ctx context.Context, v fieldportal.Viewer, c *fieldportal.Contact) (bool, error) {
	trimContact(c)
	return a.db.UpsertContactByExternalID(ctx, v, c)
}
