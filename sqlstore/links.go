package sqlstore

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/mail"
)

// The single-use links of SPEC §3: an invitation (72 h) and a password
// reset (1 h). Each link's token and its mail are written in one
// transaction (IssueToken), so a link is never live without its mail
// queued, nor a mail queued for a link that was not stored.

// RequestPasswordReset mails a reset link when email belongs to an
// active login, and gives the same answer either way. Every request
// counts against the throttle (there is no "success" to tell apart), per
// typed address and per client address, so nobody can flood an inbox.
func (a *Accounts) RequestPasswordReset(ctx context.Context, orgID, email, clientAddr string) error {
	email = strings.TrimSpace(email)
	switch {
	case email == "":
		return fieldportal.FieldErrorf("email", "Enter your email address.")
	case !fieldportal.ValidEmail(email):
		return fieldportal.FieldErrorf("email", "Email address must be a valid address, like name@example.com.")
	}
	th, account := a.throttle("reset"), orgID+":"+strings.ToLower(email)
	if err := th.Check(ctx, account, clientAddr); err != nil {
		return err
	}
	if err := th.Fail(ctx, account, clientAddr); err != nil {
		return err
	}
	return a.sendReset(ctx, orgID, email)
}

// sendReset issues a reset link for the active login whose contact has
// this email, and does nothing, saying nothing, when there is none. The
// link goes only to the address on file, never to a typed one that
// matched a username.
func (a *Accounts) sendReset(ctx context.Context, orgID, email string) error {
	login, err := a.db.FindLoginByEmail(ctx, orgID, email)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return nil
	} else if err != nil {
		return fmt.Errorf("find login: %w", err)
	}
	if login.Status != fieldportal.LoginActive {
		return nil
	}
	sys := fieldportal.SystemViewer(orgID, signInTask)
	contact, err := a.db.FindContactByID(ctx, sys, login.ContactID)
	if err != nil {
		return fmt.Errorf("find contact: %w", err)
	}
	if !strings.EqualFold(strings.TrimSpace(contact.Email), email) {
		return nil
	}
	org, err := a.db.FindOrganisationByID(ctx, orgID)
	if err != nil {
		return err
	}
	err = a.issueReset(ctx, sys, org, login, contact)
	if fieldportal.ErrorCode(err) == fieldportal.ECONFLICT {
		return nil // a link was sent a moment ago: the same answer as ever
	}
	return err
}

// issueReset issues a reset link (1 h) for a login and queues the mail to
// its contact's address, in one transaction.
func (a *Accounts) issueReset(ctx context.Context, v fieldportal.Viewer, org *fieldportal.Organisation, login *fieldportal.PortalLogin, contact *fieldportal.Contact) error {
	if !fieldportal.ValidEmail(strings.TrimSpace(contact.Email)) {
		return fieldportal.FieldErrorf("email", "The contact needs a valid email address to be sent a reset link.")
	}
	plain, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	m := mail.PasswordReset(org.Name, greetingName(contact), a.linkBase(org)+"/reset/"+plain)
	m.To = strings.TrimSpace(contact.Email)
	return a.db.IssueToken(ctx, v,
		&fieldportal.OneTimeToken{TokenHash: hash, OrgID: org.ID, Purpose: fieldportal.TokenReset, LoginID: login.ID},
		mail.Outbox(org.ID, "reset", m))
}

// sendInvite sends a contact the invitation to set up its existing portal
// login: a single-use link valid 72 hours, whose mail is queued in the same
// transaction; re-sending voids the previous link. Invitations are
// throttled per login: each one is a mail to a person who may not want it.
func (a *Accounts) sendInvite(ctx context.Context, v fieldportal.Viewer, login *fieldportal.PortalLogin, contact *fieldportal.Contact) error {
	if !fieldportal.ValidEmail(strings.TrimSpace(contact.Email)) {
		return fieldportal.FieldErrorf("email", "Email must be a valid address to send portal access.")
	}
	current, err := a.db.FindLoginByContact(ctx, v, contact.ID)
	if err != nil {
		return err
	}
	if current.ID != login.ID {
		return fieldportal.NotFound("login")
	}
	if current.Status == fieldportal.LoginDisabled {
		return fieldportal.Errorf(fieldportal.ECONFLICT, "This portal login is disabled; enable it before sending access.")
	}
	t, m, err := a.invitation(ctx, v, login, contact)
	if err != nil {
		return err
	}
	return a.db.IssueToken(ctx, v, t, m)
}

// createAndInvite makes a new login and its invitation in one transaction,
// so that a login never exists without the mail that lets its contact in.
func (a *Accounts) createAndInvite(ctx context.Context, v fieldportal.Viewer, l *fieldportal.PortalLogin, contact *fieldportal.Contact) error {
	if err := prepareLogin(v, l); err != nil {
		return err
	}
	l.ID = newID()
	t, m, err := a.invitation(ctx, v, l, contact)
	if err != nil {
		return err
	}
	return a.db.noteRefusal(ctx, v, l.ContactID, a.db.inTx(ctx, func(tx *Tx) error {
		if err := tx.createPortalLogin(ctx, v, l); err != nil {
			return err
		}
		return tx.issueToken(ctx, v, t, m)
	}))
}

// invitation counts an invitation against the login's throttle and makes
// its link and mail.
func (a *Accounts) invitation(ctx context.Context, v fieldportal.Viewer, login *fieldportal.PortalLogin, contact *fieldportal.Contact) (*fieldportal.OneTimeToken, *fieldportal.OutboxMessage, error) {
	th := a.throttle("invite")
	th.PerAccount = auth.Limit{Free: 5, Window: time.Hour, MaxDelay: time.Hour}
	if err := th.Check(ctx, v.OrgID+":"+login.ID, ""); err != nil {
		return nil, nil, err
	}
	if err := th.Fail(ctx, v.OrgID+":"+login.ID, ""); err != nil {
		return nil, nil, err
	}
	org, err := a.db.FindOrganisationByID(ctx, v.OrgID)
	if err != nil {
		return nil, nil, err
	}
	plain, hash, err := auth.NewToken()
	if err != nil {
		return nil, nil, err
	}
	expires := a.db.Now().Add(fieldportal.TokenInvite.Lifetime())
	m := mail.Invite(org.Name, greetingName(contact), a.linkBase(org)+"/setup/"+plain, expires)
	m.To = strings.TrimSpace(contact.Email)
	return &fieldportal.OneTimeToken{TokenHash: hash, OrgID: org.ID, Purpose: fieldportal.TokenInvite, LoginID: login.ID, ExpiresAt: expires},
		mail.Outbox(org.ID, "invite", m), nil
}

// tokenLogin finds the login and contact a still-usable link is for.
func (a *Accounts) tokenLogin(ctx context.Context, orgID string, purpose fieldportal.TokenPurpose, plain string) (*fieldportal.PortalLogin, *fieldportal.Contact, error) {
	if (purpose != fieldportal.TokenInvite && purpose != fieldportal.TokenReset) || plain == "" {
		return nil, nil, fieldportal.Errorf(fieldportal.ENOTFOUND, linkGone)
	}
	t, err := a.db.FindToken(ctx, orgID, purpose, auth.HashToken(plain))
	if err != nil {
		return nil, nil, err
	}
	login, err := a.db.FindLoginByID(ctx, orgID, t.LoginID)
	if err != nil {
		return nil, nil, err
	}
	if login.Status == fieldportal.LoginDisabled {
		// A revoked login's links are dead, whatever their age.
		return nil, nil, fieldportal.Errorf(fieldportal.ENOTFOUND, linkGone)
	}
	contact, err := a.db.FindContactByID(ctx, fieldportal.SystemViewer(orgID, signInTask), login.ContactID)
	if err != nil {
		return nil, nil, err
	}
	return login, contact, nil
}

// FindLink returns what a still-usable invitation or reset link is for.
// For an invitation, Username is what the setup form starts with: the
// login's username, else the contact's email (SPEC §3).
func (a *Accounts) FindLink(ctx context.Context, orgID string, purpose fieldportal.TokenPurpose, token string) (*fieldportal.LinkTarget, error) {
	login, contact, err := a.tokenLogin(ctx, orgID, purpose, token)
	if err != nil {
		return nil, err
	}
	hint, err := a.PasswordPolicyHint(ctx, orgID)
	if err != nil {
		return nil, err
	}
	username := login.Username
	if username == "" && purpose == fieldportal.TokenInvite {
		username = contact.Email
	}
	return &fieldportal.LinkTarget{Username: username, Email: contact.Email, FirstName: contact.FirstName,
		LastName: contact.LastName, PolicyHint: hint}, nil
}

// CompleteReset sets the new password of a reset link; the store spends
// the link and ends every session of the login in the same transaction
// (SPEC §2.7). The browser's own session, of whatever login, ends too.
func (a *Accounts) CompleteReset(ctx context.Context, orgID, token string, p fieldportal.PasswordChange) error {
	login, contact, err := a.tokenLogin(ctx, orgID, fieldportal.TokenReset, token)
	if err != nil {
		return err
	}
	policy, err := a.policy(ctx, orgID)
	if err != nil {
		return err
	}
	var errs formErrors
	checkNewPassword(policy, &errs, p.Password, p.Confirm,
		login.Username, contact.Email, contact.FirstName, contact.LastName, contact.Name())
	if err := errs.err(); err != nil {
		return err
	}
	hash, err := a.cfg.Passwords.Hash(ctx, p.Password)
	if err != nil {
		return err
	}
	if _, err := a.db.CompleteReset(ctx, orgID, auth.HashToken(token), hash); err != nil {
		return err
	}
	return a.SignOut(ctx, p.OldToken)
}

// CompleteSetup completes an invitation: the contact confirms its name,
// chooses a username and a password, and is signed in.
func (a *Accounts) CompleteSetup(ctx context.Context, r fieldportal.SetupRequest) (*fieldportal.SignedIn, error) {
	login, contact, err := a.tokenLogin(ctx, r.OrgID, fieldportal.TokenInvite, r.Token)
	if err != nil {
		return nil, err
	}
	// Each submission counts, per link and per address, so one link cannot
	// be used to probe which usernames are taken.
	th, key := a.throttle("setup"), r.OrgID+":"+auth.HashToken(r.Token)
	if err := th.Check(ctx, key, r.ClientAddr); err != nil {
		return nil, err
	}
	if err := th.Fail(ctx, key, r.ClientAddr); err != nil {
		return nil, err
	}
	policy, err := a.policy(ctx, r.OrgID)
	if err != nil {
		return nil, err
	}
	first, last, username := strings.TrimSpace(r.FirstName), strings.TrimSpace(r.LastName), strings.TrimSpace(r.Username)
	var errs formErrors
	switch {
	case first == "":
		errs.add("first_name", "Enter your first name.")
	case len(first) > 100:
		errs.add("first_name", "First name must be at most 100 characters.")
	}
	if len(last) > 100 {
		errs.add("last_name", "Last name must be at most 100 characters.")
	}
	switch {
	case username == "":
		errs.add("username", "Choose a username.")
	case len(username) > 254 || strings.ContainsAny(username, " \t\r\n"):
		errs.add("username", "Username must be at most 254 characters with no spaces.")
	}
	checkNewPassword(policy, &errs, r.Password, r.Confirm, username, contact.Email, first, last, strings.TrimSpace(first+" "+last))
	if err := errs.err(); err != nil {
		return nil, err
	}
	hash, err := a.cfg.Passwords.Hash(ctx, r.Password)
	if err != nil {
		return nil, err
	}
	if _, err := a.db.CompleteSetup(ctx, r.OrgID, auth.HashToken(r.Token), first, last, username, hash); err != nil {
		return nil, err
	}
	// A contact whose company signs it in has its login set up (active)
	// but no session: a password is no way in for it (SignIn refuses
	// it), and the link alone must not pass its company's sign-in and its
	// factors (issue 21).
	if company, err := a.db.ssoCompanyOfLogin(ctx, r.OrgID, contact.ID); err != nil {
		return nil, err
	} else if company != "" {
		return nil, SSOPointer(company)
	}
	// An organisation that requires contacts to have a second factor
	// has this one set it up before its first session (issue 21).
	var o *factorOwner
	if err := a.db.inTx(ctx, func(tx *Tx) (err error) { o, err = tx.loginOwner(ctx, r.OrgID, login.ID); return err }); err != nil {
		return nil, err
	}
	if s, err := a.secondStep(ctx, o, username); err != nil || s != nil {
		return s, err
	}
	var s *fieldportal.SignedIn
	err = a.db.inTx(ctx, func(tx *Tx) error {
		s, err = a.startSession(ctx, tx, &fieldportal.Session{OrgID: r.OrgID, LoginID: login.ID}, r.OldToken, r.ClientAddr, r.UserAgent)
		return err
	})
	if err != nil {
		return nil, err
	}
	// This browser has now signed in to the account: it is a known device
	// for the username just chosen, under the password just set.
	secret, err := a.devicesSecret(ctx)
	if err != nil {
		return nil, err
	}
	if s.DeviceToken, err = auth.NewDeviceToken(secret, "portal", r.OrgID, username, hash); err != nil {
		return nil, err
	}
	return s, nil
}
