package web

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// The staff console (SPEC §5): the operator's own pages under /console.
// Staff sign in with their own accounts into a session of their own,
// whose cookie is scoped to /console, so a contact's portal session and a
// staff session never stand in for each other.

// consoleCookie holds a staff session's token.
const consoleCookie = "fp_console"

// consoleRoutes registers the console's pages (called from routes).
func (s *Server) consoleRoutes() {
	s.handle("GET /console/login", s.handleConsoleLoginForm)
	s.handle("POST /console/login", s.handleConsoleLogin)
	s.handle("POST /console/logout", s.handleConsoleLogout)
	s.handle("GET /console", s.console(s.handleConsoleHome))
	s.handle("GET /console/contacts", s.console(s.handleConsoleContacts))
	s.handle("GET /console/contacts/{id}", s.console(s.handleConsoleContact))
	s.handle("POST /console/contacts/{id}/access", s.console(s.handleConsoleAccess))
	s.handle("GET /console/settings", s.console(s.handleConsoleSettingsForm))
	s.handle("POST /console/settings", s.console(s.handleConsoleSettings))
	s.handle("POST /console/settings/logo", s.console(s.handleConsoleLogo))
	s.handle("GET /console/mail", s.console(s.handleConsoleMail))
	s.handle("GET /console/account", s.console(s.handleConsoleAccount))
	s.handle("POST /console/account/password", s.console(s.handleConsoleAccountPassword))
	s.handle("GET /console/staff", s.console(s.handleConsoleStaff))
	s.handle("POST /console/staff", s.console(s.handleConsoleStaffAdd))
	s.handle("POST /console/staff/{id}", s.console(s.handleConsoleStaffUpdate))
}

// console wraps a console page: a live staff session of an enabled staff
// user, else the console's sign-in page.
func (s *Server) console(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		org := OrganisationFromContext(ctx)
		var sess *fieldportal.Session
		if c, err := r.Cookie(consoleCookie); err == nil && c.Value != "" {
			found, err := s.db.FindSession(ctx, org.ID, auth.HashToken(c.Value), s.cfg.IdleTimeout)
			switch code := fieldportal.ErrorCode(err); {
			case code == "" && found.StaffID != "":
				sess = found
			case code != "" && code != fieldportal.ENOTFOUND:
				s.Error(w, r, fmt.Errorf("load staff session: %w", err))
				return
			}
		}
		if sess == nil {
			s.toConsoleLogin(w, r)
			return
		}
		v, err := s.db.ViewerForStaff(ctx, org.ID, sess.StaffID)
		if err != nil {
			s.db.DeleteSession(ctx, sess.TokenHash)
			s.toConsoleLogin(w, r)
			return
		}
		if err := s.db.TouchSession(ctx, sess); err != nil {
			s.logger.WarnContext(ctx, "touch staff session", "err", err)
		}
		ctx = context.WithValue(ContextWithViewer(ctx, v), sessionKey{}, sess)
		h(w, r.WithContext(ctx))
	}
}

func (s *Server) toConsoleLogin(w http.ResponseWriter, r *http.Request) {
	http.SetCookie(w, &http.Cookie{Name: consoleCookie, Value: "", Path: "/console", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode})
	if r.Method != http.MethodGet {
		http.Redirect(w, r, "/console/login", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/console/login?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusFound)
}

// consoleLayout is the frame of a console page: the console's own menu.
func (s *Server) consoleLayout(r *http.Request, title string) Layout {
	l := Layout{Title: title, Console: true}
	if o := OrganisationFromContext(r.Context()); o != nil {
		l.OrgName = o.Name
		l.LogoURL = s.orgLogoURL(r)
	}
	v, _ := ViewerFromContext(r.Context())
	l.User = v.Name
	links := []NavLink{{Label: "Home", URL: "/console"}, {Label: "Contacts and access", URL: "/console/contacts"}, {Label: "Mail log", URL: "/console/mail"}}
	if v.IsAdmin() {
		links = append(links, NavLink{Label: "Staff", URL: "/console/staff"}, NavLink{Label: "Settings", URL: "/console/settings"})
	}
	for i := range links {
		p := links[i].URL
		links[i].Current = r.URL.Path == p || (p != "/console" && strings.HasPrefix(r.URL.Path, p+"/"))
	}
	l.Nav = links
	return l
}

// consoleLoginView is the console's sign-in page.
type consoleLoginView struct {
	Layout
	Errors   []fieldportal.FieldError
	Email    FieldView
	Password FieldView
	Next     string
	Notice   string
}

func (s *Server) renderConsoleLogin(w http.ResponseWriter, r *http.Request, status int, email, next string, errs FormErrors) {
	l := Layout{Title: "Staff sign in", Console: true}
	if o := OrganisationFromContext(r.Context()); o != nil {
		l.OrgName = o.Name
	}
	notice := ""
	if r.URL.Query().Get("done") == "logout" {
		notice = "You have logged out of the console."
	}
	s.render(w, r, status, "console_login", consoleLoginView{
		Layout: l, Errors: errs.List("email", "password"),
		Email:    field("email", "Email address", "email", email, "username", errs),
		Password: field("password", "Password", "password", "", "current-password", errs),
		Next:     next, Notice: notice,
	})
}

func (s *Server) handleConsoleLoginForm(w http.ResponseWriter, r *http.Request) {
	next := r.URL.Query().Get("next")
	if !consoleNext(next) {
		next = ""
	}
	s.renderConsoleLogin(w, r, http.StatusOK, "", next, FormErrors{})
}

// handleConsoleLogin signs a staff user in; throttled and answered like
// the portal's sign-in, so it reveals no account either.
func (s *Server) handleConsoleLogin(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	org := OrganisationFromContext(ctx)
	email := strings.TrimSpace(r.PostForm.Get("email"))
	password := r.PostForm.Get("password")
	next := r.PostForm.Get("next")
	if !consoleNext(next) {
		next = "/console"
	}
	errs := FormErrors{}
	if email == "" {
		errs["email"] = "Enter your email address."
	}
	if password == "" {
		errs["password"] = "Enter your password."
	}
	if errs.Has() {
		s.renderConsoleLogin(w, r, http.StatusBadRequest, email, next, errs)
		return
	}
	th := s.throttle("console")
	account := org.ID + ":" + strings.ToLower(email)
	if err := th.Check(ctx, account, s.clientAddress(r)); err != nil {
		s.renderConsoleLogin(w, r, http.StatusTooManyRequests, email, next, FormErrors{"": fieldportal.ErrorMessage(err)})
		return
	}
	if err := th.Fail(ctx, account, ""); err != nil { // counted before the check; cleared on success
		s.Error(w, r, err)
		return
	}
	u, err := s.db.FindStaffByEmail(ctx, org.ID, email)
	ok := false
	switch fieldportal.ErrorCode(err) {
	case "":
		ok, err = s.verifyPassword(ctx, u.PasswordHash, password)
		if err == errBusy {
			s.Error(w, r, err)
			return
		} else if err != nil {
			s.logger.WarnContext(ctx, "staff password hash unreadable", "staff", u.ID, "err", err)
			ok = false
		}
		ok = ok && !u.Disabled
	case fieldportal.ENOTFOUND:
		if err := s.dummyVerify(ctx, password); err != nil {
			s.Error(w, r, err)
			return
		}
	default:
		s.Error(w, r, err)
		return
	}
	if !ok {
		if err := th.Fail(ctx, "", s.clientAddress(r)); err != nil {
			s.logger.WarnContext(ctx, "record failed staff sign-in", "err", err)
		}
		s.renderConsoleLogin(w, r, http.StatusUnauthorized, email, next, FormErrors{"": "Wrong email address or password."})
		return
	}
	th.Succeed(ctx, account)
	if err := s.newSession(w, r, consoleCookie, "/console", &fieldportal.Session{OrgID: org.ID, StaffID: u.ID}); err != nil {
		s.Error(w, r, err)
		return
	}
	s.db.RecordStaffLogin(ctx, u.ID)
	http.Redirect(w, r, next, http.StatusSeeOther)
}

func (s *Server) handleConsoleLogout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(consoleCookie); err == nil && c.Value != "" {
		if err := s.db.DeleteSession(r.Context(), auth.HashToken(c.Value)); err != nil {
			s.Error(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: consoleCookie, Value: "", Path: "/console", MaxAge: -1,
		HttpOnly: true, Secure: s.secureCookies, SameSite: http.SameSiteLaxMode})
	http.Redirect(w, r, "/console/login?done=logout", http.StatusSeeOther)
}

// consoleHomeView is the console's start page.
type consoleHomeView struct {
	Layout
	PendingMail int
	MailHeld    bool
	Admin       bool
}

func (s *Server) handleConsoleHome(w http.ResponseWriter, r *http.Request) {
	v, _ := ViewerFromContext(r.Context())
	n, err := s.db.CountOutbox(r.Context(), v, "mail", fieldportal.OutboxPending)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "console_home", consoleHomeView{Layout: s.consoleLayout(r, "Staff console"),
		PendingMail: n, MailHeld: !s.cfg.MailEnabled, Admin: v.IsAdmin()})
}

// consoleNext reports whether next is a safe page of the console to
// return to after signing in: local, and still under /console once the
// path is cleaned as the redirect will clean it.
func consoleNext(next string) bool {
	if safeNext(next) != next {
		return false
	}
	p, _, _ := strings.Cut(next, "?")
	c := path.Clean(p)
	return c == "/console" || strings.HasPrefix(c, "/console/")
}
