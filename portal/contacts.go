package portal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Contacts and users (issue 20, seed 003 "View and edit contacts", seed
// 004 "Add user"): a contact who manages contacts lists, creates and edits
// the contacts of every customer it reaches, and gives them portal access
// no wider than its own (SPEC §2.6). The store checks every grant; the
// forms offer only what the manager has, so a grant beyond it is a
// tampered form, refused and recorded by the store.

// choicesMax is how many customers or sites a form lists before it asks
// for a search instead.
const choicesMax = 100

func (p *Portal) contactRoutes() {
	k := p.kit
	k.Handle("GET /preferences/contacts", p.signedIn(p.handleContacts))
	k.Handle("GET /preferences/contacts/new", p.signedIn(p.handleContactNew))
	k.Handle("POST /preferences/contacts/new", p.signedIn(p.handleContactCreate))
	k.Handle("GET /preferences/contacts/{id}", p.signedIn(p.handleContact))
	k.Handle("POST /preferences/contacts/{id}", p.signedIn(p.handleContactPost))
}

// mayManage answers 404 unless the viewer may manage contacts (the
// organisation shows the action and the login has the right): a page not
// offered does not exist for it.
func (p *Portal) mayManage(w http.ResponseWriter, r *http.Request) (fieldportal.Viewer, bool) {
	v, ok := web.ViewerFromContext(r.Context())
	if !ok || !v.CanDo(fieldportal.ActionManageContacts) {
		p.kit.Error(w, r, fieldportal.Errorf(fieldportal.ENOTFOUND, "There is no page at this address."))
		return v, false
	}
	return v, true
}

// contactsView is the list of contacts.
type contactsView struct {
	web.Layout
	Query  string
	Filter web.FilterBar
	Count  web.Count
	Table  web.Table
	Pager  web.Pager
}

// loginTones colours a login's status.
var loginTones = map[string]string{"Active": "success", "Invited": "info", "Disabled": "danger", "No login": "neutral"}

// loginLabel names a login's status ("" is a contact without one).
func loginLabel(st fieldportal.LoginStatus) string {
	switch st {
	case fieldportal.LoginActive:
		return "Active"
	case fieldportal.LoginInvited:
		return "Invited"
	case fieldportal.LoginDisabled:
		return "Disabled"
	}
	return "No login"
}

// rolesText lists a contact's roles (seed 003: quote, job, invoice,
// statement and overdue letter contact).
func rolesText(c *fieldportal.Contact) string {
	var out []string
	for _, r := range []struct {
		on    bool
		label string
	}{{c.QuoteContact, "Quote"}, {c.JobContact, "Job"}, {c.InvoiceContact, "Invoice"}, {c.StatementContact, "Statement"}} {
		if r.on {
			out = append(out, r.label)
		}
	}
	if len(out) == 0 {
		return "None"
	}
	return strings.Join(out, ", ")
}

// handleContacts lists the contacts of the customers the viewer reaches,
// by name, a keyset page at a time.
func (p *Portal) handleContacts(w http.ResponseWriter, r *http.Request) {
	v, ok := p.mayManage(w, r)
	if !ok {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	after := r.URL.Query().Get("after")
	list, next, err := p.svc.Access.FindContacts(r.Context(), v, fieldportal.ContactFilter{Search: q, Page: fieldportal.Page{After: after}})
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view := contactsView{Layout: p.layout(r, "Contacts and users"), Query: q}
	view.Filter = web.FilterBar{Action: "/preferences/contacts", Label: "Search contacts", Submit: "Search",
		Filters: []web.Filter{{Name: "q", Label: "Search contacts", Type: "search", Value: q, Hint: "Name or email address"}}}
	base := url.Values{}
	if q != "" {
		base.Set("q", q)
		view.Filter.ClearURL = "/preferences/contacts"
	}
	view.Table = web.Table{Caption: "Contacts", Columns: []web.Column{{Label: "Name"}, {Label: "Customer"}, {Label: "Roles"},
		{Label: "Primary"}, {Label: "Portal login"}}}
	if q != "" {
		view.Table.Caption = "Contacts matching “" + q + "”"
	}
	for _, row := range list {
		c := row.Contact
		primary := ""
		if c.Primary {
			primary = "Primary"
		}
		status := loginLabel(row.LoginStatus)
		cell := web.LinkCell(c.Name(), "/preferences/contacts/"+url.PathEscape(c.ID))
		cell.Hint = c.Email
		view.Table.Rows = append(view.Table.Rows, []web.Cell{cell, web.TextCell(row.CustomerName), web.TextCell(rolesText(c)),
			web.TextCell(primary), web.BadgeCell(status, loginTones[status])})
	}
	if next != "" {
		nq := url.Values{"after": {next}}
		if q != "" {
			nq.Set("q", q)
		}
		view.Pager.NextURL = withQuery("/preferences/contacts", nq)
	}
	if after != "" {
		view.Pager.FirstURL = withQuery("/preferences/contacts", base)
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "contact", Many: "contacts"}
	if next == "" && after == "" {
		view.Count.Total = len(list)
	}
	p.pages.Render(w, r, http.StatusOK, "contacts", view)
}
