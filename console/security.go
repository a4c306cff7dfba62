package console

import (
	"net/http"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// A staff user's own second factor, under My account (issue 21): turn an
// authenticator app on (QR code, text secret, a first code), see the
// recovery codes left and make new ones, turn it off. Making new codes
// and turning off need a code or the password, and setting up needs the
// password: a stolen session alone must not take the factor away, nor
// add one the owner does not have.

// securityView is the sign-in security page.
type securityView struct {
	web.Layout
	Notice string
	Status *fieldportal.SecondFactorStatus
	// The three forms that need a proof, each with its own field: the
	// set-up's is the current password.
	BeginErrors, RegenErrors, OffErrors   []fieldportal.FieldError
	CurrentPassword, RegenProof, OffProof web.FieldView
}

var securityNotices = map[string]string{
	"off": "Authenticator codes are now off. Your password alone signs you in.",
}

func (c *Console) securityRoutes() {
	k := c.kit
	k.Handle("GET /console/account/security", c.signedIn(c.handleSecurity))
	k.Handle("POST /console/account/security/totp", c.signedIn(c.handleTOTPBegin))
	k.Handle("GET /console/account/security/totp", c.signedIn(c.handleTOTPSetupForm))
	k.Handle("GET /console/account/security/totp/qr.png", c.signedIn(c.handleTOTPQR))
	k.Handle("POST /console/account/security/totp/confirm", c.signedIn(c.handleTOTPConfirm))
	k.Handle("POST /console/account/security/recovery-codes", c.signedIn(c.handleRecoveryCodes))
	k.Handle("POST /console/account/security/totp/off", c.signedIn(c.handleTOTPOff))
}

func (c *Console) renderSecurity(w http.ResponseWriter, r *http.Request, status int, begin, regen, off web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	st, err := c.svc.SecondFactor.MySecondFactor(r.Context(), v)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	proof := func(name string, errs web.FormErrors) web.FieldView {
		f := web.Field(name, "Code from your authenticator app, or your password", "password", "", "off", errs)
		return f
	}
	c.pages.Render(w, r, status, "security", securityView{
		Layout: c.layout(r, "Sign-in security"), Notice: securityNotices[r.URL.Query().Get("done")], Status: st,
		BeginErrors: begin.List("current_password"), RegenErrors: regen.List("regen_proof"), OffErrors: off.List("off_proof"),
		CurrentPassword: web.Field("current_password", "Current password", "password", "", "current-password", begin),
		RegenProof:      proof("regen_proof", regen), OffProof: proof("off_proof", off),
	})
}

func (c *Console) handleSecurity(w http.ResponseWriter, r *http.Request) {
	c.renderSecurity(w, r, http.StatusOK, web.FormErrors{}, web.FormErrors{}, web.FormErrors{})
}

// handleTOTPBegin makes a new secret, once the current password is right,
// and shows it.
func (c *Console) handleTOTPBegin(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	_, err := c.svc.SecondFactor.BeginTOTP(r.Context(), v, r.PostForm.Get("current_password"))
	if _, on := web.ErrorsOf(err)["code"]; on && fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		// Already on: the page says so.
		http.Redirect(w, r, "/console/account/security", http.StatusSeeOther)
		return
	} else if web.IsFormError(err) {
		c.renderSecurity(w, r, web.StatusFor(fieldportal.ErrorCode(err)), proofErrors(err, "current_password"), web.FormErrors{}, web.FormErrors{})
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/account/security/totp", http.StatusSeeOther)
}

func (c *Console) showTOTPSetup(w http.ResponseWriter, r *http.Request, status int, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	k, err := c.svc.SecondFactor.PendingTOTP(r.Context(), v)
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		http.Redirect(w, r, "/console/account/security", http.StatusSeeOther)
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.renderFactorSetup(w, r, status, totpSetupView{Layout: c.layout(r, "Set up an authenticator app"),
		Action: "/console/account/security/totp/confirm", QR: "/console/account/security/totp/qr.png", Secret: spaced(k.Secret)}, errs)
}

func (c *Console) handleTOTPSetupForm(w http.ResponseWriter, r *http.Request) {
	c.showTOTPSetup(w, r, http.StatusOK, web.FormErrors{})
}

// handleTOTPQR is the QR code of the secret being set up.
func (c *Console) handleTOTPQR(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	k, err := c.svc.SecondFactor.PendingTOTP(r.Context(), v)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.kit.QRCode(w, r, k.URL)
}

// handleTOTPConfirm turns the app on with its first code and shows the
// recovery codes, once.
func (c *Console) handleTOTPConfirm(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	codes, err := c.svc.SecondFactor.ConfirmTOTP(r.Context(), v, r.PostForm.Get("code"))
	if web.IsFormError(err) {
		errs := web.ErrorsOf(err)
		if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
			errs = web.FormErrors{"code": fieldportal.ErrorMessage(err)}
		}
		c.showTOTPSetup(w, r, web.StatusFor(fieldportal.ErrorCode(err)), errs)
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.pages.Render(w, r, http.StatusOK, "recovery_codes", recoveryCodesView{Layout: c.layout(r, "Your recovery codes"),
		Codes: codes, Continue: "/console/account/security"})
}

// proofErrors names the form's own field in a refusal of its proof.
func proofErrors(err error, field string) web.FormErrors {
	errs := web.ErrorsOf(err)
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
func (c *Console) handleRecoveryCodes(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	codes, err := c.svc.SecondFactor.RegenerateRecoveryCodes(r.Context(), v, r.PostForm.Get("regen_proof"))
	if web.IsFormError(err) {
		c.renderSecurity(w, r, web.StatusFor(fieldportal.ErrorCode(err)), web.FormErrors{}, proofErrors(err, "regen_proof"), web.FormErrors{})
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.pages.Render(w, r, http.StatusOK, "recovery_codes", recoveryCodesView{Layout: c.layout(r, "Your new recovery codes"),
		Codes: codes, Continue: "/console/account/security"})
}

// handleTOTPOff turns the app off.
func (c *Console) handleTOTPOff(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	err := c.svc.SecondFactor.DisableTOTP(r.Context(), v, r.PostForm.Get("off_proof"))
	if web.IsFormError(err) {
		c.renderSecurity(w, r, web.StatusFor(fieldportal.ErrorCode(err)), web.FormErrors{}, web.FormErrors{}, proofErrors(err, "off_proof"))
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/account/security?done=off", http.StatusSeeOther)
}
