package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// Every payment the organisation received (issue 17, point 5): online
// through a provider, with the provider's reference, or taken by the
// office; newest first, by method, provider and status.

// paymentsView is the list.
type paymentsView struct {
	web.Layout
	Filter   web.FilterBar
	Table    web.Table
	Count    web.Count
	Pager    web.Pager
	Filtered bool
}

func (c *Console) handlePayments(w http.ResponseWriter, r *http.Request) {
	v, _ := web.ViewerFromContext(r.Context())
	q := r.URL.Query()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	params := url.Values{}
	for _, k := range []string{"method", "provider", "status", "customer"} {
		if s := get(k); s != "" {
			params.Set(k, s)
		}
	}
	f := fieldportal.PaymentFilter{Page: fieldportal.Page{After: q.Get("after")}, Method: get("method"), Status: fieldportal.PaymentStatus(get("status")),
		CustomerID: get("customer")}
	if p := get("provider"); p == "office" {
		f.ByOffice = true
	} else {
		f.Provider = p
	}
	list, next, err := c.svc.Money.FindPaymentRows(r.Context(), v, f)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	currency := web.OrganisationFromContext(r.Context()).Currency
	loc := web.OrgLocation(r)
	view := paymentsView{Layout: c.layout(r, "Payments"), Filtered: len(params) > 0}
	methods := []web.CheckOption{{Value: "", Label: "Any method"}}
	for _, m := range []string{"card", "bank_transfer", "cheque", "cash", "direct_debit"} {
		methods = append(methods, web.CheckOption{Value: m, Label: fieldportal.PaymentMethodLabel(m)})
	}
	providers := []web.CheckOption{{Value: "", Label: "Any"}, {Value: fieldportal.ProviderStripe, Label: "Stripe"},
		{Value: fieldportal.ProviderTestMode, Label: "Test mode"}, {Value: "office", Label: "Taken by the office"}}
	statuses := []web.CheckOption{{Value: "", Label: "Any status"}}
	for _, s := range []fieldportal.PaymentStatus{fieldportal.PaymentSucceeded, fieldportal.PaymentPending, fieldportal.PaymentFailed, fieldportal.PaymentRefunded} {
		statuses = append(statuses, web.CheckOption{Value: string(s), Label: paymentStatusText(s)})
	}
	view.Filter = web.FilterBar{Action: "/console/payments", Label: "Filter payments", Filters: []web.Filter{
		{Name: "method", Label: "Method", Type: "select", Options: checked(methods, get("method"))},
		{Name: "provider", Label: "Provider", Type: "select", Options: checked(providers, get("provider"))},
		{Name: "status", Label: "Status", Type: "select", Options: checked(statuses, get("status"))},
	}}
	if c := get("customer"); c != "" {
		view.Filter.Keep = []web.Param{{Name: "customer", Value: c}}
	}
	if view.Filtered {
		view.Filter.ClearURL = "/console/payments"
	}
	view.Table = web.Table{Caption: "Payments", Columns: []web.Column{{Label: "Receipt"}, {Label: "Received"}, {Label: "Customer"},
		{Label: "Method"}, {Label: "Provider reference"}, {Label: "Amount", Numeric: true}, {Label: "Refunded", Numeric: true},
		{Label: "Status"}, {Label: "Allocated to"}}}
	for _, p := range list {
		ref := p.ProviderRef
		if ref == "" {
			ref = p.Reference
		}
		when := p.PaidAt
		if when.IsZero() {
			when = p.CreatedAt
		}
		to := make([]string, 0, len(p.Allocations))
		for _, a := range p.Allocations {
			to = append(to, web.MoneyText(currency, a.Amount))
		}
		first := web.Cell{Text: p.ReceiptNumber, Header: true}
		if len(p.Allocations) > 0 {
			first.URL = "/console/invoices/" + url.PathEscape(p.Allocations[0].InvoiceID)
		}
		view.Table.Rows = append(view.Table.Rows, []web.Cell{first, web.DateCell(when.In(loc)), web.TextCell(p.CustomerName),
			web.TextCell(methodText(&p.Payment)), web.TextCell(ref), web.MoneyCell(currency, p.Amount), web.MoneyCell(currency, p.Refunded),
			web.BadgeCell(paymentStatusText(p.Status), paymentTones[p.Status]), web.TextCell(allocationText(len(p.Allocations), to))})
	}
	if next != "" {
		nq := url.Values{}
		for k, vs := range params {
			nq[k] = vs
		}
		nq.Set("after", next)
		view.Pager.NextURL = "/console/payments?" + nq.Encode()
	}
	if q.Get("after") != "" {
		view.Pager.FirstURL = withQuery("/console/payments", params)
	}
	view.Count = web.Count{Shown: len(list), Total: -1, One: "payment", Many: "payments"}
	if next == "" && q.Get("after") == "" {
		view.Count.Total = len(list)
	}
	c.pages.Render(w, r, http.StatusOK, "payments", view)
}

// allocationText says how a payment is allocated: "2 invoices: £10.00, £5.00".
func allocationText(n int, amounts []string) string {
	switch n {
	case 0:
		return "Not allocated"
	case 1:
		return "1 invoice: " + amounts[0]
	}
	return web.NumberText(n) + " invoices: " + strings.Join(amounts, ", ")
}
