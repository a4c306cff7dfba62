package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// Signing in and the sessions it makes (SPEC §3). Failures are throttled
// per typed name and per client address; an unknown name costs the same
// hashing time as a known one and gets the same answer.

// SignIn signs a contact in with its username or email and password.
func (a *Accounts) SignIn(ctx context.Context, r fieldportal.SignInRequest) (*fieldportal.SignedIn, error) {
	name := strings.TrimSpace(r.Name)
	var errs formErrors
	if name == "" {
		errs.add("username", "Enter your username or email address.")
	}
	if r.Password == "" {
		errs.add("password", "Enter your password.")
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	// The login is found first, whatever the throttles say, as the device
	// token is bound to its password; every attempt makes the same query.
	login, err := a.db.FindLoginForSignIn(ctx, r.OrgID, name)
	if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		return nil, fmt.Errorf("find login: %w", err)
	}
	found := err == nil
	credential := ""
	if found {
		credential = login.PasswordHash
	}
	g, err := a.openGate(ctx, "login", "portal", r.OrgID, name, credential, r.ClientAddr, r.DeviceToken)
	if err != nil {
		return nil, err
	}
	ok := false
	if found && login.PasswordHash != "" {
		if ok, err = a.verify(ctx, login.PasswordHash, r.Password, "login", login.ID); err != nil {
			return nil, err
		}
		// Only an active login signs in; an invited or disabled one fails
		// exactly like a wrong password, after the same work.
		ok = ok && login.Status == fieldportal.LoginActive
	} else if err := a.cfg.Passwords.DummyVerify(ctx, r.Password); err != nil {
		return nil, err
	}
	if !ok {
		if err := g.failed(ctx); err != nil {
			return nil, err
		}
		if found {
			a.auditFailure(ctx, r.OrgID, fieldportal.DoorPortal, "login", login.ID)
		}
		return nil, fieldportal.Errorf(fieldportal.EUNAUTHORIZED, wrongCredentials)
	}
	g.succeeded(ctx)
	// A contact whose company signs it in uses that, not a password; only
	// the holder of the right password learns so (issue 21).
	if company, err := a.db.ssoCompanyOfLogin(ctx, r.OrgID, login.ContactID); err != nil {
		return nil, err
	} else if company != "" {
		return nil, SSOPointer(company)
	}
	var o *factorOwner
	if err := a.db.inTx(ctx, func(tx *Tx) (err error) { o, err = tx.loginOwner(ctx, r.OrgID, login.ID); return err }); err != nil {
		return nil, err
	}
	// A second factor, or one the organisation requires, is a step more
	// (issue 21): a challenge instead of a session.
	if s, err := a.secondStep(ctx, o, name); err != nil || s != nil {
		return s, err
	}
	return a.completeSignIn(ctx, o, answerOf(r), g, nil)
}

// answerOf is what a sign-in request brings that starting its session needs.
func answerOf(r fieldportal.SignInRequest) fieldportal.ChallengeAnswer {
	return fieldportal.ChallengeAnswer{OrgID: r.OrgID, ClientAddr: r.ClientAddr, UserAgent: r.UserAgent,
		OldToken: r.OldToken, DeviceToken: r.DeviceToken}
}

// StaffSignIn signs a staff user in to the console; throttled and
// answered like the portal's sign-in, so it reveals no account either.
func (a *Accounts) StaffSignIn(ctx context.Context, r fieldportal.SignInRequest) (*fieldportal.SignedIn, error) {
	email := strings.TrimSpace(r.Name)
	var errs formErrors
	if email == "" {
		errs.add("email", "Enter your email address.")
	}
	if r.Password == "" {
		errs.add("password", "Enter your password.")
	}
	if err := errs.err(); err != nil {
		return nil, err
	}
	// The account is found first, as for a contact (see SignIn).
	u, err := a.db.FindStaffByEmail(ctx, r.OrgID, email)
	found := err == nil
	if !found && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		return nil, fmt.Errorf("find staff user: %w", err)
	}
	credential := ""
	if found {
		credential = u.PasswordHash
	}
	g, err := a.openGate(ctx, "console", "console", r.OrgID, email, credential, r.ClientAddr, r.DeviceToken)
	if err != nil {
		return nil, err
	}
	ok := false
	if found {
		if ok, err = a.verify(ctx, u.PasswordHash, r.Password, "staff", u.ID); err != nil {
			return nil, err
		}
		ok = ok && !u.Disabled
	} else if err := a.cfg.Passwords.DummyVerify(ctx, r.Password); err != nil {
		return nil, err
	}
	if !ok {
		if err := g.failed(ctx); err != nil {
			a.db.logger.WarnContext(ctx, "record failed staff sign-in", "err", err)
		}
		if found {
			a.auditFailure(ctx, r.OrgID, fieldportal.DoorConsole, "staff", u.ID)
		}
		return nil, fieldportal.Errorf(fieldportal.EUNAUTHORIZED, wrongStaffCredentials)
	}
	g.succeeded(ctx)
	var o *factorOwner
	if err := a.db.inTx(ctx, func(tx *Tx) (err error) { o, err = tx.staffOwner(ctx, r.OrgID, u.ID); return err }); err != nil {
		return nil, err
	}
	if s, err := a.secondStep(ctx, o, email); err != nil || s != nil {
		return s, err
	}
	return a.completeSignIn(ctx, o, answerOf(r), g, nil)
}

// auditFailure records a failed sign-in for an account that exists (see
// auditSignIn for what is kept and how many). It is not the sign-in's
// answer: a log that cannot be written is logged, and the attempt still
// fails as it must.
func (a *Accounts) auditFailure(ctx context.Context, orgID string, door fieldportal.Door, entity, id string) {
	err := a.db.inTx(ctx, func(tx *Tx) error {
		return tx.auditSignIn(ctx, orgID, door, auditActor{kind: fieldportal.ActorAnonymous}, entity, id)
	})
	if err != nil {
		a.db.logger.WarnContext(ctx, "record failed sign-in in the audit log", "err", err)
	}
}

// verify checks a password against a stored hash. Only a busy server or
// an ended request is an error; an unreadable stored hash is logged and
// fails like a wrong password.
func (a *Accounts) verify(ctx context.Context, encoded, password, kind, id string) (bool, error) {
	ok, err := a.cfg.Passwords.Verify(ctx, encoded, password)
	switch {
	case err == nil:
		return ok, nil
	case errors.Is(err, auth.ErrMalformedHash):
		a.db.logger.ErrorContext(ctx, "stored password hash unreadable", kind, id, "err", err)
		return false, nil
	}
	return false, err
}

// ContactSession returns the viewer of a live contact session, read from
// the database so a disabled login or narrowed access applies at once
// (SPEC §2.7). A session whose login is disabled, not yet set up or gone
// is ended; the answer is then ENOTFOUND, as for no session at all.
func (a *Accounts) ContactSession(ctx context.Context, orgID, token string) (fieldportal.Viewer, error) {
	sess, err := a.session(ctx, orgID, token)
	if err != nil {
		return fieldportal.Viewer{}, err
	}
	if sess.LoginID == "" {
		return fieldportal.Viewer{}, fieldportal.NotFound("session")
	}
	v, err := a.db.ViewerForLogin(ctx, orgID, sess.LoginID)
	if err != nil {
		return fieldportal.Viewer{}, a.endSession(ctx, sess, err)
	}
	if err := a.db.TouchSession(ctx, sess); err != nil {
		// Only the idle clock is late; the request can go on.
		a.db.logger.WarnContext(ctx, "touch session", "err", err)
	}
	return v, nil
}

// StaffSession is ContactSession for the console: a live staff session of
// an enabled staff user.
func (a *Accounts) StaffSession(ctx context.Context, orgID, token string) (fieldportal.Viewer, error) {
	sess, err := a.session(ctx, orgID, token)
	if err != nil {
		return fieldportal.Viewer{}, err
	}
	if sess.StaffID == "" {
		return fieldportal.Viewer{}, fieldportal.NotFound("session")
	}
	v, err := a.db.ViewerForStaff(ctx, orgID, sess.StaffID)
	if err != nil {
		return fieldportal.Viewer{}, a.endSession(ctx, sess, err)
	}
	if err := a.db.TouchSession(ctx, sess); err != nil {
		a.db.logger.WarnContext(ctx, "touch staff session", "err", err)
	}
	return v, nil
}

// session finds the live session of a token (idle and absolute
// time-outs applied), or ENOTFOUND.
func (a *Accounts) session(ctx context.Context, orgID, token string) (*fieldportal.Session, error) {
	if token == "" || orgID == "" {
		return nil, fieldportal.NotFound("session")
	}
	sess, err := a.db.FindSession(ctx, orgID, auth.HashToken(token), a.cfg.IdleTimeout)
	if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		return nil, fmt.Errorf("load session: %w", err)
	}
	return sess, err
}

// endSession ends a session whose user may no longer sign in (the viewer
// lookup said unauthorized or not found) and answers ENOTFOUND; any
// other failure is returned as it is and the session kept.
func (a *Accounts) endSession(ctx context.Context, sess *fieldportal.Session, err error) error {
	switch fieldportal.ErrorCode(err) {
	case fieldportal.EUNAUTHORIZED, fieldportal.ENOTFOUND:
	default:
		return fmt.Errorf("load viewer: %w", err)
	}
	if err := a.db.DeleteSession(ctx, sess.TokenHash); err != nil {
		return fmt.Errorf("end session: %w", err)
	}
	return fieldportal.NotFound("session")
}

// SignOut ends the session of a token; no session is no error.
func (a *Accounts) SignOut(ctx context.Context, token string) error {
	if token == "" {
		return nil
	}
	if err := a.db.DeleteSession(ctx, auth.HashToken(token)); err != nil {
		return fmt.Errorf("delete session: %w", err)
	}
	return nil
}
