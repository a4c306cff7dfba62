package portal

import (
	"net/http"
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Preferences (SPEC §4, seed 003, issue 20): the contact's own details,
// its email address (changed through a link to the new address,
// preferences_email.go), its password (preferences_password.go) and the
// mails it gets (preferences_mail.go), one form each on one page.

type preferencesView struct {
	web.Layout
	Notice    string
	Errors    []fieldportal.FieldError
	Username  string
	Email     string
	FirstName web.FieldView
	LastName  web.FieldView
	Phone     web.FieldView
	Mobile    web.FieldView
	Position  web.FieldView

	// The email change: the new address typed, the current password
	// (always empty: it is never echoed), and the address waiting for
	// its link to be followed.
	EmailErrors  []fieldportal.FieldError
	NewEmail     web.FieldView
	EmailCurrent web.FieldView
	PendingEmail string

	// The password change, as /password asks it.
	PasswordErrors []fieldportal.FieldError
	Current        web.FieldView
	Password       web.FieldView
	Confirm        web.FieldView

	// The mails the contact may choose among (none: the section says so).
	MailErrors []fieldportal.FieldError
	Mail       web.Choices

	// Passkeys lists the contact's passkeys with the add form.
	Passkeys web.PasskeyList

	// Activity links the activity page, for a contact who manages contacts.
	Activity bool
	// Contacts links to the contacts and users (contacts.go).
	Contacts bool
}

// preferencesNotices are the messages of ?done=, chosen by the server.
var preferencesNotices = map[string]string{
	"saved":    "Your details have been saved.",
	"email":    "We have sent a link to your new email address. Your address changes when you follow it.",
	"password": "Your password has been changed. You have been signed out everywhere else.",
	"mail":     "Your mail choices have been saved.",

	"passkey_added":   "Your passkey has been added. You can sign in with it now.",
	"passkey_renamed": "Your passkey has been renamed.",
	"passkey_removed": "Your passkey has been removed.",
}

// preferenceRoutes are the routes of the preferences beyond the details
// form (portal.go has those).
func (p *Portal) preferenceRoutes() {
	k := p.kit
	k.Handle("POST /preferences/email", p.signedIn(p.handleEmailChange))
	k.Handle("POST /preferences/password", p.signedIn(p.handlePreferencesPassword))
	k.Handle("POST /preferences/mail", p.signedIn(p.handleMailChoices))
	// The link mailed to the new address opens without a session: it
	// may be read on another device.
	k.Handle("GET /email/{token}", p.handleEmailConfirmForm)
	k.Handle("POST /email/{token}", p.handleEmailConfirm)
}

func (p *Portal) handlePreferences(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	c, err := p.svc.Access.FindContactByID(r.Context(), v, v.ContactID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.renderPreferencesWith(w, r, http.StatusOK, c, prefsState{notice: preferencesNotices[r.URL.Query().Get("done")]})
}

// prefsState is what a render of the page carries from a form: the
// errors of the form that failed, and the new address typed.
type prefsState struct {
	notice   string
	errs     web.FormErrors
	newEmail string
	// mailOn, when not nil, are the mails ticked in a form that failed.
	mailOn []fieldportal.MailKind
	// passkeys, when not nil, is the passkey list with a failed add
	// form's errors.
	passkeys *web.PasskeyList
}

func (p *Portal) renderPreferences(w http.ResponseWriter, r *http.Request, status int, c *fieldportal.Contact, notice string, errs web.FormErrors) {
	p.renderPreferencesWith(w, r, status, c, prefsState{notice: notice, errs: errs})
}

func (p *Portal) renderPreferencesWith(w http.ResponseWriter, r *http.Request, status int, c *fieldportal.Contact, st prefsState) {
	v, _ := web.ViewerFromContext(r.Context())
	errs := st.errs
	if errs == nil {
		errs = web.FormErrors{}
	}
	username := ""
	if l, err := p.svc.Access.FindMyLogin(r.Context(), v); err == nil {
		username = l.Username
	}
	mine, err := p.svc.Preferences.FindMyPreferences(r.Context(), v)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	hint, err := p.svc.SignIn.PasswordPolicyHint(r.Context(), v.OrgID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view := preferencesView{
		Layout: p.layout(r, "Preferences"), Notice: st.notice,
		Errors:    errs.List("first_name", "last_name", "phone", "mobile", "position"),
		Username:  username,
		Email:     c.Email,
		FirstName: web.Field("first_name", "First name", "text", c.FirstName, "given-name", errs),
		LastName:  web.Field("last_name", "Last name", "text", c.LastName, "family-name", errs).Optional(),
		Phone:     web.Field("phone", "Phone", "tel", c.Phone, "tel", errs).Optional(),
		Mobile:    web.Field("mobile", "Mobile", "tel", c.Mobile, "tel", errs).Optional(),
		Position:  web.Field("position", "Position", "text", c.Position, "organization-title", errs).Optional(),

		EmailErrors:  errs.List("email", "current_password"),
		NewEmail:     web.Field("email", "New email address", "email", st.newEmail, "email", errs),
		EmailCurrent: web.Field("current_password", "Current password", "password", "", "current-password", errs),
		PendingEmail: mine.PendingEmail,

		PasswordErrors: errs.List("current", "password", "confirm"),
		Current:        web.Field("current", "Current password", "password", "", "current-password", errs),
		Password:       web.Field("password", "New password", "password", "", "new-password", errs),
		Confirm:        web.Field("confirm", "Repeat the new password", "password", "", "new-password", errs),

		MailErrors: errs.List("mail"),
		Mail: web.Choices{Name: "mail", Legend: "Email me when", Type: "checkbox", Error: errs["mail"],
			Hint: "Only the mails your roles and pages bring you are listed."},
	}
	view.NewEmail.Inputmode = "email"
	view.NewEmail.Hint = "We send a link to the new address; your address changes only when you follow it."
	view.EmailCurrent.Hint = "We ask for it so that nobody else can change your address from a device you left signed in."
	view.Password.Hint = hint
	for _, m := range mine.Mail {
		on := m.On
		if st.mailOn != nil {
			on = slices.Contains(st.mailOn, m.Kind)
		}
		view.Mail.Options = append(view.Mail.Options, web.CheckOption{Value: string(m.Kind), Label: m.Kind.Label(), Checked: on})
	}
	if st.passkeys != nil {
		view.Passkeys = *st.passkeys
	} else if view.Passkeys, err = p.passkeys().List(r, web.FormErrors{}, ""); err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view.Activity = v.CanDo(fieldportal.ActionManageContacts)
	view.Contacts = view.Activity
	p.pages.Render(w, r, status, "preferences", view)
}

// handlePreferencesSave saves the contact's own details. Its roles and
// email stay as the operator keeps them; the service checks the rest.
func (p *Portal) handlePreferencesSave(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	c, err := p.svc.Access.FindContactByID(r.Context(), v, v.ContactID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	f := r.PostForm
	c.FirstName, c.LastName = strings.TrimSpace(f.Get("first_name")), strings.TrimSpace(f.Get("last_name"))
	c.Phone, c.Mobile, c.Position = strings.TrimSpace(f.Get("phone")), strings.TrimSpace(f.Get("mobile")), strings.TrimSpace(f.Get("position"))
	if err := p.svc.Access.UpdateContact(r.Context(), v, c); fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		p.renderPreferences(w, r, http.StatusBadRequest, c, "", web.ErrorsOf(err))
		return
	} else if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/preferences?done=saved", http.StatusSeeOther)
}
