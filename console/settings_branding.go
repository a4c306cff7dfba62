package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The branding part of the settings form: the name customers see, the
// accent colour (checked for contrast with the text drawn on it by the
// settings' validation) and the support contact shown in the portal's
// footer, its mails and its printouts. The logo has its own form.

// brandingFields are the branding form's fields, in the form's order.
var brandingFields = []string{"branding.display_name", "branding.accent_colour", "branding.support_phone", "branding.support_email"}

// brandingSettingsView is the branding fieldset of the settings page.
type brandingSettingsView struct {
	DisplayName, Accent, SupportPhone, SupportEmail web.FieldView
}

// brandingView fills the branding fieldset: as typed when a posted form
// is shown again, else as saved.
func brandingView(r *http.Request, b fieldportal.Branding, errs web.FormErrors) brandingSettingsView {
	typed := func(name, saved string) string {
		if r.Method == http.MethodPost && r.PostForm.Has(name) {
			return r.PostForm.Get(name)
		}
		return saved
	}
	var v brandingSettingsView
	v.DisplayName = web.Field("branding.display_name", "Name shown to customers", "text", typed("branding.display_name", b.DisplayName), "organization", errs).Optional()
	v.DisplayName.Hint = "In the portal's header, its mails and printouts. Leave empty to use the organisation's name."
	v.Accent = web.Field("branding.accent_colour", "Accent colour", "text", typed("branding.accent_colour", b.AccentColour), "off", errs).Optional()
	v.Accent.Hint = "A hex colour such as #0b5cad, for the header, menu and buttons. It must contrast at least 4.5:1 with the white or near-black text drawn on it."
	v.SupportPhone = web.Field("branding.support_phone", "Support phone", "tel", typed("branding.support_phone", b.SupportPhone), "tel", errs).Optional()
	v.SupportPhone.Hint, v.SupportPhone.Inputmode = "Shown at the foot of every portal page and in the mails.", "tel"
	v.SupportEmail = web.Field("branding.support_email", "Support email", "email", typed("branding.support_email", b.SupportEmail), "email", errs).Optional()
	v.SupportEmail.Hint, v.SupportEmail.Inputmode = "Shown at the foot of every portal page and in the mails.", "email"
	return v
}

// readBranding reads the branding part of the posted form into st; a
// form without the part (its marker, branding_form) leaves it as saved.
// A colour is kept as typed when it is not one, for the validation to
// refuse with what was typed still in the field.
func readBranding(f url.Values, st *fieldportal.Settings) {
	if !f.Has("branding_form") {
		return
	}
	b := &st.Branding
	b.DisplayName = strings.TrimSpace(f.Get("branding.display_name"))
	b.AccentColour = strings.TrimSpace(f.Get("branding.accent_colour"))
	if c, ok := fieldportal.ParseColour(b.AccentColour); ok {
		b.AccentColour = c.Hex()
	}
	b.SupportPhone = strings.TrimSpace(f.Get("branding.support_phone"))
	b.SupportEmail = strings.TrimSpace(f.Get("branding.support_email"))
}
