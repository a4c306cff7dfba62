package portal

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// One invoice's page (seed 003, View invoice): what it is for, its
// lines, tax and totals, the payments received against it, the order it
// was raised from, and a way to pay it when it has a balance.

// invoiceView is an invoice's page.
type invoiceView struct {
	web.Layout
	Header   web.RecordHeader
	Details  []web.Detail
	Lines    web.Table
	Totals   []web.Detail
	Payments web.Table
	// Job is the order the invoice was raised from, if any.
	Job *assetLink
	// Pay offers the Pay now form (payOnline and a balance).
	Pay bool
	ID  string
	// Messages is the thread with the office (issue 22); nil hides it.
	Messages *web.ThreadView
}

// handleInvoice shows one invoice; an address ending in .pdf is its
// printout. An invoice out of reach is the same 404 as one that does not
// exist (SPEC §2.5): the store says.
func (p *Portal) handleInvoice(w http.ResponseWriter, r *http.Request) {
	v, ok := p.needModule(w, r, fieldportal.ModuleInvoices)
	if !ok {
		return
	}
	id := r.PathValue("id")
	if strings.HasSuffix(id, ".pdf") {
		p.handleInvoicePDF(w, r, v, strings.TrimSuffix(id, ".pdf"))
		return
	}
	ctx := r.Context()
	inv, err := p.svc.Money.FindInvoiceByID(ctx, v, id)
	if err != nil {
		p.kit.Error(w, r, web.NotFoundAs(err, "invoice"))
		return
	}
	currency, today := orgCurrency(r), quoteToday(r)
	row := invoiceRow(inv, currency, today)
	title := "Invoice " + inv.Number
	view := invoiceView{Layout: p.layout(r, title), ID: inv.ID, Pay: row.Payable && p.payOnline(r, v)}
	view.Header = web.RecordHeader{BackURL: "/invoices", BackLabel: "Invoices", Title: title, Subtitle: inv.SiteName,
		Badges:  []web.Badge{{Text: row.Status, Tone: row.Tone}},
		Actions: []web.Action{{Label: "Print (PDF)", URL: "/invoices/" + url.PathEscape(inv.ID) + ".pdf", Style: "secondary"}}}
	view.Details = []web.Detail{{Label: "Issued", Value: row.Date}, {Label: "Due", Value: row.DueDate}}
	if inv.SiteName != "" {
		view.Details = append(view.Details, web.Detail{Label: "Site", Value: inv.SiteName})
	}
	if row.Address != "" {
		view.Details = append(view.Details, web.Detail{Label: "Address", Value: row.Address})
	}
	if row.UPRN != "" {
		view.Details = append(view.Details, web.Detail{Label: "UPRN", Value: row.UPRN})
	}
	if row.Contractor != "" {
		view.Details = append(view.Details, web.Detail{Label: "Contractor", Value: row.Contractor})
	}
	if inv.JobID != "" {
		view.Job = invoiceJob(v, inv)
	}
	if inv.Description != "" {
		view.Details = append(view.Details, web.Detail{Label: "Description", Value: inv.Description, Pre: true})
	}
	view.Lines = web.Table{Caption: "Lines of invoice " + inv.Number, Columns: []web.Column{{Label: "Description"},
		{Label: "Quantity", Numeric: true}, {Label: "Unit price", Numeric: true}, {Label: "Tax", Numeric: true},
		{Label: "Amount", Numeric: true}}}
	for _, l := range inv.Lines {
		view.Lines.Rows = append(view.Lines.Rows, []web.Cell{{Text: l.Description, Header: true}, web.TextCell(web.NumberText(int(l.Quantity))),
			web.MoneyCell(currency, l.UnitPrice), web.MoneyCell(currency, l.Tax), web.MoneyCell(currency, l.Total)})
	}
	view.Totals = []web.Detail{{Label: "Subtotal", Value: web.MoneyText(currency, inv.Subtotal)},
		{Label: "Tax", Value: web.MoneyText(currency, inv.Tax)}, {Label: "Total", Value: row.Total},
		{Label: "Paid", Value: web.MoneyText(currency, inv.AmountPaid)}, {Label: "Balance due", Value: row.Balance}}
	view.Payments = web.Table{Caption: "Payments received", Columns: []web.Column{{Label: "Receipt"}, {Label: "Date"},
		{Label: "Method"}, {Label: "Amount", Numeric: true}}}
	loc := web.OrgLocation(r)
	for _, pay := range inv.Payments {
		view.Payments.Rows = append(view.Payments.Rows, []web.Cell{{Text: pay.ReceiptNumber, Header: true},
			web.DateCell(pay.PaidAt.In(loc)), web.TextCell(pay.Label()), web.MoneyCell(currency, pay.Allocated)})
	}
	view.Messages = p.threadFor(r, v, &view.Layout, fieldportal.ThreadOnInvoice, inv.ID)
	p.pages.Render(w, r, http.StatusOK, "invoice", view)
}

// invoiceJob names the order the invoice was raised from, linked when
// the contact may use its kind's pages. The store read the job's number
// and kind with the invoice, so the whole order (its items and assets) is
// not read again: the order is at the invoice's site (an invoice takes
// its job's site, checkInvoiceRefs), which the contact reaches since it
// sees the invoice, and the order's page still asks the store itself.
func invoiceJob(v fieldportal.Viewer, inv *fieldportal.Invoice) *assetLink {
	l := &assetLink{Name: inv.JobNumber}
	if m := inv.JobKind.Module(); v.CanUse(m) && pageReady[m] {
		l.URL = "/jobs/" + url.PathEscape(inv.JobID)
	}
	return l
}
