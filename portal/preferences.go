package portal

import (
	"net/http"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Preferences (SPEC §4, seed 003): the contact's own details. Managing
// the customer's other contacts and attachments comes with their issue.

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
	// Contacts links to the contacts and users (contacts.go).
	Contacts bool
}

func (p *Portal) handlePreferences(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	c, err := p.svc.Access.FindContactByID(r.Context(), v, v.ContactID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	notice := ""
	if r.URL.Query().Get("done") == "saved" {
		notice = "Your details have been saved."
	}
	p.renderPreferences(w, r, http.StatusOK, c, notice, web.FormErrors{})
}

func (p *Portal) renderPreferences(w http.ResponseWriter, r *http.Request, status int, c *fieldportal.Contact, notice string, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	username := ""
	if l, err := p.svc.Access.FindMyLogin(r.Context(), v); err == nil {
		username = l.Username
	}
	p.pages.Render(w, r, status, "preferences", preferencesView{
		Layout: p.layout(r, "Preferences"), Notice: notice,
		Errors:    errs.List("first_name", "last_name", "phone", "mobile", "position"),
		Username:  username,
		Email:     c.Email,
		FirstName: web.Field("first_name", "First name", "text", c.FirstName, "given-name", errs),
		LastName:  web.Field("last_name", "Last name", "text", c.LastName, "family-name", errs).Optional(),
		Phone:     web.Field("phone", "Phone", "tel", c.Phone, "tel", errs).Optional(),
		Mobile:    web.Field("mobile", "Mobile", "tel", c.Mobile, "tel", errs).Optional(),
		Position:  web.Field("position", "Position", "text", c.Position, "organization-title", errs).Optional(),
		Contacts:  v.CanDo(fieldportal.ActionManageContacts),
	})
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
