package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The console's access screens: find a contact, then give, change or take
// away its portal login (SPEC §2, §3; seed 004's "Send customer portal
// access" and "Manage portal access", seed 003's login settings).

type contactsView struct {
	web.Layout
	Query string
	// Table is the page of contacts, in the kit's table (written in Go,
	// see web.Table.RowsHTML: the console's busiest list).
	Table    web.Table
	NextURL  string
	FirstURL string
}

// accessTones colours a login's status label.
var accessTones = map[string]string{"Active": "success", "Invited": "info", "Disabled": "danger"}

func (c *Console) handleContacts(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	after := r.URL.Query().Get("after")
	list, next, err := c.svc.Access.FindContacts(r.Context(), v, fieldportal.ContactFilter{Search: q, Page: fieldportal.Page{After: after}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	view := contactsView{Layout: c.layout(r, "Contacts and portal access"), Query: q}
	view.Table.Caption = "Contacts"
	if q != "" {
		view.Table.Caption = "Contacts matching “" + q + "”"
	}
	view.Table.Columns = []web.Column{{Label: "Name"}, {Label: "Email"}, {Label: "Customer"}, {Label: "Portal access"}}
	for _, row := range list {
		access := loginStatusLabel(row.LoginStatus)
		view.Table.Rows = append(view.Table.Rows, []web.Cell{
			web.LinkCell(row.Contact.Name(), "/console/contacts/"+url.PathEscape(row.Contact.ID)),
			web.TextCell(row.Contact.Email), web.TextCell(row.CustomerName), web.BadgeCell(access, accessTones[access])})
	}
	if next != "" {
		view.NextURL = "/console/contacts?" + url.Values{"q": {q}, "after": {next}}.Encode()
	}
	if after != "" {
		view.FirstURL = "/console/contacts?" + url.Values{"q": {q}}.Encode()
	}
	c.pages.Render(w, r, http.StatusOK, "contacts", view)
}

func loginStatusLabel(st fieldportal.LoginStatus) string {
	switch st {
	case "":
		return "No login"
	case fieldportal.LoginActive:
		return "Active"
	case fieldportal.LoginInvited:
		return "Invited"
	case fieldportal.LoginDisabled:
		return "Disabled"
	}
	return string(st)
}

// contactView is one contact with its portal access.
type contactView struct {
	web.Layout
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
	// Admin may set initial passwords.
	Admin bool
	// SecondFactor: the login has a second factor staff may remove.
	SecondFactor bool
}

// accessForm is the grant part of the page: what was typed is kept on a
// failed save.
type accessForm struct {
	Username   web.FieldView
	Pages      []web.CheckOption
	SiteAccess string
	Sites      []web.CheckOption
	Manage     bool
	Password   web.FieldView
	Method     string // invite or password, for a new login
	// SiteSearch finds sites to offer when there are more than Offered;
	// MoreSites says a search would find more.
	SiteSearch string
	MoreSites  bool
	Offered    int
	// Found counts the sites offered besides the assigned ones, so a
	// search that found none says so.
	Found int
}

// notices are the fixed messages after an action (?done=).
var notices = map[string]string{
	"sent":     "Portal access sent: the contact has been emailed a link to set up its login.",
	"created":  "Portal login created with an initial password; the contact must change it at first login.",
	"resent":   "A new invitation has been sent; the previous link no longer works.",
	"saved":    "Portal access saved.",
	"disabled": "Portal access revoked; the contact has been signed out everywhere.",
	"enabled":  "Portal access enabled.",
	"reset":    "A password reset link has been sent to the contact.",
	"password": "The new initial password is set; every session of the contact has ended.",
	"factor":   "The second factor has been removed; the contact has been signed out everywhere and told by email.",
}

func (c *Console) handleContact(w http.ResponseWriter, r *http.Request) {
	c.renderContact(w, r, http.StatusOK, nil, web.FormErrors{})
}

// renderContact shows the contact page; typed is the posted form to keep
// after a failure (nil: fill from the saved login).
func (c *Console) renderContact(w http.ResponseWriter, r *http.Request, status int, typed url.Values, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	ca, err := c.svc.Access.FindContactAccess(r.Context(), v, r.PathValue("id"), r.URL.Query().Get("site_q"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	ct, login := ca.Contact, ca.Login
	view := contactView{Layout: c.layout(r, ct.Name()), Contact: ct, Customer: ca.CustomerName, Login: login,
		Notice: notices[r.URL.Query().Get("done")], Admin: v.IsAdmin()}
	if login != nil {
		view.Status = loginStatusLabel(login.Status)
		if !login.LastLoginAt.IsZero() {
			view.LastLogin = web.FormatDateTime(login.LastLoginAt.In(web.OrgLocation(r)))
		}
		if view.SecondFactor, err = c.svc.SecondFactor.ContactHasSecondFactor(r.Context(), v, ct.ID); err != nil {
			c.kit.Error(w, r, err)
			return
		}
	}
	// What the form shows: what was typed, else the saved login, else defaults.
	username, pages, access, siteIDs, manage, method := ct.Email, ca.DefaultPages, fieldportal.SiteAccessAll, []string(nil), false, "invite"
	if login != nil {
		username, pages, access, siteIDs, manage = login.Username, login.Pages, login.SiteAccess, login.SiteIDs, login.MayManageContacts
	}
	if typed != nil {
		g := grantOf(typed)
		username, pages, access, siteIDs, manage, method = g.Username, g.Pages, g.SiteAccess, g.SiteIDs, g.MayManageContacts, typed.Get("method")
	}
	f := &view.Access
	f.Username = web.Field("username", "Username", "text", username, "off", errs)
	f.Username.Hint = "Defaults to the contact's email address. Usernames are unique in the portal and not case-sensitive."
	for _, m := range fieldportal.AllModules {
		f.Pages = append(f.Pages, web.CheckOption{Value: string(m), Label: m.Label(), Checked: pages.Has(m)})
	}
	f.SiteAccess = string(access)
	for _, st := range ca.Sites {
		f.Sites = append(f.Sites, web.CheckOption{Value: st.ID, Label: st.Name + " (" + st.CustomerName + ")", Checked: slices.Contains(siteIDs, st.ID)})
	}
	f.Manage, f.Method = manage, method
	f.SiteSearch, f.MoreSites, f.Offered = ca.SiteSearch, ca.MoreSites, fieldportal.SitesOffered
	for _, st := range ca.Sites {
		if login == nil || !slices.Contains(login.SiteIDs, st.ID) {
			f.Found++
		}
	}
	f.Password = web.Field("password", "Initial password", "password", "", "new-password", errs).Optional()
	f.Password.Hint = ca.PolicyHint + " The contact must change it at first login."
	view.Errors = errs.List("username", "pages", "site_access", "sites", "password")
	c.pages.Render(w, r, status, "contact", view)
}

// grantOf reads the access form.
func grantOf(form url.Values) fieldportal.AccessGrant {
	g := fieldportal.AccessGrant{
		Username:          strings.TrimSpace(form.Get("username")),
		Pages:             fieldportal.ParseModules(strings.Join(form["pages"], ",")),
		SiteAccess:        fieldportal.SiteAccess(form.Get("site_access")),
		SiteIDs:           form["sites"],
		MayManageContacts: form.Get("manage") == "on",
	}
	if form.Get("method") == "password" {
		g.Password = form.Get("password")
	}
	return g
}

// revokeView asks before taking a contact's access away (seed 004 asks
// the operator to confirm a revoke).
type revokeView struct {
	web.Layout
	Contact *fieldportal.Contact
}

func (c *Console) handleRevokeConfirm(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	ct, err := c.svc.Access.FindContactByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	c.pages.Render(w, r, http.StatusOK, "revoke", revokeView{Layout: c.layout(r, "Revoke portal access"), Contact: ct})
}

// handleAccess carries out one action on a contact's portal access,
// named by the form's action field: one service call each.
func (c *Console) handleAccess(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	v, _ := web.ViewerFromContext(ctx)
	id := r.PathValue("id")
	form := r.PostForm
	action := form.Get("action")
	var done string
	var err error
	switch action {
	case "create":
		var out fieldportal.GrantOutcome
		g := grantOf(form)
		if form.Get("method") == "password" && g.Password == "" {
			err = fieldportal.FieldErrorf("password", "Enter an initial password.")
			break
		}
		out, err = c.svc.Access.GrantPortalAccess(ctx, v, id, g)
		done = string(out)
	case "save":
		err, done = c.svc.Access.UpdatePortalAccess(ctx, v, id, grantOf(form)), "saved"
	case "resend":
		err, done = c.svc.Access.ResendInvitation(ctx, v, id), "resent"
	case "disable":
		err, done = c.svc.Access.SetPortalAccessEnabled(ctx, v, id, false), "disabled"
	case "enable":
		err, done = c.svc.Access.SetPortalAccessEnabled(ctx, v, id, true), "enabled"
	case "reset":
		err, done = c.svc.Access.SendPasswordReset(ctx, v, id), "reset"
	case "password":
		err, done = c.svc.Access.SetInitialPassword(ctx, v, id, form.Get("password")), "password"
	default:
		err = fieldportal.Errorf(fieldportal.EINVALID, "Unknown action.")
	}
	if err != nil {
		if web.IsFormError(err) && fieldportal.ErrorCode(err) != fieldportal.EUNAUTHORIZED {
			// Only the access form's own actions post its fields; after
			// any other action the form shows the saved grants.
			typed := form
			if action != "create" && action != "save" {
				typed = nil
			}
			status := http.StatusBadRequest
			switch fieldportal.ErrorCode(err) {
			case fieldportal.EFORBIDDEN, fieldportal.ERATELIMIT:
				status = web.StatusFor(fieldportal.ErrorCode(err))
			}
			c.renderContact(w, r, status, typed, web.ErrorsOf(err))
			return
		}
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/contacts/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
}
