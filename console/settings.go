package console

import (
	"bytes"
	"fmt"
	"image"
	_ "image/jpeg" // registers the JPEG decoder used to check uploaded logos
	_ "image/png"  // registers the PNG decoder
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The console's settings of what the portal shows (SPEC §5): the modules
// shown, the buttons hidden, the password policy, the diary's booking
// rules and the logo. Admins only.

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
	// The diary's booking rules (diary_rules.go).
	Overlap, Weekends bool
	// FeedbackOn is Settings.FeedbackOff turned round (issue 22).
	FeedbackOn                                            bool
	BookingDays, MaxUpload, SlotMinutes, DayStart, DayEnd web.FieldView
	// Payment is online payment's provider and keys (settings_payments.go).
	Payment *paymentSettingsView
	// What the organisation's invoices say of it (invoicing).
	TaxNumber, PostalAddress, PaymentInstructions web.FieldView
	// SiteEditors is who may create and edit sites in the portal.
	SiteEditors web.Choices
	// SecondFactor is whose logins must have a second factor (issue 21).
	SecondFactor web.Choices
	// Branding is the name, accent and support contact (settings_branding.go).
	Branding brandingSettingsView
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
	order := append([]string{"modules", "password_policy.min_length", "booking_window_days", "max_upload_mb", "diary.slot_minutes", "diary.day_start", "diary.day_end",
		"invoicing.tax_number", "invoicing.address", "invoicing.payment_instructions", "site_editors", "second_factor"}, brandingFields...)
	order = append(order, "logo")
	// The payment form has its own summary: its errors are not repeated.
	main := web.FormErrors{}
	for f, m := range errs {
		if !slices.Contains(paymentFields, f) {
			main[f] = m
		}
	}
	view := settingsView{Layout: c.layout(r, "Settings"), Notice: notice, Errors: main.List(order...), LogoError: errs["logo"]}
	view.SiteEditors = siteEditorsChoices(st.SiteEditors, errs)
	view.SecondFactor = secondFactorChoices(st.SecondFactor, errs)
	view.Branding = brandingView(r, st.Branding, errs)
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
	c.diarySettingsView(r, st, errs, &view)
	v, _ := web.ViewerFromContext(r.Context())
	pv, err := c.paymentSettings(r, v, st, errs)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	view.Payment = pv
	c.pages.Render(w, r, status, "settings", view)
}

// paymentFields are the payment form's fields, in its order.
var paymentFields = []string{"payment_provider", "publishable_key", "secret_key", "webhook_secret"}

// errsOf is the part of errs about the named fields, for a form's own
// summary on a page of several forms.
func errsOf(errs web.FormErrors, fields ...string) web.FormErrors {
	out := web.FormErrors{}
	for _, f := range fields {
		if m, ok := errs[f]; ok {
			out[f] = m
		}
	}
	return out
}

// diarySettingsView fills the diary's part of the form: as typed when a
// posted form is shown again, else as saved.
func (c *Console) diarySettingsView(r *http.Request, st fieldportal.Settings, errs web.FormErrors, view *settingsView) {
	typed := func(name, saved string) string {
		if r.Method == http.MethodPost && r.PostForm.Has(name) {
			return r.PostForm.Get(name)
		}
		return saved
	}
	view.Overlap, view.Weekends = st.DiaryOverlap, st.Diary.Weekends
	view.FeedbackOn = !st.FeedbackOff
	view.BookingDays = web.Field("booking_window_days", "Booking window (days ahead)", "number", typed("booking_window_days", strconv.Itoa(st.BookingWindowDays)), "off", errs)
	view.BookingDays.Hint, view.BookingDays.Inputmode = "How far ahead customers may ask for a date, from tomorrow.", "numeric"
	view.MaxUpload = web.Field("max_upload_mb", "Largest upload (MB)", "number", typed("max_upload_mb", strconv.FormatInt(st.MaxUploadBytes()>>20, 10)), "off", errs)
	view.MaxUpload.Hint, view.MaxUpload.Inputmode = "The largest file customers and staff may upload, from 1 to 1024 MB.", "numeric"
	view.SlotMinutes = web.Field("diary.slot_minutes", "Length of a booking window (minutes)", "number", typed("diary.slot_minutes", strconv.Itoa(st.Diary.SlotMinutes)), "off", errs)
	view.SlotMinutes.Hint, view.SlotMinutes.Inputmode = "A multiple of 15, such as 120 for two-hour windows.", "numeric"
	view.DayStart = web.Field("diary.day_start", "Working day starts", "time", typed("diary.day_start", st.Diary.DayStart), "off", errs)
	view.DayEnd = web.Field("diary.day_end", "Working day ends", "time", typed("diary.day_end", st.Diary.DayEnd), "off", errs)
	in := st.Invoicing
	view.TaxNumber = web.Field("invoicing.tax_number", "Tax number", "text", typed("invoicing.tax_number", in.TaxNumber), "off", errs)
	view.TaxNumber.Hint = "Your VAT or GST registration number, printed on every invoice."
	view.PostalAddress = web.Field("invoicing.address", "Postal address", "textarea", typed("invoicing.address", in.Address), "street-address", errs)
	view.PaymentInstructions = web.Field("invoicing.payment_instructions", "How to pay", "textarea",
		typed("invoicing.payment_instructions", in.PaymentInstructions), "off", errs)
	view.PaymentInstructions.Hint = "Bank details and the reference to quote, printed on invoices with a balance."
}

// readInvoicing reads the invoicing part of the posted form into st; a
// form without the part (its marker, invoicing_form) leaves it as saved.
func readInvoicing(f url.Values, st *fieldportal.Settings) {
	if !f.Has("invoicing_form") {
		return
	}
	st.Invoicing = fieldportal.Invoicing{TaxNumber: strings.TrimSpace(f.Get("invoicing.tax_number")),
		Address: strings.TrimSpace(f.Get("invoicing.address")), PaymentInstructions: strings.TrimSpace(f.Get("invoicing.payment_instructions"))}
}

// readDiarySettings reads the diary's part of the posted form into st; a
// number that is not one is a field error. A form without the part (its
// marker, diary_form) leaves the saved values as they are.
func readDiarySettings(f url.Values, st *fieldportal.Settings) web.FormErrors {
	errs := web.FormErrors{}
	if !f.Has("diary_form") {
		return errs
	}
	st.DiaryOverlap, st.Diary.Weekends = f.Get("diary_overlap") == "on", f.Get("diary.weekends") == "on"
	st.FeedbackOff = f.Get("feedback") != "on"
	st.Diary.DayStart, st.Diary.DayEnd = strings.TrimSpace(f.Get("diary.day_start")), strings.TrimSpace(f.Get("diary.day_end"))
	for _, n := range []struct {
		name, label string
		to          *int
	}{{"booking_window_days", "Booking window", &st.BookingWindowDays}, {"diary.slot_minutes", "Length of a booking window", &st.Diary.SlotMinutes}} {
		v, err := strconv.Atoi(strings.TrimSpace(f.Get(n.name)))
		if err != nil {
			errs[n.name] = n.label + " must be a whole number."
			continue
		}
		*n.to = v
	}
	if f.Has("max_upload_mb") {
		if v, err := strconv.Atoi(strings.TrimSpace(f.Get("max_upload_mb"))); err != nil || v < 1 || v > fieldportal.MaxUploadMBLimit {
			errs["max_upload_mb"] = fmt.Sprintf("Largest upload must be a whole number from 1 to %d MB.", fieldportal.MaxUploadMBLimit)
		} else {
			st.MaxUploadMB = v
		}
	}
	return errs
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
	if f.Has("site_editors") {
		st.SiteEditors = fieldportal.SiteEditors(f.Get("site_editors"))
	}
	if f.Has("second_factor") {
		st.SecondFactor = fieldportal.SecondFactorPolicy(f.Get("second_factor"))
	}
	diaryErrs := readDiarySettings(f, &st)
	readInvoicing(f, &st)
	readBranding(f, &st)
	if convErr != nil {
		diaryErrs["password_policy.min_length"] = "Minimum password length must be a whole number."
	}
	if diaryErrs.Has() {
		c.renderSettings(w, r, http.StatusBadRequest, st, minLength, "", diaryErrs)
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

// siteEditorsChoices is the choice of who may create and edit sites in
// the portal (issue 20); "" (never chosen) is every contact with the
// Sites page.
func siteEditorsChoices(cur fieldportal.SiteEditors, errs web.FormErrors) web.Choices {
	if cur == "" {
		cur = fieldportal.SiteEditorsAll
	}
	ch := web.Choices{Name: "site_editors", Legend: "Who may create and edit sites in the portal", Type: "radio", Error: errs["site_editors"],
		Hint: "Sites they create or change wait for you under Sites from the portal. Hiding the buttons above also stops them."}
	for _, o := range []struct {
		v     fieldportal.SiteEditors
		label string
	}{{fieldportal.SiteEditorsOff, "Nobody: only staff add and change sites"},
		{fieldportal.SiteEditorsManagers, "Contacts who manage contacts"},
		{fieldportal.SiteEditorsAll, "Every contact with the Job sites page"}} {
		ch.Options = append(ch.Options, web.CheckOption{Value: string(o.v), Label: o.label, Checked: o.v == cur})
	}
	return ch
}

// secondFactorChoices is the choice of whose logins must have a second
// factor (issue 21); "" (never chosen) is nobody's.
func secondFactorChoices(cur fieldportal.SecondFactorPolicy, errs web.FormErrors) web.Choices {
	if cur == "" {
		cur = fieldportal.SecondFactorNone
	}
	ch := web.Choices{Name: "second_factor", Legend: "Who must sign in with a second factor", Type: "radio", Error: errs["second_factor"],
		Hint: "Those without one are led to set up an authenticator app right after their password, before any other page."}
	for _, o := range []struct {
		v     fieldportal.SecondFactorPolicy
		label string
	}{{fieldportal.SecondFactorNone, "Nobody: each person chooses"},
		{fieldportal.SecondFactorStaff, "Staff"},
		{fieldportal.SecondFactorContacts, "Contacts"},
		{fieldportal.SecondFactorBoth, "Staff and contacts"}} {
		ch.Options = append(ch.Options, web.CheckOption{Value: string(o.v), Label: o.label, Checked: o.v == cur})
	}
	return ch
}
