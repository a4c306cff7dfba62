package web

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/fieldportal/fieldportal"
)

// Formatting shared by every page, so that money and times read the same
// in the portal, the console and their printouts: amounts in the
// organisation's currency, times in its zone.

// funcs are the template functions of every page.
func (k *Kit) funcs() template.FuncMap {
	return template.FuncMap{
		"asset": k.assetPath,
		// layoutHead and layoutFoot write the frame around a page's
		// content (layout.go).
		"layoutHead": k.layoutHead,
		"layoutFoot": layoutFoot,
		// fieldHTML writes the "field" component (fieldhtml.go).
		"fieldHTML": fieldHTML,
		// money formats minor units in a currency: {{money "GBP" .Total}}.
		"money": MoneyText,
		// date and datetime format a time already in the organisation's zone.
		"date":     func(t time.Time) string { return FormatDate(t) },
		"datetime": func(t time.Time) string { return FormatDateTime(t) },
		"itoa":     strconv.Itoa,
		// dict builds a map for a component's arguments:
		// {{template "confirm" (dict "Title" .Title "Action" "/x")}}.
		"dict": dict,
		// list builds a slice for a component's argument:
		// "Badges" (list (dict "Text" "Paid" "Tone" "success")).
		"list": func(v ...any) []any { return v },
		// number writes a count with thousands separators: 1,204.
		"number": NumberText,
	}
}

// NumberText writes a count with thousands separators: 1,204.
func NumberText(n int) string {
	s := strconv.Itoa(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var b []byte
	for i := range len(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			b = append(b, ',')
		}
		b = append(b, s[i])
	}
	if neg {
		return "-" + string(b)
	}
	return string(b)
}

// dict pairs its arguments into a map; an odd count or a non-string key
// fails the page's rendering, which the page's test catches.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// currencySymbols are the signs written before amounts; other currencies
// are written with their code.
var currencySymbols = map[string]string{"GBP": "£", "EUR": "€", "USD": "$", "AUD": "$", "NZD": "$", "CAD": "$"}

// MoneyText formats an amount in a currency: £1,234.50, -£3.00, CHF 12.00.
func MoneyText(currency string, m fieldportal.Money) string {
	if sym, ok := currencySymbols[currency]; ok {
		if m < 0 {
			return "-" + sym + (-m).String()
		}
		return sym + m.String()
	}
	return currency + " " + m.String()
}

// FormatDate writes a date as people read it: 3 Mar 2026. The zero time
// is "" (no date).
func FormatDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2 Jan 2006")
}

// FormatDateTime writes a moment: 3 Mar 2026 14:05. The zero time is "".
func FormatDateTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("2 Jan 2006 15:04")
}

// OrgLocation is the organisation's time zone: every time a person reads
// is shown in it (the database keeps UTC).
func OrgLocation(r *http.Request) *time.Location {
	if o := OrganisationFromContext(r.Context()); o != nil {
		return fieldportal.Zone(o.TimeZone) // loaded once; UTC for a name that is not one
	}
	return time.UTC
}

// LogoURL is the address of a logo, or "" when there is none.
func LogoURL(b fieldportal.Branding) string {
	if b.Logo == "" {
		return ""
	}
	return "/branding/logo/" + b.Logo
}

// handleLogo serves the organisation's current logo under its hash; an
// old hash is gone (404). Anyone may fetch it: the sign-in page shows it.
func (k *Kit) handleLogo(w http.ResponseWriter, r *http.Request) {
	org := OrganisationFromContext(r.Context())
	data, ctype, err := k.orgs.FindLogo(r.Context(), org.ID, r.PathValue("sha"))
	if err != nil {
		k.Error(w, r, err)
		return
	}
	w.Header().Set("Content-Type", ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(data)
}
