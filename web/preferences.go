package web

import (
	"net/http"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// Preferences (SPEC §4, seed 003): the contact's own details. Managing
// the customer's other contacts and attachments comes with their issue.

type preferencesView struct {
	Layout
	Notice    string
	Errors    []fieldportal.FieldError
	Username  string
	Email     string
	FirstName FieldView
	LastName  FieldView
	Phone     FieldView
	Mobile    FieldView
	Position  FieldView
}

func (s *Server) handlePreferences(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	c, err := s.db.FindContactByID(ctx, v, v.ContactID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	notice := ""
	if r.URL.Query().Get("done") == "saved" {
		notice = "Your details have been saved."
	}
	s.renderPreferences(w, r, http.StatusOK, c, notice, FormErrors{})
}

func (s *Server) renderPreferences(w http.ResponseWriter, r *http.Request, status int, c *fieldportal.Contact, notice string, errs FormErrors) {
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	username := ""
	if l, err := s.db.FindLoginByContact(ctx, v, v.ContactID); err == nil {
		username = l.Username
	}
	optional := func(fv FieldView) FieldView { fv.Required = false; return fv }
	s.render(w, r, status, "preferences", preferencesView{
		Layout: s.layoutFor(r, "Preferences"), Notice: notice,
		Errors:    errs.List("first_name", "last_name", "phone", "mobile", "position"),
		Username:  username,
		Email:     c.Email,
		FirstName: field("first_name", "First name", "text", c.FirstName, "given-name", errs),
		LastName:  optional(field("last_name", "Last name", "text", c.LastName, "family-name", errs)),
		Phone:     optional(field("phone", "Phone", "tel", c.Phone, "tel", errs)),
		Mobile:    optional(field("mobile", "Mobile", "tel", c.Mobile, "tel", errs)),
		Position:  optional(field("position", "Position", "text", c.Position, "organization-title", errs)),
	})
}

// handlePreferencesSave saves the contact's own details. Its roles and
// email stay as the operator keeps them.
func (s *Server) handlePreferencesSave(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	c, err := s.db.FindContactByID(ctx, v, v.ContactID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	f := r.PostForm
	c.FirstName, c.LastName = strings.TrimSpace(f.Get("first_name")), strings.TrimSpace(f.Get("last_name"))
	c.Phone, c.Mobile, c.Position = strings.TrimSpace(f.Get("phone")), strings.TrimSpace(f.Get("mobile")), strings.TrimSpace(f.Get("position"))
	errs := FormErrors{}
	for name, val := range map[string]string{"first_name": c.FirstName, "last_name": c.LastName, "position": c.Position} {
		if len(val) > 100 {
			errs[name] = "Must be at most 100 characters."
		}
	}
	for name, val := range map[string]string{"phone": c.Phone, "mobile": c.Mobile} {
		if len(val) > 40 || strings.Trim(val, "0123456789+()- ") != "" {
			errs[name] = "Enter a phone number using digits, spaces, brackets, + and - only."
		}
	}
	if !errs.Has() {
		err = s.db.UpdateContact(ctx, v, c)
		if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
			errs = formErrors(err)
		} else if err != nil {
			s.Error(w, r, err)
			return
		}
	}
	if errs.Has() {
		s.renderPreferences(w, r, http.StatusBadRequest, c, "", errs)
		return
	}
	http.Redirect(w, r, "/preferences?done=saved", http.StatusSeeOther)
}
