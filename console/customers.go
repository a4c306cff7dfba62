package console

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The customer tree (issue 20 point 6): the top-level customers, or a
// search at any depth; a customer's page with its place in the tree, its
// sub-customers, sites and contacts, each list paged on its own; and the
// forms to add, edit and move customers (customer_forms.go).

// customerRoutes registers the routes of the customer pages.
func (c *Console) customerRoutes() {
	k := c.kit
	k.Handle("GET /console/customers", c.signedIn(c.handleCustomers))
	k.Handle("GET /console/customers/new", c.signedIn(c.handleCustomerNewForm))
	k.Handle("POST /console/customers/new", c.signedIn(c.handleCustomerCreate))
	k.Handle("GET /console/customers/{id}", c.signedIn(c.handleCustomer))
	k.Handle("GET /console/customers/{id}/edit", c.signedIn(c.handleCustomerEditForm))
	k.Handle("POST /console/customers/{id}/edit", c.signedIn(c.handleCustomerUpdate))
	k.Handle("GET /console/customers/{id}/move", c.signedIn(c.handleCustomerMoveForm))
	k.Handle("POST /console/customers/{id}/move", c.signedIn(c.handleCustomerMove))
	k.Handle("POST /console/customers/{id}/archive", c.signedIn(c.handleCustomerArchive))
	k.Handle("POST /console/customers/{id}/sites/{site}/archive", c.signedIn(c.handleSiteArchive))
	c.customerSSORoutes() // single sign-on (customer_sso.go)
}

// customerURL is a customer's page.
func customerURL(id string) string { return "/console/customers/" + url.PathEscape(id) }

// customersView is the tree's top level, or a search.
type customersView struct {
	web.Layout
	Header web.RecordHeader
	Notice string
	Search web.FilterBar
	Query  string
	Table  web.Table
	Pager  web.Pager
}

func (c *Console) handleCustomers(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	after := r.URL.Query().Get("after")
	archived := r.URL.Query().Get("archived")
	nf := fieldportal.CustomerNodeFilter{Search: q, Page: fieldportal.Page{After: after}}
	switch archived {
	case "only":
		b := true
		nf.Archived = &b
	case "none":
		b := false
		nf.Archived = &b
	default:
		archived = ""
	}
	list, next, err := c.svc.Sites.FindCustomerNodes(r.Context(), v, nf)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	view := customersView{Layout: c.layout(r, "Customers"), Query: q, Notice: customerNotices[r.URL.Query().Get("done")],
		Header: web.RecordHeader{Title: "Customers", Subtitle: "Top-level customers; open one to see the customers, sites and contacts under it.",
			Actions: []web.Action{{Label: "New customer", URL: "/console/customers/new"}}}}
	view.Search = web.FilterBar{Action: "/console/customers", Label: "Find a customer", Submit: "Search",
		Filters: []web.Filter{{Name: "q", Label: "Find a customer", Type: "search", Value: q, Hint: "Name or account number, at any level"},
			{Name: "archived", Label: "Archived", Type: "select", Options: []web.CheckOption{
				{Value: "", Label: "All customers", Checked: archived == ""},
				{Value: "none", Label: "In use only", Checked: archived == "none"},
				{Value: "only", Label: "Archived only", Checked: archived == "only"}}}}}
	view.Table = nodeTable(list, q != "")
	view.Table.Caption = "Top-level customers, by name"
	if archived != "" {
		view.Search.ClearURL = "/console/customers"
	}
	if q != "" {
		view.Search.ClearURL = "/console/customers"
		view.Header.Subtitle = "Customers at any level whose name or account number holds what you searched for."
		view.Table.Caption = "Customers matching “" + q + "”"
	}
	if next != "" {
		view.Pager.NextURL = "/console/customers?" + url.Values{"q": {q}, "archived": {archived}, "after": {next}}.Encode()
	}
	if after != "" {
		view.Pager.FirstURL = "/console/customers?" + url.Values{"q": {q}, "archived": {archived}}.Encode()
	}
	c.pages.Render(w, r, http.StatusOK, "customers", view)
}

// nodeTable is a list of customers of the tree with what is below each;
// withParent adds the parent's column (a search's rows are at any depth).
func nodeTable(list []*fieldportal.CustomerNode, withParent bool) web.Table {
	// "Account no.": a longer label wraps on a phone's stacked rows.
	t := web.Table{Columns: []web.Column{{Label: "Name"}, {Label: "Account no."}}}
	if withParent {
		t.Columns = append(t.Columns, web.Column{Label: "Parent"})
	}
	t.Columns = append(t.Columns, web.Column{Label: "Sub-customers", Numeric: true}, web.Column{Label: "Own sites", Numeric: true},
		web.Column{Label: "All sites below", Numeric: true})
	for _, n := range list {
		name := web.LinkCell(n.Name, customerURL(n.ID))
		if n.Archived() {
			name.Hint = "Archived"
		}
		row := []web.Cell{name, web.TextCell(n.ExternalID)}
		if withParent {
			parent := web.TextCell("Top level")
			if n.ParentID != "" {
				parent = web.Cell{Text: n.ParentName, URL: customerURL(n.ParentID)}
			}
			row = append(row, parent)
		}
		row = append(row, web.TextCell(countText(n.Children)), web.TextCell(countText(n.Sites)),
			web.TextCell(countText(n.SubtreeSites)))
		t.Rows = append(t.Rows, row)
	}
	return t
}

// customerNotices are the messages after an action (?done=).
var customerNotices = map[string]string{
	"created": "The customer has been added.",
	"saved":   "The customer has been saved.",
	"moved":   "The customer has been moved; its contacts' and its new parent's contacts' access follows at once.",
	"sso":     "The single sign-on settings have been saved.",
	"archived": "The customer has been archived: its sites take no new work from the portal; its records stay. " +
		"Restore it to reopen them.",
	"restored":      "The customer has been restored.",
	"site_archived": "The site has been archived: it takes no new work from the portal; its records stay.",
	"site_restored": "The site has been restored.",
}

// customerView is a customer's page.
type customerView struct {
	web.Layout
	Header web.RecordHeader
	Notice string
	// Path is the customer's ancestors from the top, as links.
	Path    []web.NavLink
	Details []web.Detail
	// The three lists, each with its own pager.
	Children web.Table
	ChildNew string
	Sites    web.Table
	// SiteActions archive or restore each listed site (issue 19).
	SiteActions                         []web.Action
	Contacts                            web.Table
	ChildPager, SitePager, ContactPager web.Pager
	// SSO is the single sign-on section (admins only).
	SSO ssoSection
}

func (c *Console) handleCustomer(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	v, _ := web.ViewerFromContext(ctx)
	id := r.PathValue("id")
	path, err := c.svc.Sites.FindCustomerPath(ctx, v, id)
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "customer"))
		return
	}
	cu := path[len(path)-1]
	qv := r.URL.Query()
	children, childNext, err := c.svc.Sites.FindCustomerNodes(ctx, v, fieldportal.CustomerNodeFilter{ParentID: id, Page: fieldportal.Page{After: qv.Get("children_after")}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	sites, siteNext, err := c.svc.Sites.FindCustomerSites(ctx, v, id, fieldportal.Page{After: qv.Get("sites_after")})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	contacts, contactNext, err := c.svc.Access.FindContacts(ctx, v, fieldportal.ContactFilter{CustomerID: id, Page: fieldportal.Page{After: qv.Get("contacts_after")}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	sso, err := c.customerSSOSection(r, v, id)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	base := customerURL(id)
	view := customerView{SSO: sso, Layout: c.layout(r, cu.Name), Notice: customerNotices[qv.Get("done")],
		ChildNew: "/console/customers/new?" + url.Values{"parent": {id}}.Encode(),
		Header: web.RecordHeader{Title: cu.Name, Subtitle: "Customer", Actions: []web.Action{
			{Label: "Edit", URL: base + "/edit", Style: "secondary"},
			{Label: "Move", URL: base + "/move", Style: "secondary"},
			archiveAction(base+"/archive", cu.Archived(), "customer"),
			{Label: "Add a sub-customer", URL: "/console/customers/new?" + url.Values{"parent": {id}}.Encode()}}}}
	if cu.Archived() {
		view.Header.Badges = []web.Badge{{Text: "Archived", Tone: "warning"}}
	}
	view.Path = append(view.Path, web.NavLink{Label: "Customers", URL: "/console/customers"})
	for _, a := range path[:len(path)-1] {
		view.Path = append(view.Path, web.NavLink{Label: a.Name, URL: customerURL(a.ID)})
	}
	view.Path = append(view.Path, web.NavLink{Label: cu.Name, URL: base, Current: true})
	view.Details = customerDetails(cu)

	view.Children = nodeTable(children, false)
	view.Children.Caption = "Sub-customers of " + cu.Name
	view.Sites = siteTable(cu, sites)
	view.SiteActions = siteArchiveActions(cu, sites)
	view.Contacts = web.Table{Caption: "Contacts of " + cu.Name, Columns: []web.Column{{Label: "Name"}, {Label: "Email"}, {Label: "Portal access"}}}
	for _, row := range contacts {
		access := loginStatusLabel(row.LoginStatus)
		view.Contacts.Rows = append(view.Contacts.Rows, []web.Cell{web.LinkCell(row.Contact.Name(), "/console/contacts/"+url.PathEscape(row.Contact.ID)),
			web.TextCell(row.Contact.Email), web.BadgeCell(access, accessTones[access])})
	}
	// Each list pages on its own; the others' places are kept.
	pager := func(key, next string) web.Pager {
		var p web.Pager
		if next != "" {
			u := url.Values{}
			for k, vs := range qv {
				if strings.HasSuffix(k, "_after") && k != key {
					u[k] = vs
				}
			}
			u.Set(key, next)
			p.NextURL = base + "?" + u.Encode() + "#" + strings.TrimSuffix(key, "_after")
		}
		if qv.Get(key) != "" {
			u := url.Values{}
			for k, vs := range qv {
				if strings.HasSuffix(k, "_after") && k != key {
					u[k] = vs
				}
			}
			p.FirstURL = base + "?" + u.Encode() + "#" + strings.TrimSuffix(key, "_after")
		}
		return p
	}
	view.ChildPager, view.SitePager, view.ContactPager = pager("children_after", childNext), pager("sites_after", siteNext), pager("contacts_after", contactNext)
	c.pages.Render(w, r, http.StatusOK, "customer", view)
}

// customerDetails are a customer's fields as a definition list.
func customerDetails(cu *fieldportal.Customer) []web.Detail {
	or := func(s string) string {
		if s == "" {
			return "None"
		}
		return s
	}
	d := []web.Detail{{Label: "Account number", Value: or(cu.ExternalID)}, {Label: "Email", Value: or(cu.Email)},
		{Label: "Phone", Value: or(cu.Phone)}, {Label: "Tax number", Value: or(cu.TaxNumber)}}
	var lines []string
	a := cu.Billing
	for _, l := range []string{a.Line1, a.Line2, a.City, a.Region, a.Postcode, a.Country} {
		if l != "" {
			lines = append(lines, l)
		}
	}
	if len(lines) == 0 {
		return append(d, web.Detail{Label: "Billing address", Value: "None"})
	}
	return append(d, web.Detail{Label: "Billing address", Lines: lines})
}

// countText writes a count with thousands separators (20,000).
func countText(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0 && s[i-1] != '-'; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}

// archiveAction is the Archive or Restore button of a customer or site
// (issue 19): a POST of archive=1 or 0 to url.
func archiveAction(url string, archived bool, what string) web.Action {
	if archived {
		return web.Action{Label: "Restore " + what, URL: url, Style: "secondary", Method: "post", Field: "archive", Value: "0"}
	}
	return web.Action{Label: "Archive " + what, URL: url, Style: "secondary", Method: "post", Field: "archive", Value: "1"}
}

// siteTable lists a customer's own sites with their archived state
// (archived themselves, or through the customer).
func siteTable(cu *fieldportal.Customer, sites []*fieldportal.Site) web.Table {
	t := web.Table{Caption: "Sites of " + cu.Name, Columns: []web.Column{{Label: "Site"}, {Label: "Address"}, {Label: "UPRN"},
		{Label: "Status"}}}
	for _, s := range sites {
		status := web.TextCell("In use")
		switch {
		case !s.ArchivedAt.IsZero():
			status = web.BadgeCell("Archived", "warning")
		case s.Archived():
			status = web.BadgeCell("Archived with the customer", "warning")
		}
		t.Rows = append(t.Rows, []web.Cell{{Text: s.Name, Header: true}, web.TextCell(s.Address.OneLine()), web.TextCell(s.UPRN), status})
	}
	return t
}

// siteArchiveActions are the Archive / Restore buttons of a customer's
// sites, each a POST form naming its site.
func siteArchiveActions(cu *fieldportal.Customer, sites []*fieldportal.Site) []web.Action {
	var out []web.Action
	for _, s := range sites {
		out = append(out, archiveAction(customerURL(cu.ID)+"/sites/"+url.PathEscape(s.ID)+"/archive", !s.ArchivedAt.IsZero(), "site "+s.Name))
	}
	return out
}

// handleSiteArchive archives (archive=1) or restores (archive=0) a site
// of the customer whose page it is on.
func (c *Console) handleSiteArchive(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	id, siteID := r.PathValue("id"), r.PathValue("site")
	s, err := c.svc.Sites.FindSiteByID(r.Context(), v, siteID)
	if err == nil && s.CustomerID != id {
		err = fieldportal.NotFound("site")
	}
	archive := r.PostForm.Get("archive") == "1"
	if err == nil {
		err = c.svc.Sites.ArchiveSite(r.Context(), v, siteID, archive)
	}
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "site"))
		return
	}
	done := map[bool]string{true: "site_archived", false: "site_restored"}[archive]
	http.Redirect(w, r, customerURL(id)+"?done="+done+"#sites", http.StatusSeeOther)
}

// handleCustomerArchive archives (archive=1) or restores (archive=0) a
// customer; the store audits it and refuses whom it must.
func (c *Console) handleCustomerArchive(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	id := r.PathValue("id")
	archive := r.PostForm.Get("archive") == "1"
	if err := c.svc.Sites.ArchiveCustomer(r.Context(), v, id, archive); err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "customer"))
		return
	}
	done := map[bool]string{true: "archived", false: "restored"}[archive]
	http.Redirect(w, r, customerURL(id)+"?done="+done, http.StatusSeeOther)
}
