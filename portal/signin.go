package portal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The sign-in pages (SPEC §3): sign in and out, forgotten password, the
// reset and invitation links, and changing one's password. The sign-in
// service does the work (throttles, hashing, tokens, mail); these
// handlers read the forms and show the answers.

// resetSent is the one answer to a reset request, whether or not the
// address has a login.
const resetSent = "If that address has a portal login, we've sent a link to reset the password."

// --- sign in and out ------------------------------------------------------

// loginView is the sign-in page.
type loginView struct {
	web.Layout
	Errors   []fieldportal.FieldError
	Username web.FieldView
	Password web.FieldView
	Next     string
	// Notice is a fixed message chosen by the server from ?done=, never
	// text from the query itself.
	Notice string
	// SSO, when Company is set, offers the email's company sign-in
	// (sso.go); with the service, the page carries sso.js, which offers it
	// as the address is typed.
	SSO ssoOffer
}

// ssoOffer is the "Continue with <company>" form of the sign-in page.
type ssoOffer struct {
	On      bool
	Company string
	// StartURL starts the flow for the email typed (and next).
	StartURL string
}

// loginNotices are the messages the sign-in page shows after another page
// sent the user to it.
var loginNotices = map[string]string{
	"logout": "You have logged out.",
	"reset":  "Your password has been changed. Sign in with your new password.",
	"email":  "Your email address has been changed. Sign in with your new address.",
	// A sign-in's second step ended (ten minutes, too many codes, or
	// the account changed): the password is asked for again.
	web.ChallengeEnded: "Your sign-in ended before it was finished. Sign in again.",
	"company": "Your portal access is set up. Your company signs you in: enter your email address and choose " +
		"“Continue with” your company.",
}

func (p *Portal) renderLogin(w http.ResponseWriter, r *http.Request, status int, username, next string, errs web.FormErrors) {
	p.renderLoginOffer(w, r, status, username, next, errs, "")
}

// renderLoginOffer is renderLogin offering a company's sign-in.
func (p *Portal) renderLoginOffer(w http.ResponseWriter, r *http.Request, status int, username, next string, errs web.FormErrors, company string) {
	p.pages.Render(w, r, status, "login", loginView{
		SSO:      ssoOffer{On: p.svc.SSO != nil, Company: company, StartURL: ssoStartURL(company, username, next)},
		Layout:   p.layout(r, "Sign in"),
		Errors:   errs.List("username", "password"),
		Username: web.Field("username", "Username or email address", "text", username, "username", errs),
		Password: web.Field("password", "Password", "password", "", "current-password", errs),
		Next:     next,
		Notice:   loginNotices[r.URL.Query().Get("done")],
	})
}

// handleLoginForm shows the sign-in form.
func (p *Portal) handleLoginForm(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if web.SafeNext(next) != next {
		next = ""
	}
	p.renderLogin(w, r, http.StatusOK, "", next, web.FormErrors{})
}

// handleLogin signs a contact in with username or email and password.
func (p *Portal) handleLogin(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	username := strings.TrimSpace(r.PostForm.Get("username"))
	password := r.PostForm.Get("password")
	next := r.PostForm.Get("next")
	if web.SafeNext(next) != next {
		next = ""
	}
	// An email of a company that signs its people in gets that company's
	// button instead of a password check (issue 21); it tells only that
	// the domain has one, as sso.js's endpoint does.
	// Past the address's lookups, the password check (throttled itself)
	// answers as it would for any other address.
	if company, err := p.ssoCompany(r, username); err != nil && fieldportal.ErrorCode(err) != fieldportal.ERATELIMIT {
		p.kit.Error(w, r, err)
		return
	} else if company != "" {
		p.renderLoginOffer(w, r, http.StatusOK, username, next, web.FormErrors{}, company)
		return
	}
	// The service names an empty field; any other refusal is one message
	// for the whole form, which tells nothing about the account.
	s, err := p.svc.SignIn.SignIn(r.Context(), p.kit.SignInRequest(p.door, r, username, password))
	if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		p.renderLogin(w, r, http.StatusBadRequest, username, next, web.ErrorsOf(err))
		return
	} else if web.IsFormError(err) {
		p.renderLogin(w, r, web.StatusFor(fieldportal.ErrorCode(err)), username, next, web.FormErrors{"": fieldportal.ErrorMessage(err)})
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.kit.StartSession(p.door, w, s)
	dest := web.SafeNext(next)
	switch {
	case s.Challenge != "":
		dest = withNext(s.Next, next) // a second step is owed (issue 21)
	case s.Next != "":
		dest = s.Next // a password set by someone else is changed first
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// handleLogout ends the browser's session.
func (p *Portal) handleLogout(w http.ResponseWriter, r *http.Request) {
	if token := web.CookieValue(r, sessionCookie); token != "" {
		if err := p.svc.SignIn.SignOut(r.Context(), token); err != nil {
			p.kit.Error(w, r, err)
			return
		}
	}
	p.kit.ClearCookie(w, sessionCookie, "/")
	p.kit.ClearCookie(w, challengeCookie, "/")
	http.Redirect(w, r, "/login?done=logout", http.StatusSeeOther)
}

// --- forgotten password ---------------------------------------------------

// forgotView is the forgotten-password page.
type forgotView struct {
	web.Layout
	Errors []fieldportal.FieldError
	Email  web.FieldView
	// Sent shows the one answer given to every valid request.
	Sent string
}

func (p *Portal) renderForgot(w http.ResponseWriter, r *http.Request, status int, email, sent string, errs web.FormErrors) {
	p.pages.Render(w, r, status, "forgot", forgotView{
		Layout: p.layout(r, "Reset your password"),
		Errors: errs.List("email"),
		Email:  web.Field("email", "Email address", "email", email, "email", errs),
		Sent:   sent,
	})
}

// handleForgotForm asks for the address to send a reset link to.
func (p *Portal) handleForgotForm(w http.ResponseWriter, r *http.Request) {
	p.renderForgot(w, r, http.StatusOK, "", "", web.FormErrors{})
}

// handleForgot asks for a reset link and gives the same answer whether
// or not the address has a login.
func (p *Portal) handleForgot(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	org := web.OrganisationFromContext(r.Context())
	email := strings.TrimSpace(r.PostForm.Get("email"))
	errs := web.FormErrors{}
	switch {
	case email == "":
		errs["email"] = "Enter your email address."
	case !fieldportal.ValidEmail(email):
		errs["email"] = "Email address must be a valid address, like name@example.com."
	}
	if errs.Has() {
		p.renderForgot(w, r, http.StatusBadRequest, email, "", errs)
		return
	}
	err := p.svc.SignIn.RequestPasswordReset(r.Context(), org.ID, email, p.kit.ClientAddress(r))
	if fieldportal.ErrorCode(err) == fieldportal.ERATELIMIT {
		p.renderForgot(w, r, http.StatusTooManyRequests, email, "", web.FormErrors{"": fieldportal.ErrorMessage(err)})
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.renderForgot(w, r, http.StatusOK, email, resetSent, web.FormErrors{})
}

// --- single-use links -----------------------------------------------------

// linkGoneView is the page of a used, expired or unknown link.
type linkGoneView struct {
	web.Layout
	Message string
	// Retry is where to ask for a new link, if the user can.
	Retry, RetryLabel string
}

// linkGone answers a link that no longer works: a 404 with a way on, or
// the error page for any other failure.
func (p *Portal) linkGone(w http.ResponseWriter, r *http.Request, err error, purpose fieldportal.TokenPurpose) {
	if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		p.kit.Error(w, r, err)
		return
	}
	v := linkGoneView{Layout: p.layout(r, "This link no longer works"),
		Message: "This link has expired or has already been used."}
	if purpose == fieldportal.TokenReset {
		v.Retry, v.RetryLabel = "/forgot", "Ask for a new reset link"
	} else {
		v.Message += " Ask the contractor to send you portal access again."
		v.Retry, v.RetryLabel = "/login", "Go to the sign-in page"
	}
	p.pages.Render(w, r, http.StatusNotFound, "linkgone", v)
}

// resetView is the page of a reset link.
type resetView struct {
	web.Layout
	Errors     []fieldportal.FieldError
	Password   web.FieldView
	Confirm    web.FieldView
	PolicyHint string
}

func (p *Portal) renderReset(w http.ResponseWriter, r *http.Request, status int, hint string, errs web.FormErrors) {
	v := resetView{
		Layout:     p.layout(r, "Choose a new password"),
		Errors:     errs.List("password", "confirm"),
		Password:   web.Field("password", "New password", "password", "", "new-password", errs),
		Confirm:    web.Field("confirm", "Repeat the new password", "password", "", "new-password", errs),
		PolicyHint: hint,
	}
	v.Password.Hint = hint
	p.pages.Render(w, r, status, "reset", v)
}

// handleResetForm shows the new-password form of a reset link.
func (p *Portal) handleResetForm(w http.ResponseWriter, r *http.Request) {
	org := web.OrganisationFromContext(r.Context())
	link, err := p.svc.SignIn.FindLink(r.Context(), org.ID, fieldportal.TokenReset, r.PathValue("token"))
	if err != nil {
		p.linkGone(w, r, err, fieldportal.TokenReset)
		return
	}
	p.renderReset(w, r, http.StatusOK, link.PolicyHint, web.FormErrors{})
}

// handleReset sets the new password; the service spends the link and ends
// every session of the login in the same transaction (SPEC §2.7), and the
// session this browser holds, whoever's it is.
func (p *Portal) handleReset(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	org := web.OrganisationFromContext(r.Context())
	token := r.PathValue("token")
	link, err := p.svc.SignIn.FindLink(r.Context(), org.ID, fieldportal.TokenReset, token)
	if err != nil {
		p.linkGone(w, r, err, fieldportal.TokenReset)
		return
	}
	err = p.svc.SignIn.CompleteReset(r.Context(), org.ID, token, fieldportal.PasswordChange{
		Password: r.PostForm.Get("password"), Confirm: r.PostForm.Get("confirm"), ClientAddr: p.kit.ClientAddress(r),
		OldToken: web.CookieValue(r, sessionCookie)})
	switch fieldportal.ErrorCode(err) {
	case "":
	case fieldportal.EINVALID, fieldportal.ERATELIMIT:
		p.renderReset(w, r, web.StatusFor(fieldportal.ErrorCode(err)), link.PolicyHint, web.ErrorsOf(err))
		return
	default:
		p.linkGone(w, r, err, fieldportal.TokenReset)
		return
	}
	p.kit.ClearCookie(w, sessionCookie, "/")
	http.Redirect(w, r, "/login?done=reset", http.StatusSeeOther)
}

// setupView is the page of an invitation link.
type setupView struct {
	web.Layout
	Errors     []fieldportal.FieldError
	FirstName  web.FieldView
	LastName   web.FieldView
	Username   web.FieldView
	Password   web.FieldView
	Confirm    web.FieldView
	PolicyHint string
}

func (p *Portal) renderSetup(w http.ResponseWriter, r *http.Request, status int, hint string, in fieldportal.SetupRequest, errs web.FormErrors) {
	v := setupView{
		Layout:     p.layout(r, "Set up your portal access"),
		Errors:     errs.List("first_name", "last_name", "username", "password", "confirm"),
		FirstName:  web.Field("first_name", "First name", "text", in.FirstName, "given-name", errs),
		LastName:   web.Field("last_name", "Last name", "text", in.LastName, "family-name", errs).Optional(),
		Username:   web.Field("username", "Username", "text", in.Username, "username", errs),
		Password:   web.Field("password", "Password", "password", "", "new-password", errs),
		Confirm:    web.Field("confirm", "Repeat the password", "password", "", "new-password", errs),
		PolicyHint: hint,
	}
	v.Username.Hint = "You can sign in with this or with your email address."
	v.Password.Hint = hint
	p.pages.Render(w, r, status, "setup", v)
}

// handleSetupForm shows the invitation form, prefilled from the contact;
// the username defaults to the email address (SPEC §3).
func (p *Portal) handleSetupForm(w http.ResponseWriter, r *http.Request) {
	org := web.OrganisationFromContext(r.Context())
	link, err := p.svc.SignIn.FindLink(r.Context(), org.ID, fieldportal.TokenInvite, r.PathValue("token"))
	if err != nil {
		p.linkGone(w, r, err, fieldportal.TokenInvite)
		return
	}
	username := link.Username
	if username == "" {
		username = link.Email
	}
	p.renderSetup(w, r, http.StatusOK, link.PolicyHint,
		fieldportal.SetupRequest{FirstName: link.FirstName, LastName: link.LastName, Username: username}, web.FormErrors{})
}

// handleSetup completes an invitation and signs the new user in.
func (p *Portal) handleSetup(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	org := web.OrganisationFromContext(r.Context())
	token := r.PathValue("token")
	link, err := p.svc.SignIn.FindLink(r.Context(), org.ID, fieldportal.TokenInvite, token)
	if err != nil {
		p.linkGone(w, r, err, fieldportal.TokenInvite)
		return
	}
	in := fieldportal.SetupRequest{
		OrgID: org.ID, Token: token,
		FirstName: strings.TrimSpace(r.PostForm.Get("first_name")),
		LastName:  strings.TrimSpace(r.PostForm.Get("last_name")),
		Username:  strings.TrimSpace(r.PostForm.Get("username")),
		Password:  r.PostForm.Get("password"), Confirm: r.PostForm.Get("confirm"),
		ClientAddr: p.kit.ClientAddress(r), UserAgent: r.UserAgent(), OldToken: web.CookieValue(r, sessionCookie),
	}
	s, err := p.svc.SignIn.CompleteSetup(r.Context(), in)
	switch fieldportal.ErrorCode(err) {
	case "":
	case fieldportal.EINVALID:
		p.renderSetup(w, r, http.StatusBadRequest, link.PolicyHint, in, web.ErrorsOf(err))
		return
	case fieldportal.ENOTFOUND:
		p.linkGone(w, r, err, fieldportal.TokenInvite)
		return
	case fieldportal.EUNAUTHORIZED:
		// Set up, but its company signs it in (sqlstore.SSOPointer).
		http.Redirect(w, r, "/login?done=company", http.StatusSeeOther)
		return
	default:
		p.kit.Error(w, r, err)
		return
	}
	p.kit.StartSession(p.door, w, s)
	dest := "/"
	if s.Challenge != "" {
		dest = s.Next // the organisation requires a second factor first
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

// --- change password -------------------------------------------------------

// passwordView is the change-password page.
type passwordView struct {
	web.Layout
	Errors     []fieldportal.FieldError
	Current    web.FieldView
	Password   web.FieldView
	Confirm    web.FieldView
	PolicyHint string
	// Forced: the password was set by someone else and must be changed
	// before anything else (SPEC §3).
	Forced bool
}

func (p *Portal) renderPassword(w http.ResponseWriter, r *http.Request, status int, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	hint, err := p.svc.SignIn.PasswordPolicyHint(r.Context(), v.OrgID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view := passwordView{
		Layout:     p.layout(r, "Change your password"),
		Errors:     errs.List("current", "password", "confirm"),
		Current:    web.Field("current", "Current password", "password", "", "current-password", errs),
		Password:   web.Field("password", "New password", "password", "", "new-password", errs),
		Confirm:    web.Field("confirm", "Repeat the new password", "password", "", "new-password", errs),
		Forced:     v.MustChangePassword,
		PolicyHint: hint,
	}
	if view.Forced {
		// Every other page sends the user back here; a menu of them
		// would only mislead.
		view.Nav = nil
	}
	view.Password.Hint = hint
	p.pages.Render(w, r, status, "password", view)
}

// handlePasswordForm shows the change-password form.
func (p *Portal) handlePasswordForm(w http.ResponseWriter, r *http.Request) {
	p.renderPassword(w, r, http.StatusOK, web.FormErrors{})
}

// handlePassword changes the signed-in contact's password. Storing it
// ends every session of the login (SPEC §2.7), so this browser gets a new
// one.
func (p *Portal) handlePassword(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	s, err := p.svc.SignIn.ChangePassword(r.Context(), v, p.kit.PasswordChange(p.door, r))
	if web.IsFormError(err) {
		p.renderPassword(w, r, web.StatusFor(fieldportal.ErrorCode(err)), web.ErrorsOf(err))
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.kit.StartSession(p.door, w, s)
	http.Redirect(w, r, "/", http.StatusSeeOther)
}

// withNext adds ?next= to a path when next is set.
func withNext(path, next string) string {
	if next == "" {
		return path
	}
	return path + "?next=" + url.QueryEscape(next)
}
