package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
	"github.com/fieldportal/fieldportal/mail"
)

// The sign-in pages (SPEC §3): sign in and out, forgotten password, the
// reset and invitation links, and changing one's password.

// wrongCredentials is the one answer to a failed sign-in, whether the
// account exists or not, so the page tells an attacker nothing.
const wrongCredentials = "Wrong username or password."

// resetSent is the one answer to a reset request, whether or not the
// address has a login.
const resetSent = "If that address has a portal login, we've sent a link to reset the password."

// maxFormBytes bounds a sign-in form's body; the forms are a few fields.
const maxFormBytes = 64 << 10

// throttle returns the throttle of a scope over the database's attempts,
// on the database's clock so that tests can move time.
func (s *Server) throttle(scope string) auth.Throttle {
	t := auth.NewThrottle(scope, s.db.Attempts())
	t.Now = func() time.Time { return s.db.Now() }
	return t
}

// parseForm reads a posted form with a size limit. On failure it has
// answered the request.
func (s *Server) parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil {
		s.Error(w, r, fieldportal.Errorf(fieldportal.EINVALID, "The form could not be read. Please try again."))
		return false
	}
	return true
}

// policyFor returns the organisation's password policy.
func (s *Server) policyFor(ctx context.Context, orgID string) (auth.PasswordPolicy, error) {
	settings, err := s.db.FindSettings(ctx, orgID)
	if err != nil {
		return auth.PasswordPolicy{}, err
	}
	return auth.PasswordPolicy(settings.PasswordPolicy), nil
}

// checkNewPassword validates a new password typed twice against the
// policy, naming every rule that failed. personal is what the user is
// known by, which the password may not be.
func checkNewPassword(policy auth.PasswordPolicy, errs FormErrors, password, confirm string, personal ...string) {
	if password == "" {
		errs["password"] = "Enter a new password."
	} else if err := policy.Check(password, personal...); err != nil {
		errs["password"] = fieldportal.ErrorMessage(err)
	}
	switch {
	case confirm == "":
		errs["confirm"] = "Repeat the new password."
	case confirm != password:
		errs["confirm"] = "The repeated password does not match the new password."
	}
}

// linkBase is the start of links in mail: the organisation's own host
// when it has one (several organisations on one install), else the
// configured base URL.
func (s *Server) linkBase(org *fieldportal.Organisation) string {
	base := strings.TrimSuffix(s.cfg.BaseURL, "/")
	if org != nil && org.Host != "" {
		scheme := "https"
		if u, err := url.Parse(base); err == nil && u.Scheme != "" {
			scheme = u.Scheme
		}
		return scheme + "://" + org.Host
	}
	return base
}

// --- sign in and out ------------------------------------------------------

// loginView is the sign-in page.
type loginView struct {
	Layout
	Errors   []fieldportal.FieldError
	Username FieldView
	Password FieldView
	Next     string
	// Notice is a fixed message chosen by the server from ?done=, never
	// text from the query itself.
	Notice string
}

// loginNotices are the messages the sign-in page shows after another page
// sent the user to it.
var loginNotices = map[string]string{
	"logout": "You have logged out.",
	"reset":  "Your password has been changed. Sign in with your new password.",
}

func (s *Server) renderLogin(w http.ResponseWriter, r *http.Request, status int, username, next string, errs FormErrors) {
	s.render(w, r, status, "login", loginView{
		Layout:   s.layoutFor(r, "Sign in"),
		Errors:   errs.List("username", "password"),
		Username: field("username", "Username or email address", "text", username, "username", errs),
		Password: field("password", "Password", "password", "", "current-password", errs),
		Next:     next,
		Notice:   loginNotices[r.URL.Query().Get("done")],
	})
}

// handleLoginForm shows the sign-in form.
func (s *Server) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if safeNext(next) != next {
		next = ""
	}
	s.renderLogin(w, r, http.StatusOK, "", next, FormErrors{})
}

// handleLogin signs a contact in with username or email and password.
// Failures are throttled per typed name and per client address; an
// unknown name costs the same hashing time as a known one and gets the
// same answer.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	org := OrganisationFromContext(ctx)
	username := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	next := r.PostForm.Get("next")
	if safeNext(next) != next {
		next = ""
	}
	errs := FormErrors{}
	if username == "" {
		errs["username"] = "Enter your username or email address."
	}
	if password == "" {
		errs["password"] = "Enter your password."
	}
	if errs.Has() {
		s.renderLogin(w, r, http.StatusBadRequest, username, next, errs)
		return
	}
	// Throttle keys carry the organisation: attempts on one portal do not
	// slow the same name on another.
	th, addr, account := s.throttle("login"), s.clientAddress(r), org.ID+":"+strings.ToLower(username)
	if err := th.Check(ctx, account, addr); err != nil {
		if fieldportal.ErrorCode(err) != fieldportal.ERATELIMIT {
			s.Error(w, r, err)
			return
		}
		s.renderLogin(w, r, http.StatusTooManyRequests, username, next, FormErrors{"": fieldportal.ErrorMessage(err)})
		return
	}
	// The attempt counts against the account before the password is
	// checked, so parallel guesses see each other at once instead of all
	// passing the check together; a success clears it.
	if err := th.Fail(ctx, account, ""); err != nil {
		s.Error(w, r, err)
		return
	}

	login, err := s.db.FindLoginForSignIn(ctx, org.ID, username)
	if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		s.Error(w, r, fmt.Errorf("find login: %w", err))
		return
	}
	ok := false
	if login != nil && err == nil && login.PasswordHash != "" {
		var verr error
		ok, verr = s.verifyPassword(ctx, login.PasswordHash, password)
		if verr == errBusy {
			s.Error(w, r, verr)
			return
		} else if verr != nil {
			s.logger.ErrorContext(ctx, "stored password hash unreadable", "login", login.ID, "err", verr)
			ok = false
		}
		// Only an active login signs in; an invited or disabled one fails
		// exactly like a wrong password, after the same work.
		ok = ok && login.Status == fieldportal.LoginActive
	} else if err := s.dummyVerify(ctx, password); err != nil {
		s.Error(w, r, err)
		return
	}
	if !ok {
		if err := th.Fail(ctx, "", addr); err != nil {
			s.Error(w, r, err)
			return
		}
		s.renderLogin(w, r, http.StatusUnauthorized, username, next, FormErrors{"": wrongCredentials})
		return
	}
	// A needed rehash (after the hasher's cost changed) is left for the
	// next password change: the store's only way to set a hash ends every
	// other session of the login.
	if err := th.Succeed(ctx, account); err != nil {
		s.logger.WarnContext(ctx, "clear login failures", "err", err)
	}
	if err := s.db.RecordLogin(ctx, login.ID); err != nil {
		s.logger.WarnContext(ctx, "record login", "err", err)
	}
	if err := s.startSession(w, r, org, login.ID); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, safeNext(next), http.StatusSeeOther)
}

// handleLogout ends the browser's session.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil && c.Value != "" {
		if err := s.db.DeleteSession(r.Context(), auth.HashToken(c.Value)); err != nil {
			s.Error(w, r, fmt.Errorf("delete session: %w", err))
			return
		}
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login?done=logout", http.StatusSeeOther)
}

// --- forgotten password ---------------------------------------------------

// forgotView is the forgotten-password page.
type forgotView struct {
	Layout
	Errors []fieldportal.FieldError
	Email  FieldView
	// Sent shows the one answer given to every valid request.
	Sent string
}

func (s *Server) renderForgot(w http.ResponseWriter, r *http.Request, status int, email, sent string, errs FormErrors) {
	s.render(w, r, status, "forgot", forgotView{
		Layout: s.layoutFor(r, "Reset your password"),
		Errors: errs.List("email"),
		Email:  field("email", "Email address", "email", email, "email", errs),
		Sent:   sent,
	})
}

// handleForgotForm asks for the address to send a reset link to.
func (s *Server) handleForgotForm(w http.ResponseWriter, r *http.Request) {
	s.renderForgot(w, r, http.StatusOK, "", "", FormErrors{})
}

// handleForgot sends a reset link when the address belongs to an active
// login, and gives the same answer either way. Every request counts
// against the throttle (there is no "success" to tell apart), per typed
// address and per client address, so nobody can flood an inbox.
func (s *Server) handleForgot(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	org := OrganisationFromContext(ctx)
	email := strings.TrimSpace(r.PostForm.Get("email"))
	errs := FormErrors{}
	switch {
	case email == "":
		errs["email"] = "Enter your email address."
	case !fieldportal.ValidEmail(email):
		errs["email"] = "Email address must be a valid address, like name@example.com."
	}
	if errs.Has() {
		s.renderForgot(w, r, http.StatusBadRequest, email, "", errs)
		return
	}
	th, addr := s.throttle("reset"), s.clientAddress(r)
	if err := th.Check(ctx, org.ID+":"+strings.ToLower(email), addr); err != nil {
		if fieldportal.ErrorCode(err) != fieldportal.ERATELIMIT {
			s.Error(w, r, err)
			return
		}
		s.renderForgot(w, r, http.StatusTooManyRequests, email, "", FormErrors{"": fieldportal.ErrorMessage(err)})
		return
	}
	if err := th.Fail(ctx, org.ID+":"+strings.ToLower(email), addr); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.sendReset(ctx, org, email); err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderForgot(w, r, http.StatusOK, email, resetSent, FormErrors{})
}

// sendReset issues a reset link for the active login whose contact has
// this email and queues the mail, in one transaction. It does nothing,
// and says nothing, when there is no such login. The link goes only to
// the address on file, never to a typed one that matched a username.
func (s *Server) sendReset(ctx context.Context, org *fieldportal.Organisation, email string) error {
	login, err := s.db.FindLoginByEmail(ctx, org.ID, email)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return nil
	} else if err != nil {
		return fmt.Errorf("find login: %w", err)
	}
	if login.Status != fieldportal.LoginActive {
		return nil
	}
	sys := fieldportal.SystemViewer(org.ID, "test")
	contact, err := s.db.FindContactByID(ctx, sys, login.ContactID)
	if err != nil {
		return fmt.Errorf("find contact: %w", err)
	}
	if !strings.EqualFold(strings.TrimSpace(contact.Email), email) {
		return nil
	}
	err = s.issueReset(ctx, sys, org, login, contact)
	if fieldportal.ErrorCode(err) == fieldportal.ECONFLICT {
		return nil // a link was sent a moment ago: the same answer as ever
	}
	return err
}

// issueReset issues a reset link (1 h) for a login and queues the mail to
// its contact's address, in one transaction.
func (s *Server) issueReset(ctx context.Context, v fieldportal.Viewer, org *fieldportal.Organisation, login *fieldportal.PortalLogin, contact *fieldportal.Contact) error {
	if !fieldportal.ValidEmail(strings.TrimSpace(contact.Email)) {
		return fieldportal.FieldErrorf("email", "The contact needs a valid email address to be sent a reset link.")
	}
	plain, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	m := mail.PasswordReset(org.Name, greetingName(contact), s.linkBase(org)+"/reset/"+plain)
	m.To = strings.TrimSpace(contact.Email)
	return s.db.IssueToken(ctx, v,
		&fieldportal.OneTimeToken{TokenHash: hash, OrgID: org.ID, Purpose: fieldportal.TokenReset, LoginID: login.ID},
		mail.Outbox(org.ID, "reset", m))
}

// greetingName is how a mail addresses its reader.
func greetingName(c *fieldportal.Contact) string {
	if n := strings.TrimSpace(c.FirstName); n != "" {
		return n
	}
	return "there"
}

// --- single-use links -----------------------------------------------------

// linkGoneView is the page of a used, expired or unknown link.
type linkGoneView struct {
	Layout
	Message string
	// Retry is where to ask for a new link, if the user can.
	Retry, RetryLabel string
}

// linkGone answers a link that no longer works: a 404 with a way on, or
// the error page for any other failure.
func (s *Server) linkGone(w http.ResponseWriter, r *http.Request, err error, purpose fieldportal.TokenPurpose) {
	if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		s.Error(w, r, err)
		return
	}
	v := linkGoneView{Layout: s.layoutFor(r, "This link no longer works"),
		Message: "This link has expired or has already been used."}
	if purpose == fieldportal.TokenReset {
		v.Retry, v.RetryLabel = "/forgot", "Ask for a new reset link"
	} else {
		v.Message += " Ask the contractor to send you portal access again."
		v.Retry, v.RetryLabel = "/login", "Go to the sign-in page"
	}
	s.render(w, r, http.StatusNotFound, "linkgone", v)
}

// tokenLogin finds the login and contact a still-usable link is for.
func (s *Server) tokenLogin(ctx context.Context, org *fieldportal.Organisation, purpose fieldportal.TokenPurpose, plain string) (*fieldportal.PortalLogin, *fieldportal.Contact, error) {
	t, err := s.db.FindToken(ctx, org.ID, purpose, auth.HashToken(plain))
	if err != nil {
		return nil, nil, err
	}
	login, err := s.db.FindLoginByID(ctx, org.ID, t.LoginID)
	if err != nil {
		return nil, nil, err
	}
	if login.Status == fieldportal.LoginDisabled {
		// A revoked login's links are dead, whatever their age.
		return nil, nil, fieldportal.Errorf(fieldportal.ENOTFOUND, "This link has expired or has already been used.")
	}
	contact, err := s.db.FindContactByID(ctx, fieldportal.SystemViewer(org.ID, "test"), login.ContactID)
	if err != nil {
		return nil, nil, err
	}
	return login, contact, nil
}

// resetView is the page of a reset link.
type resetView struct {
	Layout
	Errors     []fieldportal.FieldError
	Password   FieldView
	Confirm    FieldView
	PolicyHint string
}

func (s *Server) renderReset(w http.ResponseWriter, r *http.Request, status int, policy auth.PasswordPolicy, errs FormErrors) {
	v := resetView{
		Layout:   s.layoutFor(r, "Choose a new password"),
		Errors:   errs.List("password", "confirm"),
		Password: field("password", "New password", "password", "", "new-password", errs),
		Confirm:  field("confirm", "Repeat the new password", "password", "", "new-password", errs),
	}
	v.PolicyHint = policy.Describe()
	v.Password.Hint = v.PolicyHint
	s.render(w, r, status, "reset", v)
}

// handleResetForm shows the new-password form of a reset link.
func (s *Server) handleResetForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	org := OrganisationFromContext(ctx)
	if _, _, err := s.tokenLogin(ctx, org, fieldportal.TokenReset, r.PathValue("token")); err != nil {
		s.linkGone(w, r, err, fieldportal.TokenReset)
		return
	}
	policy, err := s.policyFor(ctx, org.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderReset(w, r, http.StatusOK, policy, FormErrors{})
}

// handleReset sets the new password; the store spends the link and ends
// every session of the login in the same transaction (SPEC §2.7).
func (s *Server) handleReset(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	org := OrganisationFromContext(ctx)
	token := r.PathValue("token")
	login, contact, err := s.tokenLogin(ctx, org, fieldportal.TokenReset, token)
	if err != nil {
		s.linkGone(w, r, err, fieldportal.TokenReset)
		return
	}
	policy, err := s.policyFor(ctx, org.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	errs := FormErrors{}
	password := r.PostForm.Get("password")
	checkNewPassword(policy, errs, password, r.PostForm.Get("confirm"),
		login.Username, contact.Email, contact.FirstName, contact.LastName, contact.Name())
	if errs.Has() {
		s.renderReset(w, r, http.StatusBadRequest, policy, errs)
		return
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if _, err := s.db.CompleteReset(ctx, org.ID, auth.HashToken(token), hash); err != nil {
		s.linkGone(w, r, err, fieldportal.TokenReset)
		return
	}
	s.clearSessionCookie(w)
	http.Redirect(w, r, "/login?done=reset", http.StatusSeeOther)
}

// setupView is the page of an invitation link.
type setupView struct {
	Layout
	Errors     []fieldportal.FieldError
	FirstName  FieldView
	LastName   FieldView
	Username   FieldView
	Password   FieldView
	Confirm    FieldView
	PolicyHint string
}

type setupInput struct{ first, last, username string }

func (s *Server) renderSetup(w http.ResponseWriter, r *http.Request, status int, policy auth.PasswordPolicy, in setupInput, errs FormErrors) {
	v := setupView{
		Layout:    s.layoutFor(r, "Set up your portal access"),
		Errors:    errs.List("first_name", "last_name", "username", "password", "confirm"),
		FirstName: field("first_name", "First name", "text", in.first, "given-name", errs),
		LastName:  field("last_name", "Last name", "text", in.last, "family-name", errs),
		Username:  field("username", "Username", "text", in.username, "username", errs),
		Password:  field("password", "Password", "password", "", "new-password", errs),
		Confirm:   field("confirm", "Repeat the password", "password", "", "new-password", errs),
	}
	v.LastName.Required = false
	v.Username.Hint = "You can sign in with this or with your email address."
	v.PolicyHint = policy.Describe()
	v.Password.Hint = v.PolicyHint
	s.render(w, r, status, "setup", v)
}

// handleSetupForm shows the invitation form, prefilled from the contact;
// the username defaults to the email address (SPEC §3).
func (s *Server) handleSetupForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	org := OrganisationFromContext(ctx)
	login, contact, err := s.tokenLogin(ctx, org, fieldportal.TokenInvite, r.PathValue("token"))
	if err != nil {
		s.linkGone(w, r, err, fieldportal.TokenInvite)
		return
	}
	policy, err := s.policyFor(ctx, org.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	username := login.Username
	if username == "" {
		username = contact.Email
	}
	s.renderSetup(w, r, http.StatusOK, policy, setupInput{contact.FirstName, contact.LastName, username}, FormErrors{})
}

// handleSetup completes an invitation and signs the new user in.
func (s *Server) handleSetup(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	org := OrganisationFromContext(ctx)
	token := r.PathValue("token")
	login, contact, err := s.tokenLogin(ctx, org, fieldportal.TokenInvite, token)
	if err != nil {
		s.linkGone(w, r, err, fieldportal.TokenInvite)
		return
	}
	// Each submission counts, per link and per address, so one link cannot
	// be used to probe which usernames are taken.
	th := s.throttle("setup")
	if err := th.Check(ctx, org.ID+":"+auth.HashToken(token), s.clientAddress(r)); err != nil {
		s.Error(w, r, err)
		return
	}
	if err := th.Fail(ctx, org.ID+":"+auth.HashToken(token), s.clientAddress(r)); err != nil {
		s.Error(w, r, err)
		return
	}
	policy, err := s.policyFor(ctx, org.ID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	in := setupInput{
		first:    strings.TrimSpace(r.PostForm.Get("first_name")),
		last:     strings.TrimSpace(r.PostForm.Get("last_name")),
		username: strings.TrimSpace(r.PostForm.Get("username")),
	}
	errs := FormErrors{}
	switch {
	case in.first == "":
		errs["first_name"] = "Enter your first name."
	case len(in.first) > 100:
		errs["first_name"] = "First name must be at most 100 characters."
	}
	if len(in.last) > 100 {
		errs["last_name"] = "Last name must be at most 100 characters."
	}
	switch {
	case in.username == "":
		errs["username"] = "Choose a username."
	case len(in.username) > 254 || strings.ContainsAny(in.username, " \t\r\n"):
		errs["username"] = "Username must be at most 254 characters with no spaces."
	}
	password := r.PostForm.Get("password")
	checkNewPassword(policy, errs, password, r.PostForm.Get("confirm"),
		in.username, contact.Email, in.first, in.last, strings.TrimSpace(in.first+" "+in.last))
	if errs.Has() {
		s.renderSetup(w, r, http.StatusBadRequest, policy, in, errs)
		return
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if _, err := s.db.CompleteSetup(ctx, org.ID, auth.HashToken(token), in.first, in.last, in.username, hash); err != nil {
		if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
			s.renderSetup(w, r, http.StatusBadRequest, policy, in, formErrors(err))
			return
		}
		s.linkGone(w, r, err, fieldportal.TokenInvite)
		return
	}
	if err := s.startSession(w, r, org, login.ID); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// SendInvite sends a contact the invitation to set up its portal login
// (SPEC §3): a single-use link valid 72 hours, whose mail is queued in the
// same transaction; re-sending voids the previous link. The viewer (staff
// in the console, or a contact who manages contacts) must reach the
// contact, which the store checks.
func (s *Server) SendInvite(ctx context.Context, v fieldportal.Viewer, login *fieldportal.PortalLogin, contact *fieldportal.Contact) error {
	if !fieldportal.ValidEmail(strings.TrimSpace(contact.Email)) {
		return fieldportal.FieldErrorf("email", "Email must be a valid address to send portal access.")
	}
	current, err := s.db.FindLoginByContact(ctx, v, contact.ID)
	if err != nil {
		return err
	}
	if current.ID != login.ID {
		return fieldportal.NotFound("login")
	}
	if current.Status == fieldportal.LoginDisabled {
		return fieldportal.Errorf(fieldportal.ECONFLICT, "This portal login is disabled; enable it before sending access.")
	}
	// Invitations are rate-limited per login: each one is a mail to a
	// person who may not want it.
	th := s.throttle("invite")
	th.PerAccount = auth.Limit{Free: 5, Window: time.Hour, MaxDelay: time.Hour}
	if err := th.Check(ctx, v.OrgID+":"+login.ID, ""); err != nil {
		return err
	}
	if err := th.Fail(ctx, v.OrgID+":"+login.ID, ""); err != nil {
		return err
	}
	org, err := s.db.FindOrganisationByID(ctx, v.OrgID)
	if err != nil {
		return err
	}
	plain, hash, err := auth.NewToken()
	if err != nil {
		return err
	}
	expires := s.db.Now().Add(fieldportal.TokenInvite.Lifetime())
	m := mail.Invite(org.Name, greetingName(contact), s.linkBase(org)+"/setup/"+plain, expires)
	m.To = strings.TrimSpace(contact.Email)
	return s.db.IssueToken(ctx, v,
		&fieldportal.OneTimeToken{TokenHash: hash, OrgID: org.ID, Purpose: fieldportal.TokenInvite, LoginID: login.ID, ExpiresAt: expires},
		mail.Outbox(org.ID, "invite", m))
}

// --- change password -------------------------------------------------------

// passwordView is the change-password page.
type passwordView struct {
	Layout
	Errors     []fieldportal.FieldError
	Current    FieldView
	Password   FieldView
	Confirm    FieldView
	PolicyHint string
	// Forced: the password was set by someone else and must be changed
	// before anything else (SPEC §3).
	Forced bool
}

func (s *Server) renderPassword(w http.ResponseWriter, r *http.Request, status int, policy auth.PasswordPolicy, forced bool, errs FormErrors) {
	v := passwordView{
		Layout:   s.layoutFor(r, "Change your password"),
		Errors:   errs.List("current", "password", "confirm"),
		Current:  field("current", "Current password", "password", "", "current-password", errs),
		Password: field("password", "New password", "password", "", "new-password", errs),
		Confirm:  field("confirm", "Repeat the new password", "password", "", "new-password", errs),
		Forced:   forced,
	}
	if forced {
		// Every other page sends the user back here; a menu of them
		// would only mislead.
		v.Nav = nil
	}
	v.PolicyHint = policy.Describe()
	v.Password.Hint = v.PolicyHint
	s.render(w, r, status, "password", v)
}

// handlePasswordForm shows the change-password form.
func (s *Server) handlePasswordForm(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	login, err := s.db.FindLoginByID(ctx, v.OrgID, v.LoginID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	policy, err := s.policyFor(ctx, v.OrgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.renderPassword(w, r, http.StatusOK, policy, login.MustChangePassword, FormErrors{})
}

// handlePassword changes the signed-in contact's password. Storing it
// ends every session of the login (SPEC §2.7), so this browser gets a new
// one. Guesses of the current password are throttled like sign-ins.
func (s *Server) handlePassword(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	org := OrganisationFromContext(ctx)
	v, _ := ViewerFromContext(ctx)
	login, err := s.db.FindLoginByID(ctx, v.OrgID, v.LoginID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	contact, err := s.db.FindContactByID(ctx, v, v.ContactID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	policy, err := s.policyFor(ctx, v.OrgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	th, addr := s.throttle("password"), s.clientAddress(r)
	if err := th.Check(ctx, login.ID, addr); err != nil {
		if fieldportal.ErrorCode(err) != fieldportal.ERATELIMIT {
			s.Error(w, r, err)
			return
		}
		s.renderPassword(w, r, http.StatusTooManyRequests, policy, login.MustChangePassword, FormErrors{"": fieldportal.ErrorMessage(err)})
		return
	}
	current, password := r.PostForm.Get("current"), r.PostForm.Get("password")
	errs := FormErrors{}
	if current == "" {
		errs["current"] = "Enter your current password."
	} else if ok, verr := s.verifyPassword(ctx, login.PasswordHash, current); verr != nil || !ok {
		if err := th.Fail(ctx, login.ID, addr); err != nil {
			s.Error(w, r, err)
			return
		}
		errs["current"] = "Current password is not right."
	}
	checkNewPassword(policy, errs, password, r.PostForm.Get("confirm"),
		login.Username, contact.Email, contact.FirstName, contact.LastName, contact.Name())
	if _, bad := errs["password"]; !bad && password != "" && password == current {
		errs["password"] = "New password must be different from the current one."
	}
	if errs.Has() {
		s.renderPassword(w, r, http.StatusBadRequest, policy, login.MustChangePassword, errs)
		return
	}
	hash, err := s.hashPassword(ctx, password)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	if err := s.db.SetLoginPassword(ctx, org.ID, login.ID, hash, false); err != nil {
		s.Error(w, r, err)
		return
	}
	th.Succeed(ctx, login.ID)
	if err := s.startSession(w, r, org, login.ID); err != nil {
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
