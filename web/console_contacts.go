package web

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/auth"
)

// The console's access screens: find a contact, then give, change or take
// away its portal login (SPEC §2, §3; seed 004's "Send customer portal
// access" and "Manage portal access", seed 003's login settings).

type consoleContactsView struct {
	Layout
	Query    string
	Contacts []consoleContactRow
	NextURL  string
	FirstURL string
}

type consoleContactRow struct {
	URL, Name, Email, Customer, Access string
}

func (s *Server) handleConsoleContacts(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	after := r.URL.Query().Get("after")
	list, next, err := s.db.FindContacts(ctx, v, fieldportal.ContactFilter{Search: q, Page: fieldportal.Page{After: after}})
	if err != nil {
		s.Error(w, r, err)
		return
	}
	view := consoleContactsView{Layout: s.consoleLayout(r, "Contacts and portal access"), Query: q}
	names := map[string]string{}
	for _, c := range list {
		cust, ok := names[c.CustomerID]
		if !ok {
			if cu, err := s.db.FindCustomerByID(ctx, v, c.CustomerID); err == nil {
				cust = cu.Name
			}
			names[c.CustomerID] = cust
		}
		access := "No login"
		if l, err := s.db.FindLoginByContact(ctx, v, c.ID); err == nil {
			access = loginStatusLabel(l.Status)
		}
		view.Contacts = append(view.Contacts, consoleContactRow{URL: "/console/contacts/" + c.ID, Name: c.Name(), Email: c.Email, Customer: cust, Access: access})
	}
	if next != "" {
		view.NextURL = "/console/contacts?" + url.Values{"q": {q}, "after": {next}}.Encode()
	}
	if after != "" {
		view.FirstURL = "/console/contacts?" + url.Values{"q": {q}}.Encode()
	}
	s.render(w, r, http.StatusOK, "console_contacts", view)
}

func loginStatusLabel(st fieldportal.LoginStatus) string {
	switch st {
	case fieldportal.LoginActive:
		return "Active"
	case fieldportal.LoginInvited:
		return "Invited"
	case fieldportal.LoginDisabled:
		return "Disabled"
	}
	return string(st)
}

// consoleContactView is one contact with its portal access.
type consoleContactView struct {
	Layout
	Contact  *fieldportal.Contact
	Customer string
	Login    *fieldportal.PortalLogin
	Status   string
	// LastLogin is when the login last signed in, in the organisation's
	// zone, or "".
	LastLogin string
	Notice    string
	Errors    []fieldportal.FieldError
	Access    accessForm
}

// accessForm is the grant part of the page: what was typed is kept on a
// failed save.
type accessForm struct {
	Username   FieldView
	Pages      []checkOption
	SiteAccess string
	Sites      []checkOption
	Manage     bool
	Password   FieldView
	Method     string // invite or password, for a new login
}

type checkOption struct {
	Value, Label string
	Checked      bool
}

// consoleNotices are the fixed messages after an action (?done=).
var consoleNotices = map[string]string{
	"sent":     "Portal access sent: the contact has been emailed a link to set up its login.",
	"created":  "Portal login created with an initial password; the contact must change it at first login.",
	"resent":   "A new invitation has been sent; the previous link no longer works.",
	"saved":    "Portal access saved.",
	"disabled": "Portal access disabled; the contact has been signed out everywhere.",
	"enabled":  "Portal access enabled.",
	"reset":    "A password reset link has been sent to the contact.",
	"password": "The new initial password is set; every session of the contact has ended.",
}

func (s *Server) handleConsoleContact(w http.ResponseWriter, r *http.Request) {
	s.renderConsoleContact(w, r, http.StatusOK, nil, FormErrors{})
}

// renderConsoleContact shows the contact page; typed is the posted form
// to keep after a failure (nil: fill from the saved login).
func (s *Server) renderConsoleContact(w http.ResponseWriter, r *http.Request, status int, typed url.Values, errs FormErrors) {
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	c, err := s.db.FindContactByID(ctx, v, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	view := consoleContactView{Layout: s.consoleLayout(r, c.Name()), Contact: c, Notice: consoleNotices[r.URL.Query().Get("done")]}
	if cu, err := s.db.FindCustomerByID(ctx, v, c.CustomerID); err == nil {
		view.Customer = cu.Name
	}
	login, err := s.db.FindLoginByContact(ctx, v, c.ID)
	switch fieldportal.ErrorCode(err) {
	case "":
		view.Login, view.Status = login, loginStatusLabel(login.Status)
		if !login.LastLoginAt.IsZero() {
			view.LastLogin = login.LastLoginAt.In(orgLocation(r)).Format("2 Jan 2006 15:04")
		}
	case fieldportal.ENOTFOUND:
	default:
		s.Error(w, r, err)
		return
	}
	settings, err := s.db.FindSettings(ctx, v.OrgID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	sites, err := s.db.FindSitesUnderCustomer(ctx, v, c.CustomerID)
	if err != nil {
		s.Error(w, r, err)
		return
	}
	// What the form shows: what was typed, else the saved login, else defaults.
	username, pages, access, siteIDs, manage, method := c.Email, settings.DefaultPages, fieldportal.SiteAccessAll, []string(nil), false, "invite"
	if login != nil {
		username, pages, access, siteIDs, manage = login.Username, login.Pages, login.SiteAccess, login.SiteIDs, login.MayManageContacts
	}
	if typed != nil {
		username, pages, access = typed.Get("username"), fieldportal.ParseModules(strings.Join(typed["pages"], ",")), fieldportal.SiteAccess(typed.Get("site_access"))
		siteIDs, manage, method = typed["sites"], typed.Get("manage") == "on", typed.Get("method")
	}
	f := &view.Access
	f.Username = field("username", "Username", "text", username, "off", errs)
	f.Username.Hint = "Defaults to the contact's email address. Usernames are unique in the portal and not case-sensitive."
	for _, m := range fieldportal.AllModules {
		f.Pages = append(f.Pages, checkOption{Value: string(m), Label: m.Label(), Checked: pages.Has(m)})
	}
	f.SiteAccess = string(access)
	for _, st := range sites {
		f.Sites = append(f.Sites, checkOption{Value: st.ID, Label: st.Name + " (" + st.CustomerName + ")", Checked: slices.Contains(siteIDs, st.ID)})
	}
	f.Manage, f.Method = manage, method
	f.Password = field("password", "Initial password", "password", "", "new-password", errs)
	f.Password.Required = false
	f.Password.Hint = auth.PasswordPolicy(settings.PasswordPolicy).Describe() + " The contact must change it at first login."
	view.Errors = errs.List("username", "pages", "site_access", "sites", "password")
	s.render(w, r, status, "console_contact", view)
}

// handleConsoleAccess carries out one action on a contact's portal
// access, named by the form's action field.
func (s *Server) handleConsoleAccess(w http.ResponseWriter, r *http.Request) {
	if !s.parseForm(w, r) {
		return
	}
	ctx := r.Context()
	v, _ := ViewerFromContext(ctx)
	c, err := s.db.FindContactByID(ctx, v, r.PathValue("id"))
	if err != nil {
		s.Error(w, r, err)
		return
	}
	form := r.PostForm
	back := func(done string) {
		http.Redirect(w, r, "/console/contacts/"+c.ID+"?done="+done, http.StatusSeeOther)
	}
	fail := func(err error) {
		if code := fieldportal.ErrorCode(err); code == fieldportal.EINVALID || code == fieldportal.ECONFLICT ||
			code == fieldportal.EFORBIDDEN || code == fieldportal.ERATELIMIT {
			// Only the access form's own actions post its fields; after
			// any other action the form shows the saved grants.
			typed := form
			if a := form.Get("action"); a != "create" && a != "save" {
				typed = nil
			}
			s.renderConsoleContact(w, r, http.StatusBadRequest, typed, formErrors(err))
			return
		}
		s.Error(w, r, err)
	}
	grants := func(l *fieldportal.PortalLogin) {
		l.Username = strings.TrimSpace(form.Get("username"))
		l.Pages = fieldportal.ParseModules(strings.Join(form["pages"], ","))
		l.SiteAccess = fieldportal.SiteAccess(form.Get("site_access"))
		l.SiteIDs = form["sites"]
		l.MayManageContacts = form.Get("manage") == "on"
	}
	login, err := s.db.FindLoginByContact(ctx, v, c.ID)
	if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		s.Error(w, r, err)
		return
	}
	action := form.Get("action")
	if action == "create" && login != nil {
		// The login was made by an earlier attempt whose mail failed:
		// save what was chosen and send the invitation again.
		if login.Status == fieldportal.LoginInvited {
			grants(login)
			if err := s.db.UpdateLoginAccess(ctx, v, login); err != nil {
				fail(err)
				return
			}
			action = "resend"
		} else {
			action = "save"
		}
	}
	switch {
	case action == "create" && login == nil:
		l := &fieldportal.PortalLogin{ContactID: c.ID, Status: fieldportal.LoginInvited}
		grants(l)
		if l.SiteAccess == fieldportal.SiteAccessAssigned && len(l.SiteIDs) == 0 {
			fail(fieldportal.FieldErrorf("sites", "Choose at least one site, or give access to all sites."))
			return
		}
		if form.Get("method") == "password" {
			if err := s.initialPassword(r, c, l); err != nil {
				fail(err)
				return
			}
			if err := s.db.CreatePortalLogin(ctx, v, l); err != nil {
				fail(err)
				return
			}
			back("created")
			return
		}
		if !fieldportal.ValidEmail(c.Email) {
			fail(fieldportal.FieldErrorf("username", "The contact needs a valid email address to be sent portal access; add one first, or set an initial password instead."))
			return
		}
		if err := s.db.CreatePortalLogin(ctx, v, l); err != nil {
			fail(err)
			return
		}
		if err := s.SendInvite(ctx, v, l, c); err != nil {
			fail(err)
			return
		}
		back("sent")
	case login == nil:
		s.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "This contact has no portal login."))
	case action == "save":
		grants(login)
		if login.SiteAccess == fieldportal.SiteAccessAssigned && len(login.SiteIDs) == 0 {
			fail(fieldportal.FieldErrorf("sites", "Choose at least one site, or give access to all sites."))
			return
		}
		if err := s.db.UpdateLoginAccess(ctx, v, login); err != nil {
			fail(err)
			return
		}
		back("saved")
	case action == "resend":
		if err := s.SendInvite(ctx, v, login, c); err != nil {
			fail(err)
			return
		}
		back("resent")
	case action == "disable" || action == "enable":
		login.Status = fieldportal.LoginDisabled
		done := "disabled"
		if action == "enable" {
			login.Status, done = fieldportal.LoginActive, "enabled"
		}
		if err := s.db.UpdateLoginAccess(ctx, v, login); err != nil {
			fail(err)
			return
		}
		back(done)
	case action == "reset":
		org := OrganisationFromContext(ctx)
		if login.Status != fieldportal.LoginActive {
			fail(fieldportal.Errorf(fieldportal.ECONFLICT, "Only an active login can be sent a password reset; re-send the invitation instead."))
			return
		}
		if err := s.issueReset(ctx, v, org, login, c); err != nil {
			fail(err)
			return
		}
		back("reset")
	case action == "password":
		if err := s.initialPassword(r, c, login); err != nil {
			fail(err)
			return
		}
		if err := s.db.SetInitialPassword(ctx, v, c.ID, login.PasswordHash); err != nil {
			fail(err)
			return
		}
		back("password")
	default:
		s.Error(w, r, fieldportal.Errorf(fieldportal.EINVALID, "Unknown action."))
	}
}

// initialPassword checks the typed initial password against the policy
// and hashes it into l (SPEC §3 "direct creation": it must be changed at
// first login).
func (s *Server) initialPassword(r *http.Request, c *fieldportal.Contact, l *fieldportal.PortalLogin) error {
	policy, err := s.policyFor(r.Context(), c.OrgID)
	if err != nil {
		return err
	}
	pw := r.PostForm.Get("password")
	if pw == "" {
		return fieldportal.FieldErrorf("password", "Enter an initial password.")
	}
	if err := policy.Check(pw, l.Username, c.Email, c.Name()); err != nil {
		return err
	}
	hash, err := s.hashPassword(r.Context(), pw)
	if err != nil {
		return err
	}
	l.PasswordHash, l.MustChangePassword, l.Status = hash, true, fieldportal.LoginActive
	return nil
}
