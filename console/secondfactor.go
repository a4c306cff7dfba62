package console

import (
	"net/http"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The console's second step of signing in (issue 21), as the portal's:
// the code page after a right password, and the set-up of an
// authenticator app that the organisation requires of staff. Neither page is behind a session:
// each reads the challenge cookie, and nothing else opens with it.

// codeView is the code page of a sign-in.
type codeView struct {
	web.Layout
	Action, Restart string
	Errors          []fieldportal.FieldError
	Code            web.FieldView
	Next            string
}

// totpSetupView sets up an authenticator app: the QR code, the text
// secret, and the first code that confirms it.
type totpSetupView struct {
	web.Layout
	Errors []fieldportal.FieldError
	// Action is where the form posts; QR the image's address.
	Action, QR, Secret string
	Code               web.FieldView
	Next               string
	// Required: the organisation requires it before going on.
	Required bool
}

// recoveryCodesView shows recovery codes, once.
type recoveryCodesView struct {
	web.Layout
	Codes []string
	// Continue is where the user goes on to.
	Continue string
}

// challengeRoutes are the pages of the second step.
func (c *Console) challengeRoutes() {
	k := c.kit
	k.Handle("GET /console/login/code", c.handleCodeForm)
	k.Handle("POST /console/login/code", c.handleCode)
	k.Handle("GET /console/login/factor-setup", c.handleFactorSetupForm)
	k.Handle("GET /console/login/factor-setup/qr.png", c.handleFactorSetupQR)
	k.Handle("POST /console/login/factor-setup", c.handleFactorSetup)
}

// challengeNotices are ?done= messages of the sign-in page about a second
// step that ended.
const challengeEnded = "expired"

// nextOf is the console page to go back to after signing in, if any.
func nextOf(v string) string {
	if !consoleNext(v) {
		return ""
	}
	return v
}

// challengeOf returns the browser's live challenge of a purpose, or sends
// it back to the sign-in page (a challenge that ended, or none).
func (c *Console) challengeOf(w http.ResponseWriter, r *http.Request, purpose fieldportal.ChallengePurpose) bool {
	ch, err := c.svc.Challenges.FindChallenge(r.Context(), web.OrganisationFromContext(r.Context()).ID, fieldportal.DoorConsole,
		web.CookieValue(r, challengeCookie))
	if err == nil && ch.Purpose == purpose {
		return true
	}
	if err == nil {
		// The other step of the same sign-in: go there, keeping it.
		to := "/console/login/code"
		if ch.Purpose == fieldportal.ChallengeSetup {
			to = "/console/login/factor-setup"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return false
	}
	if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		c.kit.Error(w, r, err)
		return false
	}
	c.kit.ClearCookie(w, challengeCookie, "/console")
	http.Redirect(w, r, "/console/login?done="+challengeEnded, http.StatusSeeOther)
	return false
}

func (c *Console) renderCode(w http.ResponseWriter, r *http.Request, status int, next string, errs web.FormErrors) {
	f := web.Field("code", "Code from your authenticator app, or a recovery code", "text", "", "one-time-code", errs)
	f.Hint, f.Inputmode = "Open your authenticator app and type the 6-digit code it shows for this account.", ""
	c.pages.Render(w, r, status, "login_code", codeView{
		Layout: c.layout(r, "Enter your code"), Action: "/console/login/code", Restart: "/console/login",
		Errors: errs.List("code"),
		Code:   f,
		Next:   next,
	})
}

// handleCodeForm asks for the code after a right password.
func (c *Console) handleCodeForm(w http.ResponseWriter, r *http.Request) {
	if !c.challengeOf(w, r, fieldportal.ChallengeVerify) {
		return
	}
	c.renderCode(w, r, http.StatusOK, nextOf(r.URL.Query().Get("next")), web.FormErrors{})
}

// handleCode checks the code and starts the session.
func (c *Console) handleCode(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	next := nextOf(r.PostForm.Get("next"))
	s, err := c.svc.Challenges.AnswerChallenge(r.Context(), c.kit.ChallengeAnswer(c.door, fieldportal.DoorConsole, r, r.PostForm.Get("code")))
	switch {
	case fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND:
		c.kit.ClearCookie(w, challengeCookie, "/console")
		http.Redirect(w, r, "/console/login?done="+challengeEnded, http.StatusSeeOther)
		return
	case fieldportal.ErrorCode(err) == fieldportal.EINVALID:
		c.renderCode(w, r, http.StatusBadRequest, next, web.ErrorsOf(err))
		return
	case web.IsFormError(err):
		c.renderCode(w, r, web.StatusFor(fieldportal.ErrorCode(err)), next, web.FormErrors{"code": fieldportal.ErrorMessage(err)})
		return
	case err != nil:
		c.kit.Error(w, r, err)
		return
	}
	c.kit.StartSession(c.door, w, s)
	dest := next
	if dest == "" {
		dest = "/console"
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

func (c *Console) renderFactorSetup(w http.ResponseWriter, r *http.Request, status int, v totpSetupView, errs web.FormErrors) {
	v.Errors = errs.List("code")
	v.Code = web.Field("code", "Code from your authenticator app", "text", "", "one-time-code", errs)
	v.Code.Inputmode = "numeric"
	v.Code.Hint = "After adding the account, type the 6-digit code the app shows for it."
	c.pages.Render(w, r, status, "totp_setup", v)
}

// handleFactorSetupForm sets up the authenticator app the organisation
// requires, before the first session.
func (c *Console) handleFactorSetupForm(w http.ResponseWriter, r *http.Request) {
	if !c.challengeOf(w, r, fieldportal.ChallengeSetup) {
		return
	}
	c.showFactorSetup(w, r, http.StatusOK, nextOf(r.URL.Query().Get("next")), web.FormErrors{})
}

func (c *Console) showFactorSetup(w http.ResponseWriter, r *http.Request, status int, next string, errs web.FormErrors) {
	k, err := c.svc.Challenges.ChallengeTOTPKey(r.Context(), web.OrganisationFromContext(r.Context()).ID, fieldportal.DoorConsole,
		web.CookieValue(r, challengeCookie))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.renderFactorSetup(w, r, status, totpSetupView{Layout: c.layout(r, "Set up an authenticator app"),
		Action: "/console/login/factor-setup", QR: "/console/login/factor-setup/qr.png", Secret: spaced(k.Secret), Next: next, Required: true}, errs)
}

// handleFactorSetupQR is the QR code of the secret being set up.
func (c *Console) handleFactorSetupQR(w http.ResponseWriter, r *http.Request) {
	k, err := c.svc.Challenges.ChallengeTOTPKey(r.Context(), web.OrganisationFromContext(r.Context()).ID, fieldportal.DoorConsole,
		web.CookieValue(r, challengeCookie))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.kit.QRCode(w, r, k.URL)
}

// handleFactorSetup confirms the app with its first code, starts the
// session and shows the recovery codes.
func (c *Console) handleFactorSetup(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	next := nextOf(r.PostForm.Get("next"))
	s, codes, err := c.svc.Challenges.ConfirmChallengeSetup(r.Context(), c.kit.ChallengeAnswer(c.door, fieldportal.DoorConsole, r, r.PostForm.Get("code")))
	switch {
	case fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND:
		c.kit.ClearCookie(w, challengeCookie, "/console")
		http.Redirect(w, r, "/console/login?done="+challengeEnded, http.StatusSeeOther)
		return
	case web.IsFormError(err):
		errs := web.ErrorsOf(err)
		if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
			errs = web.FormErrors{"code": fieldportal.ErrorMessage(err)}
		}
		c.showFactorSetup(w, r, web.StatusFor(fieldportal.ErrorCode(err)), next, errs)
		return
	case err != nil:
		c.kit.Error(w, r, err)
		return
	}
	c.kit.StartSession(c.door, w, s)
	dest := next
	if dest == "" {
		dest = "/console"
	}
	// The session exists now; the codes are shown in this answer only.
	c.pages.Render(w, r, http.StatusOK, "recovery_codes", recoveryCodesView{Layout: c.kit.BaseLayout(r, "Your recovery codes"),
		Codes: codes, Continue: dest})
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
