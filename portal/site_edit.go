package portal

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Sites made and edited in the portal (issue 20, seeds 003 and 004): a
// contact the organisation lets (Settings.SiteEditors, the buttons not
// hidden) creates a site at a customer it reaches and edits the sites it
// reaches: name, address, postcode, UPRN and the site's contacts. The
// store saves them as created in the portal, queues them for staff, and
// sends site.created or site.updated. The booking form's "Create a site"
// comes here with the way back (?return=) and goes back with the new
// site chosen.

// siteEditRoutes registers the routes of this file.
func (p *Portal) siteEditRoutes() {
	k := p.kit
	k.Handle("GET /sites/new", p.signedIn(p.handleSiteNewForm))
	k.Handle("POST /sites/new", p.signedIn(p.handleSiteNew))
	k.Handle("GET /sites/{id}/edit", p.signedIn(p.handleSiteEditForm))
	k.Handle("POST /sites/{id}/edit", p.signedIn(p.handleSiteEdit))
}

// siteCustomerChoices is how many customers the new-site form lists; a
// contact of more searches for its customer.
const siteCustomerChoices = 100

// siteForm is what the site form holds, as typed.
type siteForm struct {
	Name, Line1, Line2, City, Postcode, UPRN string
	CustomerID, CustomerSearch               string
	ContactIDs                               []string
	// Return is the local page to go back to with the new site (the
	// booking form), "" for the site's own page.
	Return string
}

// siteFormView is the new-site and edit-site page.
type siteFormView struct {
	web.Layout
	Heading, Action, Submit, CancelURL, BackURL, BackLabel string
	Errors                                                 []fieldportal.FieldError
	Return                                                 string
	Name, Line1, Line2, City, Postcode, UPRN               web.FieldView
	// Customer is the choice of customer on a new site (nil when the
	// contact reaches one, or on an edit: a site keeps its customer).
	Customer       *web.SelectView
	CustomerSearch *web.FieldView
	CustomerName   string
	CustomerID     string
	Contacts       web.Choices
	NoContacts     string
}

// safeReturn is where a site form may send the contact back to: a local
// path of the portal (web.SafeNext), never another site; "" otherwise.
func safeReturn(s string) string {
	if s == "" || web.SafeNext(s) != s || strings.HasPrefix(s, "/console") {
		return ""
	}
	return s
}

// readSiteForm reads the posted form as typed.
func readSiteForm(f url.Values) siteForm {
	t := func(name string) string { return strings.TrimSpace(f.Get(name)) }
	return siteForm{Name: t("name"), Line1: t("address.line1"), Line2: t("address.line2"), City: t("address.city"),
		Postcode: t("address.postcode"), UPRN: t("uprn"), CustomerID: t("customer_id"), CustomerSearch: t("customer_q"),
		ContactIDs: f["contact_ids"], Return: safeReturn(f.Get("return"))}
}

// site is the form as a site to save.
func (f siteForm) site() *fieldportal.Site {
	ids := f.ContactIDs
	if ids == nil {
		ids = []string{} // none ticked: the site's contacts are cleared
	}
	return &fieldportal.Site{Name: f.Name, CustomerID: f.CustomerID, UPRN: f.UPRN, ContactIDs: ids,
		Address: fieldportal.Address{Line1: f.Line1, Line2: f.Line2, City: f.City, Postcode: f.Postcode}}
}

// checkSiteForm refuses what the store does not check: lengths.
func checkSiteForm(f siteForm) web.FormErrors {
	errs := web.FormErrors{}
	for _, c := range []struct{ name, label, value string }{{"address.line1", "Address", f.Line1},
		{"address.line2", "Address line 2", f.Line2}, {"address.city", "Town or city", f.City}} {
		if len(c.value) > 200 {
			errs[c.name] = c.label + " must be at most 200 characters."
		}
	}
	if len(f.Postcode) > 16 {
		errs["address.postcode"] = "Postcode must be at most 16 characters."
	}
	return errs
}

// mayCreateSite answers 404 without the Sites page and 403 when the
// contact may not create sites (the button is not offered then).
func (p *Portal) mayCreateSite(w http.ResponseWriter, r *http.Request) (fieldportal.Viewer, bool) {
	v, ok := p.needModule(w, r, fieldportal.ModuleSites)
	if ok && !v.CanDo(fieldportal.ActionCreateSite) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot create sites. Ask us to add the site for you."))
		return v, false
	}
	return v, ok
}

// editableSite finds the site of the request: 404 when out of reach (or
// without the Sites page), then 403 when the contact may not edit sites.
func (p *Portal) editableSite(w http.ResponseWriter, r *http.Request) (fieldportal.Viewer, *fieldportal.Site, bool) {
	v, ok := p.needModule(w, r, fieldportal.ModuleSites)
	if !ok {
		return v, nil, false
	}
	site, err := p.svc.Sites.FindSiteByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		p.kit.Error(w, r, web.NotFoundAs(err, "site"))
		return v, nil, false
	}
	if !v.CanDo(fieldportal.ActionEditSite) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.EFORBIDDEN, "You cannot edit sites. Ask us to change the site for you."))
		return v, nil, false
	}
	return v, site, true
}

func (p *Portal) handleSiteNewForm(w http.ResponseWriter, r *http.Request) {
	v, ok := p.mayCreateSite(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := siteForm{Return: safeReturn(q.Get("return")), CustomerID: q.Get("customer")}
	if f.CustomerID == "" {
		f.CustomerID = v.CustomerID // its own customer, until it chooses another
	}
	p.renderSiteForm(w, r, v, nil, f, web.FormErrors{}, http.StatusOK)
}

func (p *Portal) handleSiteNew(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	v, ok := p.mayCreateSite(w, r)
	if !ok {
		return
	}
	f := readSiteForm(r.PostForm)
	if a := r.PostForm.Get("action"); a == "find_customer" || a == "use_customer" {
		// Without JavaScript: show the form again for the customer.
		p.renderSiteForm(w, r, v, nil, f, web.FormErrors{}, http.StatusOK)
		return
	}
	errs := checkSiteForm(f)
	s := f.site()
	if !errs.Has() {
		if err := p.svc.Sites.CreateSite(r.Context(), v, s); web.IsFormError(err) {
			errs = web.ErrorsOf(err)
		} else if err != nil {
			p.kit.Error(w, r, err)
			return
		}
	}
	if errs.Has() {
		p.renderSiteForm(w, r, v, nil, f, errs, http.StatusUnprocessableEntity)
		return
	}
	if f.Return != "" {
		http.Redirect(w, r, withSite(f.Return, s.ID), http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, "/sites/"+url.PathEscape(s.ID)+"?done=created", http.StatusSeeOther)
}

// withSite is the page back with the new site chosen (?site=).
func withSite(back, siteID string) string {
	u, err := url.Parse(back)
	if err != nil {
		return "/sites/" + url.PathEscape(siteID)
	}
	q := u.Query()
	q.Set("site", siteID)
	u.RawQuery = q.Encode()
	return u.String()
}

func (p *Portal) handleSiteEditForm(w http.ResponseWriter, r *http.Request) {
	v, site, ok := p.editableSite(w, r)
	if !ok {
		return
	}
	contacts, err := p.svc.Sites.FindSiteContacts(r.Context(), v, site.ID)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	a := site.Address
	f := siteForm{Name: site.Name, Line1: a.Line1, Line2: a.Line2, City: a.City, Postcode: a.Postcode, UPRN: site.UPRN,
		CustomerID: site.CustomerID}
	for _, c := range contacts {
		f.ContactIDs = append(f.ContactIDs, c.ID)
	}
	p.renderSiteForm(w, r, v, site, f, web.FormErrors{}, http.StatusOK)
}

func (p *Portal) handleSiteEdit(w http.ResponseWriter, r *http.Request) {
	if !p.kit.ParseForm(w, r) {
		return
	}
	v, site, ok := p.editableSite(w, r)
	if !ok {
		return
	}
	f := readSiteForm(r.PostForm)
	f.CustomerID = site.CustomerID // a site keeps its customer
	errs := checkSiteForm(f)
	if !errs.Has() {
		s := f.site()
		// What the form does not show is kept as it is.
		s.ID, s.ExternalID, s.ContractorID, s.CompanySite, s.Notes = site.ID, site.ExternalID, site.ContractorID, site.CompanySite, site.Notes
		s.Address.Region, s.Address.Country = site.Address.Region, site.Address.Country
		s.IfUpdatedAt = site.UpdatedAt
		if err := p.svc.Sites.UpdateSite(r.Context(), v, s); web.IsFormError(err) {
			errs = web.ErrorsOf(err)
		} else if err != nil {
			p.kit.Error(w, r, err)
			return
		}
	}
	if errs.Has() {
		p.renderSiteForm(w, r, v, site, f, errs, http.StatusUnprocessableEntity)
		return
	}
	http.Redirect(w, r, "/sites/"+url.PathEscape(site.ID)+"?done=saved", http.StatusSeeOther)
}

// renderSiteForm shows the form holding f: for a new site when site is
// nil, else for that site.
func (p *Portal) renderSiteForm(w http.ResponseWriter, r *http.Request, v fieldportal.Viewer, site *fieldportal.Site, f siteForm, errs web.FormErrors, status int) {
	ctx := r.Context()
	view := siteFormView{Return: f.Return}
	if site == nil {
		view.Heading, view.Action, view.Submit = "Create a site", "/sites/new", "Create site"
		view.BackURL, view.BackLabel, view.CancelURL = "/sites", "Job sites", "/sites"
		if f.Return != "" {
			view.CancelURL = f.Return
		}
	} else {
		view.Heading, view.Action, view.Submit = "Edit "+site.Name, "/sites/"+url.PathEscape(site.ID)+"/edit", "Save changes"
		view.BackURL, view.BackLabel = "/sites/"+url.PathEscape(site.ID), site.Name
		view.CancelURL, view.CustomerName, view.CustomerID = view.BackURL, site.CustomerName, site.CustomerID
	}
	view.Layout = p.layout(r, view.Heading)
	view.Name = web.Field("name", "Site name", "text", f.Name, "off", errs)
	view.Line1 = web.Field("address.line1", "Address line 1", "text", f.Line1, "address-line1", errs)
	view.Line2 = web.Field("address.line2", "Address line 2", "text", f.Line2, "address-line2", errs).Optional()
	view.City = web.Field("address.city", "Town or city", "text", f.City, "address-level2", errs).Optional()
	view.Postcode = web.Field("address.postcode", "Postcode", "text", f.Postcode, "postal-code", errs).Optional()
	view.UPRN = web.Field("uprn", "UPRN", "text", f.UPRN, "off", errs).Optional()
	view.UPRN.Hint, view.UPRN.Inputmode = "The property's Unique Property Reference Number: up to 12 digits.", "numeric"

	if site == nil {
		// The customer: the first ones by name, or those matching the
		// search; the chosen one is always among them.
		list, next, err := p.svc.Sites.FindCustomers(ctx, v, fieldportal.CustomerFilter{Search: f.CustomerSearch,
			Page: fieldportal.Page{Limit: siteCustomerChoices}})
		if err != nil {
			p.kit.Error(w, r, err)
			return
		}
		if f.CustomerID != "" && !slices.ContainsFunc(list, func(c *fieldportal.Customer) bool { return c.ID == f.CustomerID }) {
			if c, err := p.svc.Sites.FindCustomerByID(ctx, v, f.CustomerID); err == nil {
				list = append([]*fieldportal.Customer{c}, list...)
			} else {
				f.CustomerID = ""
			}
		}
		switch {
		case len(list) == 1 && next == "" && f.CustomerSearch == "":
			f.CustomerID, view.CustomerID, view.CustomerName = list[0].ID, list[0].ID, list[0].Name
		default:
			if next != "" || f.CustomerSearch != "" {
				s := web.Field("customer_q", "Find a customer", "search", f.CustomerSearch, "off", errs).Optional()
				s.Hint = "Part of the customer's name, email or postcode."
				view.CustomerSearch = &s
			}
			sel := web.SelectView{FieldView: web.Field("customer_id", "Customer", "select", "", "", errs)}
			sel.Hint = "The customer the site belongs to."
			if next != "" {
				sel.Hint = "Showing the first customers by name; find another by its name."
			}
			sel.Options = append(sel.Options, web.CheckOption{Value: "", Label: "Choose a customer"})
			for _, c := range list {
				sel.Options = append(sel.Options, web.CheckOption{Value: c.ID, Label: c.Name, Checked: c.ID == f.CustomerID})
			}
			view.Customer = &sel
		}
	}

	// The site's contacts: people of its customer the contact may see.
	view.Contacts = web.Choices{Name: "contact_ids", Legend: "Site contacts", Type: "checkbox", Error: errs["contact_ids"],
		Hint: "The people to call about this site."}
	if f.CustomerID == "" {
		view.NoContacts = "Choose the customer first, then its people to call about the site."
	} else {
		list, err := p.svc.Sites.FindSiteContactChoices(ctx, v, f.CustomerID)
		if err != nil {
			p.kit.Error(w, r, err)
			return
		}
		for _, c := range list {
			label := c.Name()
			if c.Position != "" {
				label += " (" + c.Position + ")"
			}
			view.Contacts.Options = append(view.Contacts.Options, web.CheckOption{Value: c.ID, Label: label, Checked: slices.Contains(f.ContactIDs, c.ID)})
		}
		if len(list) == 0 {
			view.NoContacts = "No contacts of this customer are shown to you."
		}
	}
	view.Errors = errs.List("name", "customer_id", "address.line1", "address.line2", "address.city", "address.postcode", "uprn", "contact_ids")
	p.pages.Render(w, r, status, "site_form", view)
}

// siteEditActions are a site page's Edit site button and a list's Create
// site, for a viewer who may use them.
func siteEditActions(v fieldportal.Viewer, siteID string) []web.Action {
	if siteID == "" {
		if v.CanDo(fieldportal.ActionCreateSite) {
			return []web.Action{{Label: "Create a site", URL: "/sites/new"}}
		}
		return nil
	}
	if v.CanDo(fieldportal.ActionEditSite) {
		return []web.Action{{Label: "Edit site", URL: "/sites/" + url.PathEscape(siteID) + "/edit", Style: "secondary"}}
	}
	return nil
}
