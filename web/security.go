package web

import (
	"net/http"

	"github.com/fieldportal/fieldportal"
)

// The viewer's own second factor (issue 21), for both doors: the sign-in
// security page of Preferences and My account. Turn an authenticator app
// on (QR code, text secret, a first code), see the recovery codes left
// and make new ones, turn it off. Making new codes and turning off need a
// code or the password, and setting up needs the password: a stolen
// session alone must not take the factor away, nor add one the owner does
// not have.

// securityView is the sign-in security page.
type securityView struct {
	Layout
	// Base is where the page's forms post below; Back and BackLabel the
	// link to the page it belongs to.
	Base, Back, BackLabel string
	Notice                string
	Status                *fieldportal.SecondFactorStatus
	// The three forms that need a proof, each with its own field: the
	// set-up's is the current password.
	BeginErrors, RegenErrors, OffErrors   []fieldportal.FieldError
	CurrentPassword, RegenProof, OffProof FieldView
}

var securityNotices = map[string]string{
	"off": "Authenticator codes are now off. Your password alone signs you in.",
}

// SecurityPages are one door's sign-in security pages.
type SecurityPages struct {
	Kit     *Kit
	Service fieldportal.SecondFactorService
	Pages   *Pages
	Layout  func(r *http.Request, title string) Layout
	// SignedIn wraps a page needing the door's session.
	SignedIn func(http.HandlerFunc) http.HandlerFunc
	// Base is the security page's path ("/preferences/security"); Back
	// the page it belongs to, named BackLabel in the link to it.
	Base, Back, BackLabel string
}

// Routes registers the pages.
func (p *SecurityPages) Routes() {
	k := p.Kit
	k.Handle("GET "+p.Base, p.SignedIn(p.handleSecurity))
	k.Handle("POST "+p.Base+"/totp", p.SignedIn(p.handleTOTPBegin))
	k.Handle("GET "+p.Base+"/totp", p.SignedIn(p.handleTOTPSetupForm))
	k.Handle("GET "+p.Base+"/totp/qr.png", p.SignedIn(p.handleTOTPQR))
	k.Handle("POST "+p.Base+"/totp/confirm", p.SignedIn(p.handleTOTPConfirm))
	k.Handle("POST "+p.Base+"/recovery-codes", p.SignedIn(p.handleRecoveryCodes))
	k.Handle("POST "+p.Base+"/totp/off", p.SignedIn(p.handleTOTPOff))
}

func (p *SecurityPages) renderSecurity(w http.ResponseWriter, r *http.Request, status int, begin, regen, off FormErrors) {
	v, _ := ViewerFromContext(r.Context())
	st, err := p.Service.MySecondFactor(r.Context(), v)
	if err != nil {
		p.Kit.Error(w, r, err)
		return
	}
	proof := func(name string, errs FormErrors) FieldView {
		return Field(name, "Code from your authenticator app, or your password", "password", "", "off", errs)
	}
	p.Pages.Render(w, r, status, "security", securityView{
		Layout: p.Layout(r, "Sign-in security"), Base: p.Base, Back: p.Back, BackLabel: p.BackLabel,
		Notice: securityNotices[r.URL.Query().Get("done")], Status: st,
		BeginErrors: begin.List("current_password"), RegenErrors: regen.List("regen_proof"), OffErrors: off.List("off_proof"),
		CurrentPassword: Field("current_password", "Current password", "password", "", "current-password", begin),
		RegenProof:      proof("regen_proof", regen), OffProof: proof("off_proof", off),
	})
}

func (p *SecurityPages) handleSecurity(w http.ResponseWriter, r *http.Request) {
	p.renderSecurity(w, r, http.StatusOK, FormErrors{}, FormErrors{}, FormErrors{})
}

// handleTOTPBegin makes a new secret, once the current password is right,
// and shows it.
func (p *SecurityPages) handleTOTPBegin(w http.ResponseWriter, r *http.Request) {
	if !p.Kit.ParseForm(w, r) {
		return
	}
	v, _ := ViewerFromContext(r.Context())
	_, err := p.Service.BeginTOTP(r.Context(), v, r.PostForm.Get("current_password"))
	if _, on := ErrorsOf(err)["code"]; on && fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		// Already on: the page says so.
		http.Redirect(w, r, p.Base, http.StatusSeeOther)
		return
	} else if IsFormError(err) {
		p.renderSecurity(w, r, StatusFor(fieldportal.ErrorCode(err)), proofErrors(err, "current_password"), FormErrors{}, FormErrors{})
		return
	} else if err != nil {
		p.Kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, p.Base+"/totp", http.StatusSeeOther)
}

func (p *SecurityPages) showTOTPSetup(w http.ResponseWriter, r *http.Request, status int, errs FormErrors) {
	v, _ := ViewerFromContext(r.Context())
	k, err := p.Service.PendingTOTP(r.Context(), v)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		http.Redirect(w, r, p.Base, http.StatusSeeOther)
		return
	} else if err != nil {
		p.Kit.Error(w, r, err)
		return
	}
	renderTOTPSetup(p.Pages, w, r, status, totpSetupView{Layout: p.Layout(r, "Set up an authenticator app"),
		Action: p.Base + "/totp/confirm", QR: p.Base + "/totp/qr.png", Secret: spaced(k.Secret)}, errs)
}

func (p *SecurityPages) handleTOTPSetupForm(w http.ResponseWriter, r *http.Request) {
	p.showTOTPSetup(w, r, http.StatusOK, FormErrors{})
}

// handleTOTPQR is the QR code of the secret being set up.
func (p *SecurityPages) handleTOTPQR(w http.ResponseWriter, r *http.Request) {
	v, _ := ViewerFromContext(r.Context())
	k, err := p.Service.PendingTOTP(r.Context(), v)
	if err != nil {
		p.Kit.Error(w, r, err)
		return
	}
	p.Kit.QRCode(w, r, k.URL)
}

// handleTOTPConfirm turns the app on with its first code and shows the
// recovery codes, once.
func (p *SecurityPages) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	if !p.Kit.ParseForm(w, r) {
		return
	}
	v, _ := ViewerFromContext(r.Context())
	codes, err := p.Service.ConfirmTOTP(r.Context(), v, r.PostForm.Get("code"))
	if IsFormError(err) {
		p.showTOTPSetup(w, r, StatusFor(fieldportal.ErrorCode(err)), codeErrors(err))
		return
	} else if err != nil {
		p.Kit.Error(w, r, err)
		return
	}
	p.showCodes(w, r, "Your recovery codes", codes)
}

// showCodes shows recovery codes, once, on the way back to the page.
func (p *SecurityPages) showCodes(w http.ResponseWriter, r *http.Request, title string, codes []string) {
	p.Pages.Render(w, r, http.StatusOK, "recovery_codes", recoveryCodesView{Layout: p.Layout(r, title),
		Codes: codes, Continue: p.Base})
}

// proofErrors names the form's own field in a refusal of its proof.
func proofErrors(err error, field string) FormErrors {
	errs := ErrorsOf(err)
	if m, ok := errs["proof"]; ok {
		delete(errs, "proof")
		errs[field] = m
	} else if m, ok := errs[""]; ok {
		delete(errs, "")
		errs[field] = m
	}
	return errs
}

// handleRecoveryCodes makes new recovery codes and shows them, once.
func (p *SecurityPages) handleRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	if !p.Kit.ParseForm(w, r) {
		return
	}
	v, _ := ViewerFromContext(r.Context())
	codes, err := p.Service.RegenerateRecoveryCodes(r.Context(), v, r.PostForm.Get("regen_proof"))
	if IsFormError(err) {
		p.renderSecurity(w, r, StatusFor(fieldportal.ErrorCode(err)), FormErrors{}, proofErrors(err, "regen_proof"), FormErrors{})
		return
	} else if err != nil {
		p.Kit.Error(w, r, err)
		return
	}
	p.showCodes(w, r, "Your new recovery codes", codes)
}

// handleTOTPOff turns the app off.
func (p *SecurityPages) handleTOTPOff(w http.ResponseWriter, r *http.Request) {
	if !p.Kit.ParseForm(w, r) {
		return
	}
	v, _ := ViewerFromContext(r.Context())
	err := p.Service.DisableTOTP(r.Context(), v, r.PostForm.Get("off_proof"))
	if IsFormError(err) {
		p.renderSecurity(w, r, StatusFor(fieldportal.ErrorCode(err)), FormErrors{}, FormErrors{}, proofErrors(err, "off_proof"))
		return
	} else if err != nil {
		p.Kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, p.Base+"?done=off", http.StatusSeeOther)
}
