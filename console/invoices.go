package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The office's invoices (issue 17, point 5; seed 004 "List invoices,
// filter by contractor, UPRN"): every invoice of the organisation, by
// status tab and filters, its CSV, and one invoice with what can be done
// to it (invoice.go). Raising an invoice from a job is invoice_issue.go's.

// invoiceRoutes registers the routes of the invoice files.
func (c *Console) invoiceRoutes() {
	c.kit.Handle("GET /console/invoices", c.signedIn(c.handleInvoices))
	c.kit.Handle("GET /console/invoices.csv", c.signedIn(c.handleInvoicesCSV))
	c.kit.Handle("GET /console/invoices/{id}", c.signedIn(c.handleInvoice))
	c.kit.Handle("POST /console/invoices/{id}/void", c.signedIn(c.handleInvoiceVoid))
	c.kit.Handle("POST /console/invoices/{id}/payments", c.signedIn(c.handleInvoicePayment))
	c.kit.Handle("POST /console/invoices/{id}/refund", c.signedIn(c.handleRefund))
	c.kit.Handle("GET /console/jobs/{id}/invoice", c.signedIn(c.handleRaiseForm))
	c.kit.Handle("POST /console/jobs/{id}/invoice", c.signedIn(c.handleRaise))
	c.kit.Handle("GET /console/payments", c.signedIn(c.handlePayments))
}

// invoiceTabs are the list's tabs: every invoice, each status, overdue.
var invoiceTabs = []struct{ name, label string }{
	{"", "All"}, {"unpaid", "Unpaid"}, {"part_paid", "Part paid"}, {"overdue", "Overdue"}, {"paid", "Paid"}, {"void", "Void"},
}

// invoiceParams is the list's query string, as typed.
type invoiceParams struct {
	Tab, Number, Contractor, UPRN, Customer, From, To, After string
}

func readInvoiceParams(r *http.Request) invoiceParams {
	q := r.URL.Query()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return invoiceParams{Tab: get("tab"), Number: get("q"), Contractor: get("contractor"), UPRN: get("uprn"),
		Customer: get("customer"), From: get("from"), To: get("to"), After: q.Get("after")}
}

// values is the query string of the filters (not the tab nor the page).
func (ip invoiceParams) values() url.Values {
	q := url.Values{}
	for _, kv := range [][2]string{{"q", ip.Number}, {"contractor", ip.Contractor}, {"uprn", ip.UPRN},
		{"customer", ip.Customer}, {"from", ip.From}, {"to", ip.To}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	return q
}

// filter turns the query string into the store's filter; today is the
// organisation's day (what is overdue).
func (ip invoiceParams) filter(today fieldportal.Date) (fieldportal.InvoiceFilter, error) {
	f := fieldportal.InvoiceFilter{Page: fieldportal.Page{After: ip.After}, Number: ip.Number, ContractorID: ip.Contractor,
		UPRN: ip.UPRN, CustomerID: ip.Customer}
	switch ip.Tab {
	case "":
	case "overdue":
		f.DueBefore = today
	case "unpaid", "part_paid", "paid", "void":
		f.Statuses = []fieldportal.InvoiceStatus{fieldportal.InvoiceStatus(ip.Tab)}
	default:
		return f, fieldportal.FieldErrorf("tab", "There is no “%s” tab.", ip.Tab)
	}
	var bad fieldportal.Validation
	for _, d := range []struct {
		s, field, label string
		to              *fieldportal.Date
	}{{ip.From, "from", "Issued from", &f.IssuedFrom}, {ip.To, "to", "Issued to", &f.IssuedTo}} {
		if d.s == "" {
			continue
		}
		day, err := fieldportal.ParseDate(d.s)
		if err != nil {
			bad.Add(d.field, "%s must be a date, such as 2026-03-31.", d.label)
			continue
		}
		*d.to = day
	}
	return f, bad.Err()
}

// invoiceStatus is an invoice's status badge: overdue is shown as such.
func invoiceStatus(i *fieldportal.Invoice, today fieldportal.Date) web.Badge {
	if i.Overdue(today) {
		return web.Badge{Text: "Overdue", Tone: "danger"}
	}
	switch i.Status {
	case fieldportal.InvoicePaid:
		return web.Badge{Text: "Paid", Tone: "success"}
	case fieldportal.InvoicePartPaid:
		return web.Badge{Text: "Part paid", Tone: "warning"}
	case fieldportal.InvoiceVoid:
		return web.Badge{Text: "Void", Tone: "neutral"}
	}
	return web.Badge{Text: "Unpaid", Tone: "info"}
}

// orgToday is the organisation's calendar day now.
func orgToday(r *http.Request) fieldportal.Date {
	return fieldportal.DateOf(web.RequestTime(r).In(web.OrgLocation(r)))
}

// invoicesView is the list.
type invoicesView struct {
	web.Layout
	Tabs     []web.NavLink
	Filter   web.FilterBar
	Table    web.Table
	Count    web.Count
	Pager    web.Pager
	CSVURL   string
	Filtered bool
}

func (c *Console) handleInvoices(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	ip := readInvoiceParams(r)
	today := orgToday(r)
	f, err := ip.filter(today)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	list, next, err := c.svc.Money.FindInvoiceRows(r.Context(), v, f)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	contractors, _, err := c.svc.Work.FindContractors(r.Context(), v, fieldportal.ContractorFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	currency := web.OrganisationFromContext(r.Context()).Currency
	base := ip.values()
	view := invoicesView{Layout: c.layout(r, "Invoices"), Filtered: len(base) > 0}
	for _, t := range invoiceTabs {
		q := ip.values()
		if t.name != "" {
			q.Set("tab", t.name)
		}
		view.Tabs = append(view.Tabs, web.NavLink{Label: t.label, URL: withQuery("/console/invoices", q), Current: t.name == ip.Tab})
	}
	opts := []web.CheckOption{{Value: "", Label: "Any contractor"}}
	for _, k := range contractors {
		opts = append(opts, web.CheckOption{Value: k.ID, Label: k.Name})
	}
	view.Filter = web.FilterBar{Action: "/console/invoices", Label: "Filter invoices", Filters: []web.Filter{
		{Name: "q", Label: "Number", Type: "search", Value: ip.Number, Hint: "Invoice or job number, such as INV-1001"},
		{Name: "uprn", Label: "UPRN", Type: "text", Value: ip.UPRN},
		{Name: "contractor", Label: "Contractor", Type: "select", Options: checked(opts, ip.Contractor)},
		{Name: "from", Label: "Issued from", Type: "date", Value: ip.From},
		{Name: "to", Label: "Issued to", Type: "date", Value: ip.To},
	}}
	if ip.Tab != "" {
		view.Filter.Keep = append(view.Filter.Keep, web.Param{Name: "tab", Value: ip.Tab})
	}
	if ip.Customer != "" {
		view.Filter.Keep = append(view.Filter.Keep, web.Param{Name: "customer", Value: ip.Customer})
	}
	if view.Filtered {
		view.Filter.ClearURL = withQuery("/console/invoices", tabOnly(ip.Tab))
	}
	view.Table = invoiceTable(list, currency, today)
	all := ip.values()
	if ip.Tab != "" {
		all.Set("tab", ip.Tab)
	}
	view.CSVURL = withQuery("/console/invoices.csv", all)
	if next != "" {
		nq := ip.values()
		if ip.Tab != "" {
			nq.Set("tab", ip.Tab)
		}
		nq.Set("after", next)
		view.Pager.NextURL = "/console/invoices?" + nq.Encode()
	}
	if ip.After != "" {
		view.Pager.FirstURL = withQuery("/console/invoices", all)
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "invoice", Many: "invoices"}
	if next == "" && ip.After == "" {
		view.Count.Total = len(list)
	}
	c.pages.Render(w, r, http.StatusOK, "invoices", view)
}

// tabOnly is the query string of a tab alone.
func tabOnly(tab string) url.Values {
	q := url.Values{}
	if tab != "" {
		q.Set("tab", tab)
	}
	return q
}

// invoiceTable lays out invoices for the office.
func invoiceTable(list []*fieldportal.InvoiceRow, currency string, today fieldportal.Date) web.Table {
	t := web.Table{Caption: "Invoices", Columns: []web.Column{{Label: "Invoice"}, {Label: "Issued"}, {Label: "Due"},
		{Label: "Customer"}, {Label: "Site"}, {Label: "UPRN"}, {Label: "Contractor"}, {Label: "Total", Numeric: true},
		{Label: "Balance", Numeric: true}, {Label: "Status"}}}
	for _, i := range list {
		b := invoiceStatus(&i.Invoice, today)
		t.Rows = append(t.Rows, []web.Cell{web.LinkCell(i.Number, "/console/invoices/"+url.PathEscape(i.ID)),
			web.DateCell(i.IssueDate.Time()), web.DateCell(i.DueDate.Time()), web.TextCell(i.CustomerName),
			web.TextCell(i.SiteName), web.TextCell(i.UPRN), web.TextCell(i.ContractorName),
			web.MoneyCell(currency, i.Total), web.MoneyCell(currency, i.Balance()), web.BadgeCell(b.Text, b.Tone)})
	}
	return t
}

// invoicesCSVHeader are the CSV's columns: amounts as plain decimals.
var invoicesCSVHeader = []string{"Invoice", "Issued", "Due", "Customer", "Site", "UPRN", "Contractor", "Job",
	"Subtotal", "Tax", "Total", "Paid", "Balance", "Status"}

// handleInvoicesCSV downloads every invoice the list's tab and filters
// select, across all pages, streamed from the store as it is read.
func (c *Console) handleInvoicesCSV(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	ip := readInvoiceParams(r)
	ip.After = ""
	today := orgToday(r)
	f, err := ip.filter(today)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	out := c.kit.CSV(w, r, "invoices.csv", invoicesCSVHeader...)
	out.Finish(c.svc.Money.EachInvoiceRow(r.Context(), v, f, func(i *fieldportal.InvoiceRow) error {
		return out.Row(i.Number, i.IssueDate.String(), i.DueDate.String(), i.CustomerName, i.SiteName, i.UPRN,
			i.ContractorName, i.JobNumber, i.Subtotal.Decimal(), i.Tax.Decimal(), i.Total.Decimal(), i.AmountPaid.Decimal(),
			i.Balance().Decimal(), invoiceStatus(&i.Invoice, today).Text)
	}))
}
