package web

import (
	"net/http"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// The second step of signing in (issue 21), for both doors: the code
// page after a right password, and the set-up of an authenticator app
// that the organisation requires before the first session. Neither page
// is behind a session: each reads the door's challenge cookie, and
// nothing else opens with it. The pages are the components of
// templates/secondfactor.html, each door's page file holding one.

// ChallengeEnded is the ?done= of a door's sign-in page that says a
// second step ended before it was finished.
const ChallengeEnded = "expired"

// codeView is the code page of a sign-in.
type codeView struct {
	Layout
	// Action is where the form posts; Restart the sign-in page; Passkey
	// the passkey sign-in, which ends this step too.
	Action, Restart, Passkey string
	Errors                   []fieldportal.FieldError
	Code                     FieldView
	Next                     string
}

// totpSetupView sets up an authenticator app: the QR code, the text
// secret, and the first code that confirms it.
type totpSetupView struct {
	Layout
	Errors []fieldportal.FieldError
	// Action is where the form posts; QR the image's address.
	Action, QR, Secret string
	Code               FieldView
	Next               string
	// Required: the organisation requires it before going on.
	Required bool
}

// recoveryCodesView shows recovery codes, once.
type recoveryCodesView struct {
	Layout
	Codes []string
	// Continue is where the user goes on to.
	Continue string
}

// ChallengePages are one door's pages of the second step, under the
// door's sign-in page: LoginPath+"/code" and LoginPath+"/factor-setup".
type ChallengePages struct {
	Kit      *Kit
	Door     Door
	DoorName fieldportal.Door
	Service  fieldportal.ChallengeService
	Pages    *Pages
	Layout   func(r *http.Request, title string) Layout
	// Dest is where a sign-in goes from the form's next: next itself when
	// it is a page of the door, else the door's home. A next it would
	// change is not carried through the step.
	Dest func(next string) string
}

func (c *ChallengePages) codePath() string  { return c.Door.LoginPath + "/code" }
func (c *ChallengePages) setupPath() string { return c.Door.LoginPath + "/factor-setup" }

// Routes registers the pages.
func (c *ChallengePages) Routes() {
	k := c.Kit
	k.Handle("GET "+c.codePath(), c.handleCodeForm)
	k.Handle("POST "+c.codePath(), c.handleCode)
	k.Handle("GET "+c.setupPath(), c.handleSetupForm)
	k.Handle("GET "+c.setupPath()+"/qr.png", c.handleSetupQR)
	k.Handle("POST "+c.setupPath(), c.handleSetup)
}

// next is the page to go back to after signing in, if it is the door's.
func (c *ChallengePages) next(v string) string {
	if c.Dest(v) != v {
		return ""
	}
	return v
}

// ended sends the browser back to the sign-in page, its challenge gone.
func (c *ChallengePages) ended(w http.ResponseWriter, r *http.Request) {
	c.Kit.ClearCookie(w, c.Door.ChallengeCookie, c.Door.Path)
	http.Redirect(w, r, c.Door.LoginPath+"?done="+ChallengeEnded, http.StatusSeeOther)
}

// challengeOf reports whether the browser has a live challenge of a
// purpose; otherwise it sends it to the other step of the same sign-in,
// or back to the sign-in page (a challenge that ended, or none).
func (c *ChallengePages) challengeOf(w http.ResponseWriter, r *http.Request, purpose fieldportal.ChallengePurpose) bool {
	ch, err := c.Service.FindChallenge(r.Context(), OrganisationFromContext(r.Context()).ID, c.DoorName,
		CookieValue(r, c.Door.ChallengeCookie))
	if err == nil && ch.Purpose == purpose {
		return true
	}
	if err == nil {
		// The other step of the same sign-in: go there, keeping it.
		to := c.codePath()
		if ch.Purpose == fieldportal.ChallengeSetup {
			to = c.setupPath()
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return false
	}
	if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		c.Kit.Error(w, r, err)
		return false
	}
	c.ended(w, r)
	return false
}

func (c *ChallengePages) renderCode(w http.ResponseWriter, r *http.Request, status int, next string, errs FormErrors) {
	f := Field("code", "Code from your authenticator app, or a recovery code", "text", "", "one-time-code", errs)
	f.Hint, f.Inputmode = "Open your authenticator app and type the 6-digit code it shows for this account.", ""
	c.Pages.Render(w, r, status, "login_code", codeView{
		Layout: c.Layout(r, "Enter your code"), Action: c.codePath(), Restart: c.Door.LoginPath,
		Passkey: c.Door.LoginPath + "/passkey",
		Errors:  errs.List("code"),
		Code:    f,
		Next:    next,
	})
}

// handleCodeForm asks for the code after a right password.
func (c *ChallengePages) handleCodeForm(w http.ResponseWriter, r *http.Request) {
	if !c.challengeOf(w, r, fieldportal.ChallengeVerify) {
		return
	}
	c.renderCode(w, r, http.StatusOK, c.next(r.URL.Query().Get("next")), FormErrors{})
}

// handleCode checks the code and starts the session.
func (c *ChallengePages) handleCode(w http.ResponseWriter, r *http.Request) {
	if !c.Kit.ParseForm(w, r) {
		return
	}
	next := c.next(r.PostForm.Get("next"))
	s, err := c.Service.AnswerChallenge(r.Context(), c.Kit.ChallengeAnswer(c.Door, c.DoorName, r, r.PostForm.Get("code")))
	switch {
	case fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND:
		c.ended(w, r)
		return
	case fieldportal.ErrorCode(err) == fieldportal.EINVALID:
		c.renderCode(w, r, http.StatusBadRequest, next, ErrorsOf(err))
		return
	case IsFormError(err):
		c.renderCode(w, r, StatusFor(fieldportal.ErrorCode(err)), next, FormErrors{"code": fieldportal.ErrorMessage(err)})
		return
	case err != nil:
		c.Kit.Error(w, r, err)
		return
	}
	c.Kit.StartSession(c.Door, w, s)
	http.Redirect(w, r, c.dest(next, s), http.StatusSeeOther)
}

// dest is where a finished sign-in goes: the page the store says is owed
// first (a password to change), else next.
func (c *ChallengePages) dest(next string, s *fieldportal.SignedIn) string {
	if s.Next != "" {
		return s.Next
	}
	return c.Dest(next)
}

// handleSetupForm sets up the authenticator app the organisation
// requires, before the first session.
func (c *ChallengePages) handleSetupForm(w http.ResponseWriter, r *http.Request) {
	if !c.challengeOf(w, r, fieldportal.ChallengeSetup) {
		return
	}
	c.showSetup(w, r, http.StatusOK, c.next(r.URL.Query().Get("next")), FormErrors{})
}

// key is the secret being set up by the browser's challenge.
func (c *ChallengePages) key(r *http.Request) (*fieldportal.TOTPKey, error) {
	return c.Service.ChallengeTOTPKey(r.Context(), OrganisationFromContext(r.Context()).ID, c.DoorName,
		CookieValue(r, c.Door.ChallengeCookie))
}

func (c *ChallengePages) showSetup(w http.ResponseWriter, r *http.Request, status int, next string, errs FormErrors) {
	k, err := c.key(r)
	if err != nil {
		c.Kit.Error(w, r, err)
		return
	}
	renderTOTPSetup(c.Pages, w, r, status, totpSetupView{Layout: c.Layout(r, "Set up an authenticator app"),
		Action: c.setupPath(), QR: c.setupPath() + "/qr.png", Secret: spaced(k.Secret), Next: next, Required: true}, errs)
}

// handleSetupQR is the QR code of the secret being set up.
func (c *ChallengePages) handleSetupQR(w http.ResponseWriter, r *http.Request) {
	k, err := c.key(r)
	if err != nil {
		c.Kit.Error(w, r, err)
		return
	}
	c.Kit.QRCode(w, r, k.URL)
}

// handleSetup confirms the app with its first code, starts the session
// and shows the recovery codes.
func (c *ChallengePages) handleSetup(w http.ResponseWriter, r *http.Request) {
	if !c.Kit.ParseForm(w, r) {
		return
	}
	next := c.next(r.PostForm.Get("next"))
	s, codes, err := c.Service.ConfirmChallengeSetup(r.Context(), c.Kit.ChallengeAnswer(c.Door, c.DoorName, r, r.PostForm.Get("code")))
	switch {
	case fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND:
		c.ended(w, r)
		return
	case IsFormError(err):
		c.showSetup(w, r, StatusFor(fieldportal.ErrorCode(err)), next, codeErrors(err))
		return
	case err != nil:
		c.Kit.Error(w, r, err)
		return
	}
	c.Kit.StartSession(c.Door, w, s)
	// The session exists now; the codes are shown in this answer only.
	c.Pages.Render(w, r, http.StatusOK, "recovery_codes", recoveryCodesView{Layout: c.Kit.BaseLayout(r, "Your recovery codes"),
		Codes: codes, Continue: c.dest(next, s)})
}

// codeErrors are a refused first code's errors: a refusal that names no
// field (a throttle) goes by the code's.
func codeErrors(err error) FormErrors {
	if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
		return FormErrors{"code": fieldportal.ErrorMessage(err)}
	}
	return ErrorsOf(err)
}

// renderTOTPSetup shows the set-up of an authenticator app, with the
// first code's field.
func renderTOTPSetup(pages *Pages, w http.ResponseWriter, r *http.Request, status int, v totpSetupView, errs FormErrors) {
	v.Errors = errs.List("code")
	v.Code = Field("code", "Code from your authenticator app", "text", "", "one-time-code", errs)
	v.Code.Inputmode = "numeric"
	v.Code.Hint = "After adding the account, type the 6-digit code the app shows for it."
	pages.Render(w, r, status, "totp_setup", v)
}

// spaced groups a secret in fours, as people type it.
func spaced(s string) string {
	var b strings.Builder
	for i, r := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}
