package portal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The second step of signing in (issue 21): the code page after a right
// password, and the set-up of an authenticator app that the organisation
// requires before the first session. Neither page is behind a session:
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
func (p *Portal) challengeRoutes() {
	k := p.kit
	k.Handle("GET /login/code", p.handleCodeForm)
	k.Handle("POST /login/code", p.handleCode)
	k.Handle("GET /login/factor-setup", p.handleFactorSetupForm)
	k.Handle("GET /login/factor-setup/qr.png", p.handleFactorSetupQR)
	k.Handle("POST /login/factor-setup", p.handleFactorSetup)
}

// challengeNotices are ?done= messages of the sign-in page about a second
// step that ended.
const challengeEnded = "expired"

// nextOf is the page to go back to after signing in, if it is local.
func nextOf(v string) string {
	if web.SafeNext(v) != v {
		return ""
	}
	return v
}

// challengeOf returns the browser's live challenge of a purpose, or sends
// it back to the sign-in page (a challenge that ended, or none).
func (p *Portal) challengeOf(w http.ResponseWriter, r *http.Request, purpose fieldportal.ChallengePurpose) bool {
	c, err := p.svc.Challenges.FindChallenge(r.Context(), web.OrganisationFromContext(r.Context()).ID, fieldportal.DoorPortal,
		web.CookieValue(r, challengeCookie))
	if err == nil && c.Purpose == purpose {
		return true
	}
	if err == nil {
		// The other step of the same sign-in: go there, keeping it.
		to := "/login/code"
		if c.Purpose == fieldportal.ChallengeSetup {
			to = "/login/factor-setup"
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return false
	}
	if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		p.kit.Error(w, r, err)
		return false
	}
	p.kit.ClearCookie(w, challengeCookie, "/")
	http.Redirect(w, r, "/login?done="+challengeEnded, http.StatusSeeOther)
	return false
}

func (p *Portal) renderCode(w http.ResponseWriter, r *http.Request, status int, next string, errs web.FormErrors) {
	f := web.Field("code", "Code from your authenticator app, or a recovery code", "text", "", "one-time-code", errs)
	f.Hint, f.Inputmode = "Open your authenticator app and type the 6-digit code it shows for this account.", ""
	p.pages.Render(w, r, status, "login_code", codeView{
		Layout: p.layout(r, "Enter your code"), Action: "/login/code", Restart: "/login",
		Errors: errs.List("code"),
		Code:   f,
		Next:   next,
	})
}

// handleCodeForm asks for the code after a right password.
func (p *Portal) handleCodeForm(w http.ResponseWriter, r *http.Request) {
	if !p.challengeOf(w, r, fieldportal.ChallengeVerify) {
		return
	}
	p.renderCode(w, r, http.StatusOK, nextOf(r.URL.Query().Get("next")), web.FormErrors{})
}

// handleCode checks the code and starts the session.
func (p *Portal) handleCode(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	next := nextOf(r.PostForm.Get("next"))
	s, err := p.svc.Challenges.AnswerChallenge(r.Context(), p.kit.ChallengeAnswer(p.door, fieldportal.DoorPortal, r, r.PostForm.Get("code")))
	switch {
	case fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND:
		p.kit.ClearCookie(w, challengeCookie, "/")
		http.Redirect(w, r, "/login?done="+challengeEnded, http.StatusSeeOther)
		return
	case fieldportal.ErrorCode(err) == fieldportal.EINVALID:
		p.renderCode(w, r, http.StatusBadRequest, next, web.ErrorsOf(err))
		return
	case web.IsFormError(err):
		p.renderCode(w, r, web.StatusFor(fieldportal.ErrorCode(err)), next, web.FormErrors{"code": fieldportal.ErrorMessage(err)})
		return
	case err != nil:
		p.kit.Error(w, r, err)
		return
	}
	p.kit.StartSession(p.door, w, s)
	dest := web.SafeNext(next)
	if s.Next != "" {
		dest = s.Next
	}
	http.Redirect(w, r, dest, http.StatusSeeOther)
}

func (p *Portal) renderFactorSetup(w http.ResponseWriter, r *http.Request, status int, v totpSetupView, errs web.FormErrors) {
	v.Errors = errs.List("code")
	v.Code = web.Field("code", "Code from your authenticator app", "text", "", "one-time-code", errs)
	v.Code.Inputmode = "numeric"
	v.Code.Hint = "After adding the account, type the 6-digit code the app shows for it."
	p.pages.Render(w, r, status, "totp_setup", v)
}

// handleFactorSetupForm sets up the authenticator app the organisation
// requires, before the first session.
func (p *Portal) handleFactorSetupForm(w http.ResponseWriter, r *http.Request) {
	if !p.challengeOf(w, r, fieldportal.ChallengeSetup) {
		return
	}
	p.showFactorSetup(w, r, http.StatusOK, nextOf(r.URL.Query().Get("next")), web.FormErrors{})
}

func (p *Portal) showFactorSetup(w http.ResponseWriter, r *http.Request, status int, next string, errs web.FormErrors) {
	k, err := p.svc.Challenges.ChallengeTOTPKey(r.Context(), web.OrganisationFromContext(r.Context()).ID, fieldportal.DoorPortal,
		web.CookieValue(r, challengeCookie))
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.renderFactorSetup(w, r, status, totpSetupView{Layout: p.layout(r, "Set up an authenticator app"),
		Action: "/login/factor-setup", QR: "/login/factor-setup/qr.png", Secret: spaced(k.Secret), Next: next, Required: true}, errs)
}

// handleFactorSetupQR is the QR code of the secret being set up.
func (p *Portal) handleFactorSetupQR(w http.ResponseWriter, r *http.Request) {
	k, err := p.svc.Challenges.ChallengeTOTPKey(r.Context(), web.OrganisationFromContext(r.Context()).ID, fieldportal.DoorPortal,
		web.CookieValue(r, challengeCookie))
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.kit.QRCode(w, r, k.URL)
}

// handleFactorSetup confirms the app with its first code, starts the
// session and shows the recovery codes.
func (p *Portal) handleFactorSetup(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	next := nextOf(r.PostForm.Get("next"))
	s, codes, err := p.svc.Challenges.ConfirmChallengeSetup(r.Context(), p.kit.ChallengeAnswer(p.door, fieldportal.DoorPortal, r, r.PostForm.Get("code")))
	switch {
	case fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND:
		p.kit.ClearCookie(w, challengeCookie, "/")
		http.Redirect(w, r, "/login?done="+challengeEnded, http.StatusSeeOther)
		return
	case web.IsFormError(err):
		errs := web.ErrorsOf(err)
		if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
			errs = web.FormErrors{"code": fieldportal.ErrorMessage(err)}
		}
		p.showFactorSetup(w, r, web.StatusFor(fieldportal.ErrorCode(err)), next, errs)
		return
	case err != nil:
		p.kit.Error(w, r, err)
		return
	}
	p.kit.StartSession(p.door, w, s)
	dest := web.SafeNext(next)
	if s.Next != "" {
		dest = s.Next
	}
	// The session exists now; the codes are shown in this answer only.
	p.pages.Render(w, r, http.StatusOK, "recovery_codes", recoveryCodesView{Layout: p.kit.BaseLayout(r, "Your recovery codes"),
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

// withNext adds ?next= to a path when next is set.
func withNext(path, next string) string {
	if next == "" {
		return path
	}
	return path + "?next=" + url.QueryEscape(next)
}
