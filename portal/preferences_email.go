package portal

import (
	"net/http"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// A contact's change of its own email address (issue 20): the
// preferences ask for the new address and the current password (never
// shown again), a link goes to it, the current address is told, and following
// the link (GET shows what it confirms, POST confirms, so a mail
// scanner that opens links changes nothing) makes it the contact's.

// handleEmailChange asks for the link to the new address.
func (p *Portal) handleEmailChange(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	email := r.PostForm.Get("email")
	err := p.svc.Preferences.RequestEmailChange(r.Context(), v, fieldportal.EmailChangeRequest{Email: email,
		CurrentPassword: r.PostForm.Get("current_password"), ClientAddr: p.kit.ClientAddress(r)})
	if web.IsFormError(err) {
		c, ferr := p.svc.Access.FindContactByID(r.Context(), v, v.ContactID)
		if ferr != nil {
			p.kit.Error(w, r, ferr)
			return
		}
		errs := web.ErrorsOf(err)
		if msg, ok := errs[""]; ok {
			// A throttle or a clash: shown by the form's field.
			errs = web.FormErrors{"email": msg}
		}
		p.renderPreferencesWith(w, r, web.StatusFor(fieldportal.ErrorCode(err)), c, prefsState{errs: errs, newEmail: email})
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/preferences?done=email", http.StatusSeeOther)
}

// emailConfirmView is the page of the link to a new address.
type emailConfirmView struct {
	web.Layout
	Email string
}

// handleEmailConfirmForm shows the address the link confirms, with the
// button that confirms it.
func (p *Portal) handleEmailConfirmForm(w http.ResponseWriter, r *http.Request) {
	org := web.OrganisationFromContext(r.Context())
	email, err := p.svc.Preferences.FindEmailChange(r.Context(), org.ID, r.PathValue("token"))
	if err != nil {
		p.emailLinkGone(w, r, err)
		return
	}
	p.pages.Render(w, r, http.StatusOK, "email_confirm", emailConfirmView{Layout: p.layout(r, "Confirm your new email address"), Email: email})
}

// handleEmailConfirm follows the link: the address becomes the
// contact's, and the sign-in page says so.
func (p *Portal) handleEmailConfirm(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	org := web.OrganisationFromContext(r.Context())
	if _, err := p.svc.Preferences.ConfirmEmailChange(r.Context(), org.ID, r.PathValue("token")); err != nil {
		p.emailLinkGone(w, r, err)
		return
	}
	http.Redirect(w, r, "/login?done=email", http.StatusSeeOther)
}

// emailLinkGone answers a link that no longer works, or an address taken
// since it was asked for, with a way on.
func (p *Portal) emailLinkGone(w http.ResponseWriter, r *http.Request, err error) {
	code := fieldportal.ErrorCode(err)
	if code != fieldportal.ENOTFOUND && code != fieldportal.ECONFLICT {
		p.kit.Error(w, r, err)
		return
	}
	v := linkGoneView{Layout: p.layout(r, "This link no longer works"), Message: fieldportal.ErrorMessage(err),
		Retry: "/preferences", RetryLabel: "Ask for a new link in your preferences"}
	status := http.StatusNotFound
	if code == fieldportal.ECONFLICT {
		v.Layout = p.layout(r, "This address cannot be used")
		status = http.StatusConflict
	}
	p.pages.Render(w, r, status, "linkgone", v)
}
