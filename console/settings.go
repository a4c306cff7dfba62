package console

import (
	"bytes"
	"image"
	_ "image/jpeg" // registers the JPEG decoder used to check uploaded logos
	_ "image/png"  // registers the PNG decoder
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The console's settings of what the portal shows (SPEC §5): the modules
// shown, the buttons hidden, the password policy and the logo. Admins only.

type settingsView struct {
	web.Layout
	Notice    string
	Errors    []fieldportal.FieldError
	Modules   []web.CheckOption
	Defaults  []web.CheckOption
	Actions   []web.CheckOption
	MinLength web.FieldView
	Rules     []web.CheckOption
	LogoError string
}

// actionLabels names the portal's buttons as the settings page lists them.
var actionLabels = map[fieldportal.Action]string{
	fieldportal.ActionNewIssue:       "New issue",
	fieldportal.ActionBookJob:        "Book a job",
	fieldportal.ActionRequestQuote:   "Request a quote",
	fieldportal.ActionPayOnline:      "Pay online",
	fieldportal.ActionEditSite:       "Edit site",
	fieldportal.ActionCreateSite:     "Create site",
	fieldportal.ActionManageContacts: "Manage contacts",
	fieldportal.ActionUpload:         "Upload documents",
}

func (c *Console) handleSettingsForm(w http.ResponseWriter, r *http.Request) {
	if _, ok := c.needAdmin(w, r, "change settings"); !ok {
		return
	}
	st, err := c.kit.Settings(r)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	notice := ""
	if r.URL.Query().Get("done") == "saved" {
		notice = "Settings saved. They apply to every contact's next page."
	}
	c.renderSettings(w, r, http.StatusOK, st, strconv.Itoa(st.PasswordPolicy.MinLength), notice, web.FormErrors{})
}

func (c *Console) renderSettings(w http.ResponseWriter, r *http.Request, status int, st fieldportal.Settings, minLength, notice string, errs web.FormErrors) {
	view := settingsView{Layout: c.layout(r, "Settings"), Notice: notice, Errors: errs.List("modules", "password_policy.min_length", "logo"), LogoError: errs["logo"]}
	for _, m := range fieldportal.AllModules {
		view.Modules = append(view.Modules, web.CheckOption{Value: string(m), Label: m.Label(), Checked: st.Modules.Has(m)})
		view.Defaults = append(view.Defaults, web.CheckOption{Value: string(m), Label: m.Label(), Checked: st.DefaultPages.Has(m)})
	}
	for _, a := range fieldportal.AllActions {
		view.Actions = append(view.Actions, web.CheckOption{Value: string(a), Label: actionLabels[a], Checked: slices.Contains(st.HiddenActions, a)})
	}
	if minLength == "" {
		minLength = strconv.Itoa(st.PasswordPolicy.MinLength)
	}
	view.MinLength = web.Field("password_policy.min_length", "Minimum password length", "number", minLength, "off", errs)
	view.MinLength.Inputmode = "numeric"
	p := st.PasswordPolicy
	view.Rules = []web.CheckOption{
		{Value: "require_digit", Label: "Must contain a digit", Checked: p.RequireDigit},
		{Value: "require_upper", Label: "Must contain an upper-case letter", Checked: p.RequireUpper},
		{Value: "require_lower", Label: "Must contain a lower-case letter", Checked: p.RequireLower},
		{Value: "reject_common", Label: "Must not be one of the 10,000 most common passwords", Checked: p.RejectCommon},
	}
	c.pages.Render(w, r, status, "settings", view)
}

func (c *Console) handleSettings(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, ok := c.needAdmin(w, r, "change settings")
	if !ok {
		return
	}
	st, err := c.kit.Settings(r)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	f := r.PostForm
	st.Modules = fieldportal.ParseModules(strings.Join(f["modules"], ","))
	st.DefaultPages = fieldportal.ParseModules(strings.Join(f["default_pages"], ","))
	st.HiddenActions = nil
	for _, a := range fieldportal.AllActions {
		if slices.Contains(f["hidden_actions"], string(a)) {
			st.HiddenActions = append(st.HiddenActions, a)
		}
	}
	rules := f["rules"]
	st.PasswordPolicy.RequireDigit = slices.Contains(rules, "require_digit")
	st.PasswordPolicy.RequireUpper = slices.Contains(rules, "require_upper")
	st.PasswordPolicy.RequireLower = slices.Contains(rules, "require_lower")
	st.PasswordPolicy.RejectCommon = slices.Contains(rules, "reject_common")
	minLength := strings.TrimSpace(f.Get("password_policy.min_length"))
	n, convErr := strconv.Atoi(minLength)
	st.PasswordPolicy.MinLength = n
	if convErr != nil {
		c.renderSettings(w, r, http.StatusBadRequest, st, minLength, "", web.FormErrors{"password_policy.min_length": "Minimum password length must be a whole number."})
		return
	}
	if err := c.svc.Orgs.UpdateSettings(r.Context(), v, st); fieldportal.ErrorCode(err) == fieldportal.EINVALID {
		c.renderSettings(w, r, http.StatusBadRequest, st, minLength, "", web.ErrorsOf(err))
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/settings?done=saved", http.StatusSeeOther)
}

// The logo in the portal's header (SPEC §4): uploaded here, checked by
// content (a PNG or JPEG that decodes, of a sensible size), stored by the
// service, and served by the kit under its own hash.

const maxLogoBytes = 512 << 10

// handleLogo replaces or removes the logo (admins only).
func (c *Console) handleLogo(w http.ResponseWriter, r *http.Request) {
	v, ok := c.needAdmin(w, r, "change settings")
	if !ok {
		return
	}
	st, err := c.kit.Settings(r)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	fail := func(msg string) {
		c.renderSettings(w, r, http.StatusBadRequest, st, "", "", web.FormErrors{"logo": msg})
	}
	if err := c.kit.ParseMultipartForm(w, r, maxLogoBytes+64<<10, "The logo must be at most 512 KB."); err != nil {
		fail(fieldportal.ErrorMessage(err))
		return
	}
	var data []byte
	var ctype string
	if r.PostForm.Get("action") != "remove" {
		file, _, err := r.FormFile("logo")
		if err != nil {
			fail("Choose a PNG or JPEG file for the logo.")
			return
		}
		defer file.Close()
		if data, err = io.ReadAll(io.LimitReader(file, maxLogoBytes+1)); err != nil {
			fail("The upload could not be read; choose the file again.")
			return
		}
		if len(data) > maxLogoBytes {
			fail("The logo must be at most 512 KB.")
			return
		}
		if ctype, ok = logoType(data); !ok {
			fail("The logo must be a PNG or JPEG image of at most 2000 by 2000 pixels.")
			return
		}
	}
	if err := c.svc.Orgs.SetLogo(r.Context(), v, data, ctype); err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/settings?done=saved", http.StatusSeeOther)
}

// logoType checks an upload by its content, not its name: it must sniff
// as PNG or JPEG and decode as such, within 2000 by 2000 pixels.
func logoType(data []byte) (string, bool) {
	ctype := http.DetectContentType(data)
	if ctype != "image/png" && ctype != "image/jpeg" {
		return "", false
	}
	cfg, format, err := image.DecodeConfig(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") || cfg.Width < 1 || cfg.Height < 1 || cfg.Width > 2000 || cfg.Height > 2000 {
		return "", false
	}
	return ctype, true
}
