package portal

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// One contact of the contacts and users (contacts.go): the new-contact
// form, with Login active and the access given, and a contact's page,
// with its details, its login's actions and its access.

// contactForm is what the contact forms hold: as typed, or as saved.
type contactForm struct {
	CustomerID, CustomerText                            string
	FirstName, LastName, Email, Phone, Mobile, Position string
	Roles                                               []string
	Primary                                             bool
	// Login is how a new login is made: "" (none), "invite" (Login
	// active: the setup mail) or "password" (an initial password).
	Login string
	Grant fieldportal.AccessGrant
}

// contactFormOf reads a posted contact form.
func contactFormOf(f url.Values) contactForm {
	g := fieldportal.AccessGrant{
		Pages:             fieldportal.ParseModules(strings.Join(f["pages"], ",")),
		SiteAccess:        fieldportal.SiteAccess(f.Get("site_access")),
		SiteIDs:           f["sites"],
		MayManageContacts: f.Get("manage") == "on",
	}
	// Unknown page names are kept, so that the store refuses them rather
	// than the form dropping them unseen.
	for _, name := range f["pages"] {
		if m := fieldportal.Module(name); !m.Valid() {
			g.Pages = append(g.Pages, m)
		}
	}
	login := f.Get("login")
	if login == "password" {
		g.Password = f.Get("password")
	}
	return contactForm{
		CustomerID: strings.TrimSpace(f.Get("customer_id")), CustomerText: strings.TrimSpace(f.Get("customer")),
		FirstName: strings.TrimSpace(f.Get("first_name")), LastName: strings.TrimSpace(f.Get("last_name")),
		Email: strings.TrimSpace(f.Get("email")), Phone: strings.TrimSpace(f.Get("phone")),
		Mobile: strings.TrimSpace(f.Get("mobile")), Position: strings.TrimSpace(f.Get("position")),
		Roles: f["roles"], Primary: f.Get("primary") == "on", Login: login, Grant: g,
	}
}

// formOfContact fills the details part of the form from a saved contact.
func formOfContact(c *fieldportal.Contact) contactForm {
	f := contactForm{CustomerID: c.CustomerID, FirstName: c.FirstName, LastName: c.LastName, Email: c.Email, Phone: c.Phone,
		Mobile: c.Mobile, Position: c.Position, Primary: c.Primary}
	for _, r := range []struct {
		on   bool
		name string
	}{{c.QuoteContact, "quote"}, {c.JobContact, "job"}, {c.InvoiceContact, "invoice"}, {c.StatementContact, "statement"}} {
		if r.on {
			f.Roles = append(f.Roles, r.name)
		}
	}
	return f
}

// apply copies the details of the form onto a contact.
func (f contactForm) apply(c *fieldportal.Contact) {
	c.FirstName, c.LastName, c.Email, c.Phone, c.Mobile, c.Position = f.FirstName, f.LastName, f.Email, f.Phone, f.Mobile, f.Position
	c.QuoteContact, c.JobContact = slices.Contains(f.Roles, "quote"), slices.Contains(f.Roles, "job")
	c.InvoiceContact, c.StatementContact = slices.Contains(f.Roles, "invoice"), slices.Contains(f.Roles, "statement")
	c.Primary = f.Primary
}

// contactView is the page of one contact, or of a new one (Contact nil).
type contactView struct {
	web.Layout
	Notice string
	// NoticeTone is "warning" for a notice beside errors.
	NoticeTone string
	Errors     []fieldportal.FieldError
	// Action is where the details (and, for a new contact, the access)
	// are posted.
	Action  string
	Contact *fieldportal.Contact
	// Customer is a select or a text field (a new contact), CustomerName
	// the customer of a saved one.
	Customer     any
	CustomerName string
	FirstName    web.FieldView
	LastName     web.FieldView
	Email        web.FieldView
	Phone        web.FieldView
	Mobile       web.FieldView
	Position     web.FieldView
	Roles        web.Choices
	Primary      bool
	// Self is the viewer's own contact: its details are changed on the
	// preferences page and its access is not its to change.
	Self      bool
	RolesText string
	Login     *fieldportal.PortalLogin
	Status    string
	Tone      string
	Access    accessView
}

// accessView is the portal access part of the page, offering only what
// the manager has itself.
type accessView struct {
	Method     web.Choices // how a new login gets in (Login active)
	Password   web.FieldView
	Pages      web.Choices
	OfferAll   bool
	SiteAccess string
	Sites      web.Choices
	SiteSearch string
	MoreSites  bool
	// SitesLater says a new contact's sites are too many to list: they
	// are chosen on its page once saved.
	SitesLater bool
	Manage     bool
	// SetPassword offers an initial password for an existing login.
	SetPassword bool
}

// contactNotices are the messages after an action (?done=).
var contactNotices = map[string]string{
	"created":  "Contact saved.",
	"sent":     "Contact saved, and a setup email has been sent so they can choose a username and password.",
	"initial":  "Portal login created with an initial password; the contact must change it at first login.",
	"saved":    "Details saved.",
	"access":   "Portal access saved.",
	"resent":   "A new setup email has been sent; the previous link no longer works.",
	"reset":    "A password reset email has been sent to the contact.",
	"disabled": "Portal access disabled; the contact has been signed out everywhere.",
	"password": "The initial password is set; the contact must change it at first login.",
}

// handleContactNew shows the form for a new contact.
func (p *Portal) handleContactNew(w http.ResponseWriter, r *http.Request) {
	v, ok := p.mayManage(w, r)
	if !ok {
		return
	}
	// A new login's pages are the organisation's default, as staff's are;
	// the form offers only those the manager has.
	st, err := p.svc.Orgs.FindSettings(r.Context(), v.OrgID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	f := contactForm{Grant: fieldportal.AccessGrant{Pages: st.DefaultPages, SiteAccess: fieldportal.SiteAccessAssigned}}
	if ownAll(v) {
		f.Grant.SiteAccess = fieldportal.SiteAccessAll
	}
	p.renderContactNew(w, r, v, http.StatusOK, f, web.FormErrors{})
}

// ownAll reports whether the viewer has access to all its sites, and so
// may grant it.
func ownAll(v fieldportal.Viewer) bool { return v.SiteAccess == fieldportal.SiteAccessAll }

func (p *Portal) renderContactNew(w http.ResponseWriter, r *http.Request, v fieldportal.Viewer, status int, f contactForm, errs web.FormErrors) {
	ctx := r.Context()
	view := contactView{Layout: p.layout(r, "New contact"), Action: "/preferences/contacts/new"}
	customers, next, err := p.svc.Sites.FindCustomers(ctx, v, fieldportal.CustomerFilter{Page: fieldportal.Page{Limit: choicesMax}})
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	if next == "" {
		sel := web.SelectView{FieldView: web.FieldView{Name: "customer_id", Label: "Customer", Type: "select", Error: errs["customer_id"], Required: true}}
		if len(customers) != 1 {
			sel.Options = append(sel.Options, web.CheckOption{Value: "", Label: "Choose a customer"})
		}
		for _, c := range customers {
			sel.Options = append(sel.Options, web.CheckOption{Value: c.ID, Label: c.Name, Checked: c.ID == f.CustomerID})
		}
		view.Customer = sel
	} else {
		fv := web.Field("customer", "Customer", "text", f.CustomerText, "off", errs)
		fv.Hint = "Type the customer's name."
		if errs["customer_id"] != "" && fv.Error == "" {
			fv.Error = errs["customer_id"]
		}
		view.Customer = fv
	}
	p.fillDetails(&view, f, errs)
	a := &view.Access
	a.Method = web.Choices{Name: "login", Legend: "Login active", Type: "radio", Error: errs["login"],
		Hint: "To give a login, the email address is required.",
		Options: []web.CheckOption{{Value: "", Label: "No", Checked: f.Login == ""},
			{Value: "invite", Label: "Yes: email a setup link (valid 72 hours)", Checked: f.Login == "invite"},
			{Value: "password", Label: "Yes: set an initial password, to be changed at first login", Checked: f.Login == "password"}}}
	sites, more, err := p.offeredSites(r, v, "")
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	p.fillAccess(r, v, a, nil, f.Grant, sites, errs)
	a.SitesLater = more
	view.Errors = errs.List("customer_id", "customer", "first_name", "last_name", "email", "phone", "mobile", "position",
		"roles", "login", "password", "pages", "site_access", "sites", "manage")
	p.pages.Render(w, r, status, "contact", view)
}

// offeredSites are the sites a new contact's form lists: the first of
// those the viewer reaches (none without the Sites page); more says there
// are others.
func (p *Portal) offeredSites(r *http.Request, v fieldportal.Viewer, search string) ([]*fieldportal.Site, bool, error) {
	sites, next, err := p.svc.Sites.FindSites(r.Context(), v, fieldportal.SiteFilter{Search: search, Page: fieldportal.Page{Limit: choicesMax}})
	if fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND {
		return nil, false, nil
	}
	return sites, next != "", err
}

// fillDetails fills the contact's fields from the form.
func (p *Portal) fillDetails(view *contactView, f contactForm, errs web.FormErrors) {
	view.FirstName = web.Field("first_name", "First name", "text", f.FirstName, "off", errs)
	view.LastName = web.Field("last_name", "Last name", "text", f.LastName, "off", errs).Optional()
	view.Email = web.Field("email", "Email", "email", f.Email, "off", errs).Optional()
	view.Email.Hint = "Required to give the contact a portal login."
	view.Phone = web.Field("phone", "Phone", "tel", f.Phone, "off", errs).Optional()
	view.Mobile = web.Field("mobile", "Mobile", "tel", f.Mobile, "off", errs).Optional()
	view.Position = web.Field("position", "Position", "text", f.Position, "off", errs).Optional()
	view.Roles = web.Choices{Name: "roles", Legend: "Contact for", Type: "checkbox", Columns: true, Error: errs["roles"],
		Hint: "Which of your mail this person is the contact for."}
	for _, r := range []struct{ value, label string }{{"quote", "Quotes"}, {"job", "Jobs"}, {"invoice", "Invoices"}, {"statement", "Statements and overdue letters"}} {
		view.Roles.Options = append(view.Roles.Options, web.CheckOption{Value: r.value, Label: r.label, Checked: slices.Contains(f.Roles, r.value)})
	}
	view.Primary = f.Primary
}

// fillAccess fills the grant part of the form: the pages and site access
// the viewer has itself, plus what the login already has (kept on save,
// see the store's keepUnseen), and the sites offered.
func (p *Portal) fillAccess(r *http.Request, v fieldportal.Viewer, a *accessView, login *fieldportal.PortalLogin, g fieldportal.AccessGrant, sites []*fieldportal.Site, errs web.FormErrors) {
	a.Pages = web.Choices{Name: "pages", Legend: "Page access", Type: "checkbox", Columns: true, Error: errs["pages"],
		Hint: "The pages this person may use. You can give only pages you have yourself."}
	for _, m := range fieldportal.AllModules {
		if v.Pages.Has(m) {
			a.Pages.Options = append(a.Pages.Options, web.CheckOption{Value: string(m), Label: m.Label(), Checked: g.Pages.Has(m)})
		}
	}
	a.OfferAll = ownAll(v) || (login != nil && login.SiteAccess == fieldportal.SiteAccessAll)
	a.SiteAccess = string(g.SiteAccess)
	if !a.OfferAll {
		a.SiteAccess = string(fieldportal.SiteAccessAssigned)
	}
	a.Sites = web.Choices{Name: "sites", Legend: "Assigned sites", Type: "checkbox", Error: errs["sites"],
		Hint: "Used when site access is “Assigned sites only”: quotes, jobs, invoices and equipment of these sites alone."}
	for _, s := range sites {
		label := s.Name
		if s.CustomerName != "" {
			label += " (" + s.CustomerName + ")"
		}
		a.Sites.Options = append(a.Sites.Options, web.CheckOption{Value: s.ID, Label: label, Checked: slices.Contains(g.SiteIDs, s.ID)})
	}
	a.Manage = g.MayManageContacts
	a.Password = web.Field("password", "Initial password", "password", "", "new-password", errs).Optional()
	if hint, err := p.svc.SignIn.PasswordPolicyHint(r.Context(), v.OrgID); err == nil {
		a.Password.Hint = hint + " The contact must change it at first login."
	}
}

// handleContactCreate saves a new contact and, with Login active, its
// login: a setup mail or an initial password. A contact saved whose
// access then fails shows its own page with the access as typed and why.
func (p *Portal) handleContactCreate(w http.ResponseWriter, r *http.Request) {
	v, ok := p.mayManage(w, r)
	if !ok || !p.kit.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	f := contactFormOf(r.PostForm)
	errs := web.FormErrors{}
	if f.CustomerID == "" && f.CustomerText != "" {
		found, _, err := p.svc.Sites.FindCustomers(ctx, v, fieldportal.CustomerFilter{Search: f.CustomerText, Page: fieldportal.Page{Limit: 2}})
		switch {
		case err != nil:
			p.kit.Error(w, r, err)
			return
		case len(found) == 1:
			f.CustomerID = found[0].ID
		case len(found) == 0:
			errs["customer"] = "No customer of yours matches “" + f.CustomerText + "”."
		default:
			errs["customer"] = "Several customers match “" + f.CustomerText + "”: type more of the name."
		}
	}
	switch f.Login {
	case "", "invite":
	case "password":
		if f.Grant.Password == "" {
			errs["password"] = "Enter an initial password."
		}
	default:
		errs["login"] = "Choose whether the contact gets a login."
	}
	if f.Login == "invite" && f.Email == "" {
		errs["email"] = "Enter the email address the setup link is sent to."
	}
	if f.Login != "" && f.Grant.SiteAccess == fieldportal.SiteAccessAssigned && len(f.Grant.SiteIDs) == 0 {
		errs["sites"] = "Choose at least one site, or give access to all sites."
	}
	c := &fieldportal.Contact{CustomerID: f.CustomerID}
	f.apply(c)
	if errs.Has() {
		// The contact's own checks too, so every problem shows at once.
		for k, m := range web.ErrorsOf(c.Validate()) {
			if _, dup := errs[k]; !dup && k != "" && (k != "customer_id" || f.CustomerText == "") {
				errs[k] = m
			}
		}
		p.renderContactNew(w, r, v, http.StatusBadRequest, f, errs)
		return
	}
	if err := p.svc.Access.CreateContact(ctx, v, c); err != nil {
		if !web.IsFormError(err) {
			p.kit.Error(w, r, err)
			return
		}
		p.renderContactNew(w, r, v, web.StatusFor(fieldportal.ErrorCode(err)), f, web.ErrorsOf(err))
		return
	}
	done := "created"
	if f.Login != "" {
		out, err := p.svc.Access.GrantPortalAccess(ctx, v, c.ID, f.Grant)
		if err != nil {
			if !web.IsFormError(err) {
				p.kit.Error(w, r, err)
				return
			}
			// The contact is saved: its page shows, with the access as
			// typed and what is wrong with it.
			r.SetPathValue("id", c.ID)
			p.renderContact(w, r, web.StatusFor(fieldportal.ErrorCode(err)), nil, &f, "The contact was saved, but not its portal access: see below.", web.ErrorsOf(err))
			return
		}
		done = map[fieldportal.GrantOutcome]string{fieldportal.GrantCreated: "initial"}[out]
		if done == "" {
			done = "sent"
		}
	}
	http.Redirect(w, r, "/preferences/contacts/"+url.PathEscape(c.ID)+"?done="+done, http.StatusSeeOther)
}

// handleContact shows a contact with its portal access.
func (p *Portal) handleContact(w http.ResponseWriter, r *http.Request) {
	if _, ok := p.mayManage(w, r); !ok {
		return
	}
	p.renderContact(w, r, http.StatusOK, nil, nil, contactNotices[r.URL.Query().Get("done")], web.FormErrors{})
}

// renderContact shows the page of the contact of the path; details and
// access are the posted forms to keep after a failure (nil: as saved).
func (p *Portal) renderContact(w http.ResponseWriter, r *http.Request, status int, details, access *contactForm, notice string, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	ca, err := p.svc.Access.FindContactAccess(r.Context(), v, r.PathValue("id"), r.URL.Query().Get("site_q"))
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	ct, login := ca.Contact, ca.Login
	view := contactView{Layout: p.layout(r, ct.Name()), Notice: notice, NoticeTone: map[bool]string{true: "warning"}[errs.Has()], Contact: ct, CustomerName: ca.CustomerName,
		Action: "/preferences/contacts/" + url.PathEscape(ct.ID), Self: ct.ID == v.ContactID, Login: login, RolesText: rolesText(ct)}
	f := formOfContact(ct)
	f.Grant = fieldportal.AccessGrant{Pages: ca.DefaultPages, SiteAccess: fieldportal.SiteAccessAssigned}
	if ownAll(v) {
		f.Grant.SiteAccess = fieldportal.SiteAccessAll
	}
	if login != nil {
		f.Grant = fieldportal.AccessGrant{Pages: login.Pages, SiteAccess: login.SiteAccess, SiteIDs: login.SiteIDs, MayManageContacts: login.MayManageContacts}
		view.Status = loginLabel(login.Status)
		view.Tone = loginTones[view.Status]
	}
	if details != nil {
		g := f.Grant
		f = *details
		f.Grant = g
	}
	if access != nil {
		f.Grant, f.Login = access.Grant, access.Login
	}
	p.fillDetails(&view, f, errs)
	a := &view.Access
	if login == nil {
		method := f.Login
		if method == "" {
			method = "invite"
		}
		a.Method = web.Choices{Name: "login", Legend: "How the contact gets in", Type: "radio", Error: errs["login"],
			Options: []web.CheckOption{{Value: "invite", Label: "Email a setup link (valid 72 hours)", Checked: method == "invite"},
				{Value: "password", Label: "Set an initial password, to be changed at first login", Checked: method == "password"}}}
	}
	p.fillAccess(r, v, a, login, f.Grant, ca.Sites, errs)
	a.SiteSearch, a.MoreSites = ca.SiteSearch, ca.MoreSites
	// Only a login nobody has set up yet: the store refuses an initial
	// password on one whose owner chose its own.
	a.SetPassword = login != nil && (login.Status == fieldportal.LoginInvited ||
		login.Status == fieldportal.LoginActive && login.MustChangePassword)
	view.Errors = errs.List("first_name", "last_name", "email", "phone", "mobile", "position", "roles",
		"login", "password", "pages", "site_access", "sites", "manage")
	p.pages.Render(w, r, status, "contact", view)
}

// handleContactPost carries out one action on a contact, named by the
// form's action field: one service call each.
func (p *Portal) handleContactPost(w http.ResponseWriter, r *http.Request) {
	v, ok := p.mayManage(w, r)
	if !ok || !p.kit.ParseForm(w, r) {
		return
	}
	ctx := r.Context()
	id := r.PathValue("id")
	form := r.PostForm
	f := contactFormOf(form)
	var details, access *contactForm
	var done string
	var err error
	action := form.Get("action")
	if id == v.ContactID {
		// The manager's own details and password are the preferences
		// page's, its own access not its to change.
		action = "self"
	}
	switch action {
	case "details":
		details = &f
		var c *fieldportal.Contact
		if c, err = p.svc.Access.FindContactByID(ctx, v, id); err == nil {
			f.apply(c)
			err, done = p.svc.Access.UpdateContact(ctx, v, c), "saved"
		}
	case "grant":
		access = &f
		if f.Login == "password" && f.Grant.Password == "" {
			err = fieldportal.FieldErrorf("password", "Enter an initial password.")
			break
		}
		var out fieldportal.GrantOutcome
		out, err = p.svc.Access.GrantPortalAccess(ctx, v, id, f.Grant)
		done = map[fieldportal.GrantOutcome]string{fieldportal.GrantCreated: "initial", fieldportal.GrantInvited: "sent",
			fieldportal.GrantResent: "resent", fieldportal.GrantSaved: "access"}[out]
	case "save":
		access = &f
		err, done = p.svc.Access.UpdatePortalAccess(ctx, v, id, f.Grant), "access"
	case "resend":
		err, done = p.svc.Access.ResendInvitation(ctx, v, id), "resent"
	case "reset":
		err, done = p.svc.Access.SendPasswordReset(ctx, v, id), "reset"
	case "disable":
		err, done = p.svc.Access.SetPortalAccessEnabled(ctx, v, id, false), "disabled"
	case "password":
		err, done = p.svc.Access.SetInitialPassword(ctx, v, id, form.Get("password")), "password"
	case "self":
		err = fieldportal.Errorf(fieldportal.EINVALID, "Change your own details and password on your preferences page.")
	default:
		err = fieldportal.Errorf(fieldportal.EINVALID, "Unknown action.")
	}
	if err != nil {
		if web.IsFormError(err) && fieldportal.ErrorCode(err) != fieldportal.EUNAUTHORIZED {
			p.renderContact(w, r, web.StatusFor(fieldportal.ErrorCode(err)), details, access, "", web.ErrorsOf(err))
			return
		}
		p.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/preferences/contacts/"+url.PathEscape(id)+"?done="+done, http.StatusSeeOther)
}
