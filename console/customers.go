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
	list, next, err := c.svc.Sites.FindCustomerNodes(r.Context(), v, fieldportal.CustomerNodeFilter{Search: q, Page: fieldportal.Page{After: after}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	view := customersView{Layout: c.layout(r, "Customers"), Query: q, Notice: customerNotices[r.URL.Query().Get("done")],
		Header: web.RecordHeader{Title: "Customers", Subtitle: "Top-level customers; open one to see the customers, sites and contacts under it.",
			Actions: []web.Action{{Label: "New customer", URL: "/console/customers/new"}}}}
	view.Search = web.FilterBar{Action: "/console/customers", Label: "Find a customer", Submit: "Search",
		Filters: []web.Filter{{Name: "q", Label: "Find a customer", Type: "search", Value: q, Hint: "Name or account number, at any level"}}}
	view.Table = nodeTable(list, q != "")
	view.Table.Caption = "Top-level customers, by name"
	if q != "" {
		view.Search.ClearURL = "/console/customers"
		view.Header.Subtitle = "Customers at any level whose name or account number holds what you searched for."
		view.Table.Caption = "Customers matching “" + q + "”"
	}
	if next != "" {
		view.Pager.NextURL = "/console/customers?" + url.Values{"q": {q}, "after": {next}}.Encode()
	}
	if after != "" {
		view.Pager.FirstURL = "/console/customers?" + url.Values{"q": {q}}.Encode()
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
		row := []web.Cell{web.LinkCell(n.Name, customerURL(n.ID)), web.TextCell(n.ExternalID)}
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
	Children                            web.Table
	ChildNew                            string
	Sites                               web.Table
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
			{Label: "Add a sub-customer", URL: "/console/customers/new?" + url.Values{"parent": {id}}.Encode()}}}}
	view.Path = append(view.Path, web.NavLink{Label: "Customers", URL: "/console/customers"})
	for _, a := range path[:len(path)-1] {
		view.Path = append(view.Path, web.NavLink{Label: a.Name, URL: customerURL(a.ID)})
	}
	view.Path = append(view.Path, web.NavLink{Label: cu.Name, URL: base, Current: true})
	view.Details = customerDetails(cu)

	view.Children = nodeTable(children, false)
	view.Children.Caption = "Sub-customers of " + cu.Name
	view.Sites = web.Table{Caption: "Sites of " + cu.Name, Columns: []web.Column{{Label: "Site"}, {Label: "Address"}, {Label: "UPRN"}}}
	for _, s := range sites {
		view.Sites.Rows = append(view.Sites.Rows, []web.Cell{{Text: s.Name, Header: true}, web.TextCell(s.Address.OneLine()), web.TextCell(s.UPRN)})
	}
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
