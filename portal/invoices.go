package portal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Invoices (SPEC §4, seed 003): the list by payment state with its
// balance summary and CSV; an invoice's page and PDF are in invoice.go.

// invoiceRoutes registers the routes of this file and invoice.go.
func (p *Portal) invoiceRoutes() {
	p.kit.Handle("GET /invoices", p.signedIn(p.handleInvoices))
	p.kit.Handle("GET /invoices.csv", p.signedIn(p.handleInvoicesCSV))
	p.kit.Handle("GET /invoices/{id}", p.signedIn(p.handleInvoice))
}

// invoiceTab is a tab of the invoice list.
type invoiceTab struct {
	Key, Label string
	Statuses   []fieldportal.InvoiceStatus
}

// invoiceTabs are the list's tabs: the unpaid tab holds part-paid
// invoices too, as they still have a balance.
var invoiceTabs = []invoiceTab{
	{Key: "", Label: "All"},
	{Key: "unpaid", Label: "Unpaid", Statuses: []fieldportal.InvoiceStatus{fieldportal.InvoiceUnpaid, fieldportal.InvoicePartPaid}},
	{Key: "paid", Label: "Paid", Statuses: []fieldportal.InvoiceStatus{fieldportal.InvoicePaid}},
}

// invoiceSorts are the list's orders, by their query value.
var invoiceSorts = []struct {
	Key   fieldportal.InvoiceSort
	Label string
}{{fieldportal.InvoiceSortIssued, "Newest first"}, {fieldportal.InvoiceSortDue, "Due soonest"}}

// invoiceParams is the list's query string as read: the page, its tabs
// and its CSV link carry it on.
type invoiceParams struct {
	Tab, SiteID, Contractor, Search, From, To, Sort, After string
}

// values is the query string of the parameters, without the cursor.
func (ip invoiceParams) values() url.Values {
	q := url.Values{}
	for _, kv := range [][2]string{{"tab", ip.Tab}, {"site", ip.SiteID}, {"contractor", ip.Contractor}, {"q", ip.Search},
		{"from", ip.From}, {"to", ip.To}, {"sort", ip.Sort}} {
		if kv[1] != "" {
			q.Set(kv[0], kv[1])
		}
	}
	return q
}

// filtered reports whether the contact narrowed the list beyond its tab
// and site.
func (ip invoiceParams) filtered() bool {
	return ip.Search != "" || ip.Contractor != "" || ip.From != "" || ip.To != ""
}

// cleared is the parameters without the filters the Clear link removes.
func (ip invoiceParams) cleared() invoiceParams {
	ip.Search, ip.Contractor, ip.From, ip.To = "", "", "", ""
	return ip
}

// readInvoiceParams reads the list's query string; a tab, sort or date
// that is not one answers with a message naming it (400), not a page.
func readInvoiceParams(r *http.Request) (invoiceParams, fieldportal.InvoiceFilter, error) {
	q := r.URL.Query()
	ip := invoiceParams{Tab: q.Get("tab"), SiteID: q.Get("site"), Contractor: q.Get("contractor"),
		Search: strings.TrimSpace(q.Get("q")), From: strings.TrimSpace(q.Get("from")), To: strings.TrimSpace(q.Get("to")),
		Sort: q.Get("sort"), After: q.Get("after")}
	f := fieldportal.InvoiceFilter{Page: fieldportal.Page{After: ip.After}, Search: ip.Search, SiteID: ip.SiteID,
		ContractorID: ip.Contractor, Sort: fieldportal.InvoiceSort(ip.Sort)}
	found := false
	for _, t := range invoiceTabs {
		if t.Key == ip.Tab {
			f.Statuses, found = t.Statuses, true
		}
	}
	var v fieldportal.Validation
	if !found {
		v.Add("tab", "There is no “%s” tab of invoices: choose All, Unpaid or Paid.", ip.Tab)
	}
	if f.Sort != fieldportal.InvoiceSortIssued && f.Sort != fieldportal.InvoiceSortDue {
		v.Add("sort", "Invoices cannot be sorted by “%s”.", ip.Sort)
	}
	for _, d := range []struct {
		field, label, value string
		into                *fieldportal.Date
	}{{"from", "Issued from", ip.From, &f.IssuedFrom}, {"to", "Issued to", ip.To, &f.IssuedTo}} {
		if d.value == "" {
			continue
		}
		day, err := fieldportal.ParseDate(d.value)
		if err != nil {
			v.Add(d.field, "%s must be a date such as 2026-03-31.", d.label)
			continue
		}
		*d.into = day
	}
	if !f.IssuedFrom.IsZero() && !f.IssuedTo.IsZero() && f.IssuedTo.Before(f.IssuedFrom) {
		v.Add("to", "Issued to cannot be before issued from.")
	}
	return ip, f, v.Err()
}

// invoicesView is the list of invoices.
type invoicesView struct {
	web.Layout
	Tabs     []web.NavLink
	Filter   web.FilterBar
	Summary  *invoiceSummaryView
	Count    web.Count
	Caption  string
	Rows     []InvoiceRow
	Pager    web.Pager
	CSVURL   string
	Empty    web.EmptyState
	SiteName string
	SiteURL  string
	// Pay offers the pay-selected form: online payment is on for the
	// viewer (payOnline) and the page has an unpaid invoice.
	Pay bool
}

// invoiceSummaryView is the balance summary above the list.
type invoiceSummaryView struct {
	Balance, OverdueBalance string
	Unpaid, Overdue         int
	UnpaidURL               string
}

// InvoiceRow is one invoice as the list and its CSV show it.
type InvoiceRow struct {
	ID, URL, Number, Date, Site, Address, UPRN, Contractor, Description string
	// Total and Balance are formatted in the organisation's currency;
	// TotalDecimal and BalanceDecimal are the CSV's plain figures.
	Total, Balance, TotalDecimal, BalanceDecimal string
	DueDate, Status, Tone                        string
	Overdue                                      bool
	// Payable marks an invoice with a balance, which may be selected for
	// paying.
	Payable bool
}

// invoiceRow formats an invoice for the list; today decides overdue.
func invoiceRow(inv *fieldportal.Invoice, currency string, today fieldportal.Date) InvoiceRow {
	row := InvoiceRow{ID: inv.ID, URL: "/invoices/" + url.PathEscape(inv.ID), Number: inv.Number,
		Date: web.FormatDate(inv.IssueDate.Time()), Site: inv.SiteName, Address: inv.SiteAddress.OneLine(), UPRN: inv.SiteUPRN,
		Contractor: inv.ContractorName, Description: inv.Description, Total: web.MoneyText(currency, inv.Total),
		Balance: web.MoneyText(currency, inv.Balance()), TotalDecimal: inv.Total.Decimal(), BalanceDecimal: inv.Balance().Decimal(),
		DueDate: web.FormatDate(inv.DueDate.Time()), Status: inv.Status.Label(), Tone: invoiceTones[inv.Status],
		Overdue: inv.Overdue(today), Payable: inv.Balance() > 0}
	if row.Overdue {
		row.Status, row.Tone = "Overdue", "danger"
	}
	return row
}

// orgCurrency is the organisation's currency.
func orgCurrency(r *http.Request) string { return quoteCurrency(r) }

// handleInvoices lists the invoices by payment state, a page at a time,
// under the balance summary.
func (p *Portal) handleInvoices(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleInvoices)
	if !ok {
		return
	}
	ctx := r.Context()
	ip, f, err := readInvoiceParams(r)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	invs, next, err := p.svc.Money.FindInvoices(ctx, v, f)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	currency, today := orgCurrency(r), quoteToday(r)
	view := invoicesView{Layout: p.layout(r, "Invoices")}
	if ip.SiteID != "" && v.CanUse(fieldportal.ModuleSites) {
		site, err := p.svc.Sites.FindSiteByID(ctx, v, ip.SiteID)
		if err != nil {
			p.kit.Error(w, r, web.NotFoundAs(err, "site"))
			return
		}
		view.SiteName, view.SiteURL = site.Name, "/sites/"+url.PathEscape(site.ID)
		view.Title += " at " + site.Name
	}
	// The summary is of every invoice the contact sees, whatever the
	// filters: what it owes. InvoiceSummary reads tallies for a parent of
	// many sites, so it stays cheap.
	s, err := p.svc.Money.InvoiceSummary(ctx, v, today)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	view.Summary = &invoiceSummaryView{Balance: web.MoneyText(currency, s.Balance), OverdueBalance: web.MoneyText(currency, s.OverdueBalance),
		Unpaid: s.Unpaid, Overdue: s.Overdue, UnpaidURL: "/invoices?tab=unpaid"}
	// The tabs keep every other filter; a new tab starts at its first page.
	for _, tab := range invoiceTabs {
		t := ip
		t.Tab = tab.Key
		view.Tabs = append(view.Tabs, web.NavLink{Label: tab.Label, URL: withQuery("/invoices", t.values()), Current: tab.Key == ip.Tab})
	}
	view.Filter = p.invoiceFilterBar(r, v, ip)
	pay := p.payOnline(r, v)
	for _, inv := range invs {
		row := invoiceRow(inv, currency, today)
		row.Payable = row.Payable && pay
		view.Pay = view.Pay || row.Payable
		view.Rows = append(view.Rows, row)
	}
	view.Caption = "Invoices"
	if ip.Search != "" {
		view.Caption += " matching “" + ip.Search + "”"
	}
	base := ip.values()
	view.CSVURL = withQuery("/invoices.csv", base)
	if next != "" {
		nq := ip.values()
		nq.Set("after", next)
		view.Pager.NextURL = withQuery("/invoices", nq)
	}
	if ip.After != "" {
		view.Pager.FirstURL = withQuery("/invoices", base)
	}
	view.Count = web.Count{Shown: len(invs), Total: -1, One: "invoice", Many: "invoices"}
	if next == "" && ip.After == "" {
		view.Count.Total = len(invs)
	}
	view.Empty = web.EmptyState{Title: "No invoices here", Text: "Invoices are listed here as we raise them."}
	if ip.filtered() {
		view.Empty = web.EmptyState{Title: "No invoices match your search", Text: "Check the invoice or job number, or clear the filters.",
			ActionURL: withQuery("/invoices", ip.cleared().values()), ActionLabel: "Clear the filters"}
	}
	p.pages.Render(w, r, http.StatusOK, "invoices", view)
}

// invoiceFilterBar is the list's search, contractor, dates and order;
// the tab and site it is within go along unchanged.
func (p *Portal) invoiceFilterBar(r *http.Request, v fieldportal.Viewer, ip invoiceParams) web.FilterBar {
	bar := web.FilterBar{Action: "/invoices", Label: "Filter invoices",
		Filters: []web.Filter{{Name: "q", Label: "Search invoices", Type: "search", Value: ip.Search, Hint: "Invoice or job number"}}}
	for _, kv := range [][2]string{{"tab", ip.Tab}, {"site", ip.SiteID}} {
		if kv[1] != "" {
			bar.Keep = append(bar.Keep, web.Param{Name: kv[0], Value: kv[1]})
		}
	}
	// The operator's divisions are few; an error leaves the filter out
	// rather than the page.
	contractors, _, err := p.svc.Work.FindContractors(r.Context(), v, fieldportal.ContractorFilter{Page: fieldportal.Page{Limit: 100}})
	if err == nil && len(contractors) > 1 {
		f := web.Filter{Name: "contractor", Label: "Contractor", Type: "select",
			Options: []web.CheckOption{{Value: "", Label: "Any contractor", Checked: ip.Contractor == ""}}}
		for _, c := range contractors {
			f.Options = append(f.Options, web.CheckOption{Value: c.ID, Label: c.Name, Checked: c.ID == ip.Contractor})
		}
		bar.Filters = append(bar.Filters, f)
	}
	bar.Filters = append(bar.Filters, web.Filter{Name: "from", Label: "Issued from", Type: "date", Value: ip.From},
		web.Filter{Name: "to", Label: "Issued to", Type: "date", Value: ip.To})
	sort := web.Filter{Name: "sort", Label: "Sort by", Type: "select"}
	for _, s := range invoiceSorts {
		sort.Options = append(sort.Options, web.CheckOption{Value: string(s.Key), Label: s.Label, Checked: string(s.Key) == ip.Sort})
	}
	bar.Filters = append(bar.Filters, sort)
	if ip.filtered() {
		bar.ClearURL = withQuery("/invoices", ip.cleared().values())
	}
	return bar
}

// invoicesCSVHeader are the CSV's columns, those of the list.
var invoicesCSVHeader = []string{"Date", "Invoice", "Site", "Address", "UPRN", "Contractor", "Description", "Total",
	"Balance", "Due date", "Status"}

// handleInvoicesCSV downloads every invoice the filters select, across
// all pages (the cursor is ignored), streamed from the store as it is
// read, so it costs the same memory at any size.
func (p *Portal) handleInvoicesCSV(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleInvoices)
	if !ok {
		return
	}
	_, f, err := readInvoiceParams(r)
	if err != nil {
		p.kit.Error(w, r, err)
		return
	}
	currency, today := orgCurrency(r), quoteToday(r)
	out := p.kit.CSV(w, r, "invoices.csv", invoicesCSVHeader...)
	out.Finish(p.svc.Money.EachInvoice(r.Context(), v, f, func(inv *fieldportal.Invoice) error {
		row := invoiceRow(inv, currency, today)
		return out.Row(inv.IssueDate.String(), row.Number, row.Site, row.Address, row.UPRN, row.Contractor, row.Description,
			row.TotalDecimal, row.BalanceDecimal, inv.DueDate.String(), row.Status)
	}))
}
