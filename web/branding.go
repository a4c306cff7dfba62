package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// The organisation's accent colour reaches the pages as a small style
// sheet of custom properties, linked after app.css: the Content Security
// Policy allows no inline style. Its address is the colour itself, so it
// needs no database and may be cached for ever; the colours it sets are
// fieldportal.ThemeOf's, the ones the settings' contrast check judged.

// ThemeURL is the address of the style sheet of an accent colour, or ""
// for none (or one that fails its check): app.css's own colours then.
func ThemeURL(accent string) string {
	th, ok := fieldportal.ThemeOf(accent)
	if !ok {
		return ""
	}
	return "/branding/theme/" + strings.TrimPrefix(th.Brand.Hex(), "#") + ".css"
}

// ThemeCSS is the style sheet of an accent colour: app.css's brand
// properties set to the theme's colours.
func ThemeCSS(th fieldportal.Theme) string {
	return fmt.Sprintf(":root { --brand: %s; --brand-dark: %s; --on-brand: %s; --brand-ink: %s; }\n",
		th.Brand.Hex(), th.BrandStrong.Hex(), th.OnBrand.Hex(), th.Ink.Hex())
}

// handleTheme serves the style sheet of the accent colour in its address.
func (k *Kit) handleTheme(w http.ResponseWriter, r *http.Request) {
	hex, ok := strings.CutSuffix(r.PathValue("file"), ".css")
	th, good := fieldportal.ThemeOf("#" + hex)
	if !ok || !good || len(hex) != 6 || strings.ToLower(hex) != hex {
		k.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no file at this address."))
		return
	}
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write([]byte(ThemeCSS(th)))
}

// brandLayout fills the layout's branding from the organisation's
// settings: the name shown to customers, the logo, the accent's style
// sheet and the support contact in the footer. A failure to read the
// settings costs the branding, never the page.
func (k *Kit) brandLayout(r *http.Request, l *Layout) {
	st, err := k.Settings(r)
	if err != nil {
		k.logger.WarnContext(r.Context(), "read settings for the branding", "err", err)
		return
	}
	b := st.Branding
	if name := strings.TrimSpace(b.DisplayName); name != "" {
		l.OrgName = name
	}
	l.LogoURL = LogoURL(b)
	l.ThemeURL = ThemeURL(b.AccentColour)
	l.SupportEmail = strings.TrimSpace(b.SupportEmail)
	if phone := strings.TrimSpace(b.SupportPhone); phone != "" {
		l.SupportPhone = phone
		l.SupportTel = telURL(phone)
	}
}

// telURL is a phone number as a tel: link: its digits and a leading +,
// nothing else, so it is safe as a URL whatever was saved.
func telURL(phone string) template.URL {
	if strings.HasPrefix(phone, "+") {
		phone = strings.Replace(phone, "(0)", "", 1) // +44 (0)117: the 0 is dialled only at home
	}
	var b strings.Builder
	for i, r := range phone {
		if (r >= '0' && r <= '9') || (r == '+' && i == 0) {
			b.WriteRune(r)
		}
	}
	if b.Len() == 0 {
		return ""
	}
	return template.URL("tel:" + b.String())
}
