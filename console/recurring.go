package console

import (
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Recurring invoices on the staff side (issue 17, point 5: "set up
// recurring invoices"): the list with a search by name or customer, and a
// form to set one up and change it. A new one starts by finding its
// customer (an organisation may have thousands), then the form offers
// that customer's sites. The store validates and audits every change;
// the worker raises the invoices (sqlstore/autopay.go).

// recurringRoutes registers the routes of this file.
func (c *Console) recurringRoutes() {
	k := c.kit
	k.Handle("GET /console/recurring", c.signedIn(c.handleRecurringList))
	k.Handle("GET /console/recurring/new", c.signedIn(c.handleRecurringNew))
	k.Handle("POST /console/recurring", c.signedIn(c.handleRecurringCreate))
	k.Handle("GET /console/recurring/{id}", c.signedIn(c.handleRecurringEdit))
	k.Handle("POST /console/recurring/{id}", c.signedIn(c.handleRecurringUpdate))
}

// recurringListView is the list.
type recurringListView struct {
	web.Layout
	Notice web.Notice
	Filter web.FilterBar
	Count  web.Count
	Table  web.Table
	Pager  web.Pager
	Empty  web.EmptyState
}

// frequencies are the form's choices, in order.
var frequencies = []fieldportal.Frequency{fieldportal.Weekly, fieldportal.Monthly, fieldportal.Quarterly, fieldportal.Yearly}

func (c *Console) handleRecurringList(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	q := r.URL.Query()
	search, after := strings.TrimSpace(q.Get("q")), q.Get("after")
	list, next, err := c.svc.Money.FindRecurringInvoices(r.Context(), v, fieldportal.RecurringInvoiceFilter{
		Page: fieldportal.Page{After: after}, Search: search})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	view := recurringListView{Layout: c.layout(r, "Recurring invoices")}
	switch q.Get("done") {
	case "created":
		view.Notice = web.Notice{Text: "The recurring invoice is set up."}
	case "saved":
		view.Notice = web.Notice{Text: "The recurring invoice is saved."}
	}
	view.Filter = web.FilterBar{Action: "/console/recurring", Label: "Search recurring invoices", Submit: "Search",
		Filters: []web.Filter{{Name: "q", Label: "Search recurring invoices", Type: "search", Value: search, Hint: "Name or customer"}}}
	if search != "" {
		view.Filter.ClearURL = "/console/recurring"
	}
	currency := quoteCurrency(r)
	view.Table = web.Table{Caption: "Recurring invoices", Columns: []web.Column{{Label: "Name"}, {Label: "Customer"}, {Label: "Site"},
		{Label: "Total inc. tax", Numeric: true}, {Label: "Frequency"}, {Label: "Next due"}, {Label: "Auto-pay"}, {Label: "Status"}}}
	for _, s := range list {
		autopay, status := web.BadgeCell("Off", "neutral"), web.BadgeCell("Active", "success")
		if s.Autopay {
			autopay = web.BadgeCell("On", "info")
		}
		if !s.Active {
			status = web.BadgeCell("Stopped", "neutral")
		}
		view.Table.Rows = append(view.Table.Rows, []web.Cell{web.LinkCell(s.Name, "/console/recurring/"+url.PathEscape(s.ID)),
			web.TextCell(s.CustomerName), web.TextCell(quoteOr(s.SiteName, "All sites")), web.MoneyCell(currency, s.TotalIncTax),
			web.TextCell(s.Frequency.Label()), web.TextCell(quoteDateText(s.NextDueDate)), autopay, status})
	}
	base := url.Values{}
	if search != "" {
		base.Set("q", search)
	}
	if next != "" {
		nq := url.Values{"after": {next}}
		if search != "" {
			nq.Set("q", search)
		}
		view.Pager.NextURL = "/console/recurring?" + nq.Encode()
	}
	if after != "" {
		view.Pager.FirstURL = strings.TrimSuffix("/console/recurring?"+base.Encode(), "?")
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "recurring invoice", Many: "recurring invoices"}
	if next == "" && after == "" {
		view.Count.Total = len(list)
	}
	view.Empty = web.EmptyState{Title: "No recurring invoices", Text: "Set one up for a maintenance contract or a monitoring fee: it raises an invoice when due, and can charge the customer's saved card.",
		ActionURL: "/console/recurring/new", ActionLabel: "New recurring invoice"}
	if search != "" {
		view.Empty = web.EmptyState{Title: "No recurring invoices match “" + search + "”", Text: "Search by part of its name or of its customer's name.",
			ActionURL: "/console/recurring", ActionLabel: "Show them all"}
	}
	c.pages.Render(w, r, http.StatusOK, "recurring", view)
}

// customerPickView finds the customer of a new recurring invoice.
type customerPickView struct {
	web.Layout
	Filter    web.FilterBar
	Customers []web.NavLink
	Searched  bool
}

// recurringFormView is the form to set up or change a recurring invoice.
type recurringFormView struct {
	web.Layout
	Action, Submit, BackURL string
	Customer                string
	CustomerID              string
	Errors                  []fieldportal.FieldError
	Site                    web.SelectView
	Name, Total, NextDue    web.FieldView
	Frequency               web.SelectView
	Options                 web.Choices
	SitesCut                bool
}

// recurringSiteLimit bounds the sites offered in the form's list.
const recurringSiteLimit = 200

// handleRecurringNew finds the customer, then shows the empty form.
func (c *Console) handleRecurringNew(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	q := r.URL.Query()
	if id := q.Get("customer"); id != "" {
		cu, err := c.svc.Sites.FindCustomerByID(r.Context(), v, id)
		if err != nil {
			c.kit.Error(w, r, web.NotFoundAs(err, "customer"))
			return
		}
		c.renderRecurringForm(w, r, http.StatusOK, &fieldportal.RecurringInvoice{CustomerID: cu.ID, CustomerName: cu.Name,
			Frequency: fieldportal.Monthly, Active: true}, nil, web.FormErrors{})
		return
	}
	search := strings.TrimSpace(q.Get("customer_q"))
	view := customerPickView{Layout: c.layout(r, "New recurring invoice"), Searched: search != ""}
	view.Filter = web.FilterBar{Action: "/console/recurring/new", Label: "Find the customer", Submit: "Find",
		Filters: []web.Filter{{Name: "customer_q", Label: "Customer", Type: "search", Value: search, Hint: "Part of the customer's name"}}}
	if search != "" {
		list, _, err := c.svc.Sites.FindCustomers(r.Context(), v, fieldportal.CustomerFilter{Page: fieldportal.Page{Limit: 20}, Search: search})
		if err != nil {
			c.kit.Error(w, r, err)
			return
		}
		for _, cu := range list {
			view.Customers = append(view.Customers, web.NavLink{Label: cu.Name, URL: "/console/recurring/new?customer=" + url.QueryEscape(cu.ID)})
		}
	}
	c.pages.Render(w, r, http.StatusOK, "recurring_customer", view)
}

// handleRecurringEdit shows a recurring invoice's form.
func (c *Console) handleRecurringEdit(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	s, err := c.svc.Money.FindRecurringInvoiceByID(r.Context(), v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "recurring invoice"))
		return
	}
	c.renderRecurringForm(w, r, http.StatusOK, s, nil, web.FormErrors{})
}

func (c *Console) handleRecurringCreate(w http.ResponseWriter, r *http.Request) {
	c.saveRecurring(w, r, "")
}

func (c *Console) handleRecurringUpdate(w http.ResponseWriter, r *http.Request) {
	c.saveRecurring(w, r, r.PathValue("id"))
}

// saveRecurring reads the form and creates (id "") or updates the
// recurring invoice; a refused form is shown again as typed.
func (c *Console) saveRecurring(w http.ResponseWriter, r *http.Request, id string) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	s := &fieldportal.RecurringInvoice{ID: id}
	if id != "" {
		old, err := c.svc.Money.FindRecurringInvoiceByID(r.Context(), v, id)
		if err != nil {
			c.kit.Error(w, r, web.NotFoundAs(err, "recurring invoice"))
			return
		}
		*s = *old // keeps what the form does not hold (last payment, external id)
	}
	form := r.PostForm
	if id == "" {
		s.CustomerID = form.Get("customer_id")
	}
	s.SiteID, s.Name = form.Get("site_id"), strings.TrimSpace(form.Get("name"))
	s.Frequency = fieldportal.Frequency(form.Get("frequency"))
	s.Autopay, s.Active = slices.Contains(form["options"], "autopay"), slices.Contains(form["options"], "active")
	var bad fieldportal.Validation
	total, err := fieldportal.ParseMoney(form.Get("total_inc_tax"))
	if err != nil {
		bad.Add("total_inc_tax", "Total must be an amount such as 120.00.")
	}
	s.TotalIncTax = total
	due, err := fieldportal.ParseDate(form.Get("next_due_date"))
	if err != nil || due.IsZero() {
		bad.Add("next_due_date", "Next due date must be a date.")
	}
	s.NextDueDate = due
	err = bad.Err()
	if err == nil {
		if id == "" {
			err = c.svc.Money.CreateRecurringInvoice(r.Context(), v, s)
		} else {
			err = c.svc.Money.UpdateRecurringInvoice(r.Context(), v, s)
		}
	} else if verr := s.Validate(); verr != nil {
		// Name every field at fault at once, not the amounts alone.
		err = mergeValidation(err, verr)
	}
	switch fieldportal.ErrorCode(err) {
	case "":
		done := "saved"
		if id == "" {
			done = "created"
		}
		http.Redirect(w, r, "/console/recurring?done="+done, http.StatusSeeOther)
	case fieldportal.EINVALID:
		if s.CustomerName == "" && s.CustomerID != "" {
			if cu, ferr := c.svc.Sites.FindCustomerByID(r.Context(), v, s.CustomerID); ferr == nil {
				s.CustomerName = cu.Name
			}
		}
		c.renderRecurringForm(w, r, http.StatusBadRequest, s, form, web.ErrorsOf(err))
	default:
		c.kit.Error(w, r, err)
	}
}

// mergeValidation joins the field errors of two validations.
func mergeValidation(a, b error) error {
	var v fieldportal.Validation
	seen := map[string]bool{}
	for _, err := range []error{a, b} {
		for f, m := range web.ErrorsOf(err) {
			if !seen[f] {
				seen[f] = true
				v.Add(f, "%s", m)
			}
		}
	}
	return v.Err()
}

// renderRecurringForm shows the form for s; typed, when set, is what was
// posted (shown again as typed).
func (c *Console) renderRecurringForm(w http.ResponseWriter, r *http.Request, status int, s *fieldportal.RecurringInvoice, typed url.Values, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	view := recurringFormView{Layout: c.layout(r, "New recurring invoice"), Action: "/console/recurring", Submit: "Set up recurring invoice",
		BackURL: "/console/recurring", Customer: s.CustomerName, CustomerID: s.CustomerID}
	if s.ID != "" {
		view.Title, view.Action, view.Submit = "Recurring invoice "+s.Name, "/console/recurring/"+url.PathEscape(s.ID), "Save changes"
	}
	total, due := "", ""
	if s.TotalIncTax != 0 {
		total = s.TotalIncTax.Decimal()
	}
	if !s.NextDueDate.IsZero() {
		due = s.NextDueDate.String()
	}
	name := s.Name
	if typed != nil {
		total, due, name = typed.Get("total_inc_tax"), typed.Get("next_due_date"), typed.Get("name")
	}
	view.Errors = errs.List("customer_id", "site_id", "name", "total_inc_tax", "frequency", "next_due_date")
	view.Name = web.Field("name", "Name", "text", name, "off", errs)
	view.Name.Hint = "Shown to the customer and on each invoice, such as “Monthly alarm monitoring”."
	view.Total = web.Field("total_inc_tax", "Total including tax", "text", total, "off", errs)
	view.Total.Inputmode = "decimal"
	view.NextDue = web.Field("next_due_date", "Next due date", "date", due, "off", errs)
	view.NextDue.Hint = "The next invoice is raised on this date; later ones keep its day of the month."
	view.Frequency = web.SelectView{FieldView: web.Field("frequency", "Frequency", "select", string(s.Frequency), "", errs)}
	for _, f := range frequencies {
		view.Frequency.Options = append(view.Frequency.Options, web.CheckOption{Value: string(f), Label: f.Label(), Checked: f == s.Frequency})
	}
	view.Site = web.SelectView{FieldView: web.Field("site_id", "Site", "select", s.SiteID, "", errs).Optional()}
	view.Site.Options = []web.CheckOption{{Value: "", Label: "All sites of the customer", Checked: s.SiteID == ""}}
	sites, next, err := c.svc.Sites.FindSites(r.Context(), v, fieldportal.SiteFilter{Page: fieldportal.Page{Limit: recurringSiteLimit}, CustomerID: s.CustomerID})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	found := s.SiteID == ""
	for _, st := range sites {
		found = found || st.ID == s.SiteID
		view.Site.Options = append(view.Site.Options, web.CheckOption{Value: st.ID, Label: st.Name, Checked: st.ID == s.SiteID})
	}
	if !found {
		view.Site.Options = append(view.Site.Options, web.CheckOption{Value: s.SiteID, Label: quoteOr(s.SiteName, "The current site"), Checked: true})
	}
	view.SitesCut = next != ""
	view.Options = web.Choices{Name: "options", Legend: "Payment and status", Type: "checkbox", Options: []web.CheckOption{
		{Value: "autopay", Label: "Charge the customer's saved card automatically when each invoice is raised", Checked: s.Autopay},
		{Value: "active", Label: "Active: raise invoices when due", Checked: s.Active}}}
	c.pages.Render(w, r, status, "recurring_form", view)
}
