package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
)

// The console's settings of what the portal shows (SPEC §5): the modules
// shown, the buttons hidden, the password policy, and the mail log.

type consoleSettingsView struct {
	Layout
	Notice    string
	Errors    []fieldportal.FieldError
	Modules   []checkOption
	Defaults  []checkOption
	Actions   []checkOption
	MinLength FieldView
	Rules     []checkOption
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

func (s *Server) handleConsoleSettingsForm(w http.ResponseWriter, r *http.Request) {
	v, _ := ViewerFromContext(r.Context())
	if !v.IsAdmin() {
		s.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can change settings."))
		return
	}
	settings, err := s.db.FindSettings(r.Context(), v.OrgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	notice := ""
	if r.URL.Query().Get("done") == "saved" {
		notice = "Settings saved. They apply to every contact's next page."
	}
	s.renderConsoleSettings(w, r, http.StatusOK, settings, strconv.Itoa(settings.PasswordPolicy.MinLength), notice, FormErrors{})
}

// minLengthText is the typed minimum length to show again, or the saved one.
func minLengthText(typed string, st fieldportal.Settings) string {
	if typed != "" {
		return typed
	}
	return strconv.Itoa(st.PasswordPolicy.MinLength)
}

func (s *Server) renderConsoleSettings(w http.ResponseWriter, r *http.Request, status int, st fieldportal.Settings, minLength, notice string, errs FormErrors) {
	view := consoleSettingsView{Layout: s.consoleLayout(r, "Settings"), Notice: notice, Errors: errs.List("modules", "password_policy.min_length", "logo"), LogoError: errs["logo"]}
	for _, m := range fieldportal.AllModules {
		view.Modules = append(view.Modules, checkOption{Value: string(m), Label: m.Label(), Checked: st.Modules.Has(m)})
		view.Defaults = append(view.Defaults, checkOption{Value: string(m), Label: m.Label(), Checked: st.DefaultPages.Has(m)})
	}
	for _, a := range fieldportal.AllActions {
		view.Actions = append(view.Actions, checkOption{Value: string(a), Label: actionLabels[a], Checked: slices.Contains(st.HiddenActions, a)})
	}
	view.MinLength = field("password_policy.min_length", "Minimum password length", "number", minLengthText(minLength, st), "off", errs)
	p := st.PasswordPolicy
	view.Rules = []checkOption{
		{Value: "require_digit", Label: "Must contain a digit", Checked: p.RequireDigit},
		{Value: "require_upper", Label: "Must contain an upper-case letter", Checked: p.RequireUpper},
		{Value: "require_lower", Label: "Must contain a lower-case letter", Checked: p.RequireLower},
		{Value: "reject_common", Label: "Must not be one of the 10,000 most common passwords", Checked: p.RejectCommon},
	}
	s.render(w, r, status, "console_settings", view)
}

func (s *Server) handleConsoleSettings(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	if !v.IsAdmin() {
		s.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "Only an admin can change settings."))
		return
	}
	st, err := s.db.FindSettings(ctx, v.OrgID)
	if err != nil {
		s.Error(w, r, err)
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
		s.renderConsoleSettings(w, r, http.StatusBadRequest, st, minLength, "", FormErrors{"password_policy.min_length": "Minimum password length must be a whole number."})
		return
	}
	if err := s.db.UpdateSettings(ctx, v, st); err != nil {
		if fieldportal.ErrorCode(err) == fieldportal.EINVALID {
			s.renderConsoleSettings(w, r, http.StatusBadRequest, st, minLength, "", formErrors(err))
			return
		}
		s.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/settings?done=saved", http.StatusSeeOther)
}

// consoleMailView is the mail log: every mail the portal queued, with its
// text, so that without a mail server (the demo) staff can still pass on
// an invitation link.
type consoleMailView struct {
	Layout
	MailEnabled bool
	Messages    []consoleMailRow
	NextURL     string
	FirstURL    string
}

type consoleMailRow struct {
	Created, To, Subject, Topic, Status, LastError, Body string
	Attempts                                             int
}

func (s *Server) handleConsoleMail(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	after := r.URL.Query().Get("after")
	msgs, next, err := s.db.FindOutbox(ctx, v, fieldportal.OutboxFilter{Kind: "mail", Page: fieldportal.Page{After: after}})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	loc := orgLocation(r)
	view := consoleMailView{Layout: s.consoleLayout(r, "Mail log"), MailEnabled: s.cfg.MailEnabled}
	for _, m := range msgs {
		// A mail's text may hold a single-use link that signs its reader
		// in as the contact: only admins read it, and only while no mail
		// server sends it (the demo); once sent it is not kept at all.
		body := m.Payload
		if !v.IsAdmin() {
			body = "(Only an admin can read mail text.)"
		} else if s.cfg.MailEnabled && slices.Contains([]string{"invite", "reset", "staff_reset"}, m.Topic) {
			body = "(This mail carries a single-use link; it is not shown while mail is sent by the mail server.)"
		}
		status := map[string]string{fieldportal.OutboxPending: "Waiting", fieldportal.OutboxSent: "Sent", fieldportal.OutboxFailed: "Failed", fieldportal.OutboxHeld: "Held"}[m.Status]
		if m.Status == fieldportal.OutboxPending && !s.cfg.MailEnabled {
			status = "Not sent (no mail server)"
		}
		view.Messages = append(view.Messages, consoleMailRow{
			Created: m.CreatedAt.In(loc).Format("2 Jan 2006 15:04"), To: m.Recipient, Subject: m.Subject, Topic: m.Topic,
			Status: status, LastError: m.LastError, Body: body, Attempts: m.Attempts,
		})
	}
	if next != "" {
		view.NextURL = "/console/mail?" + url.Values{"after": {next}}.Encode()
	}
	if after != "" {
		view.FirstURL = "/console/mail"
	}
	s.render(w, r, http.StatusOK, "console_mail", view)
}
