package console

import (
	"crypto/rand"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// One invoice for the office: its lines, the payments allocated to it,
// its job and audit trail, and three forms: record a payment taken by
// hand, refund a payment, void the invoice. Each form's fields carry the
// form's prefix, so the three share one page and one error summary each.

// invoiceView is one invoice with its forms.
type invoiceView struct {
	web.Layout
	Invoice  *fieldportal.Invoice
	Header   web.RecordHeader
	Notice   string
	Details  []web.Detail
	Lines    web.Table
	Totals   []web.Detail
	Payments web.Table
	Trail    []historyRow
	// Pay is the manual payment form (nil for a void or paid invoice).
	Pay *payForm
	// Refund is the refund form (nil when nothing can be refunded).
	Refund *refundForm
	// Void is the void form (nil when the invoice cannot be voided).
	Void *voidForm
}

// payForm records a payment taken by hand, allocated to this invoice and
// other unpaid invoices of the customer.
type payForm struct {
	Errors                          []fieldportal.FieldError
	Amount, PaidAt, Reference, Hint web.FieldView
	Method                          web.SelectView
	Allocations                     []web.FieldView
}

// refundForm refunds one payment of the invoice, whole or in part.
type refundForm struct {
	Errors         []fieldportal.FieldError
	Payment        web.SelectView
	Amount, Reason web.FieldView
	Key            string
}

// voidForm voids the invoice, for a reason.
type voidForm struct {
	Errors []fieldportal.FieldError
	Reason web.FieldView
}

// invoiceNotices are the messages after an action (?done=).
var invoiceNotices = map[string]string{
	"issued":   "The invoice has been issued and mailed to the customer's invoice contacts.",
	"paid":     "The payment has been recorded and its receipt mailed.",
	"refunded": "The refund has been recorded and the invoices' balances given back.",
	"voided":   "The invoice has been voided.",
}

func (c *Console) handleInvoice(w http.ResponseWriter, r *http.Request) {
	c.renderInvoice(w, r, http.StatusOK, "", nil, web.FormErrors{})
}

// renderInvoice shows an invoice; form names the form that failed ("pay",
// "refund" or "void") and typed what was posted, kept in its fields.
func (c *Console) renderInvoice(w http.ResponseWriter, r *http.Request, status int, form string, typed url.Values, errs web.FormErrors) {
	v, _ := web.ViewerFromContext(r.Context())
	ctx := r.Context()
	inv, err := c.svc.Money.FindInvoiceByID(ctx, v, r.PathValue("id"))
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "invoice"))
		return
	}
	payments, err := c.svc.Money.FindInvoicePayments(ctx, v, inv.ID)
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	trail, _, err := c.svc.Orgs.FindAuditLog(ctx, v, fieldportal.AuditFilter{Entity: "invoice", EntityID: inv.ID, Page: fieldportal.Page{Limit: 100}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	customer, _, err := c.svc.Money.FindInvoiceRows(ctx, v, fieldportal.InvoiceFilter{CustomerID: inv.CustomerID,
		Statuses: []fieldportal.InvoiceStatus{fieldportal.InvoiceUnpaid, fieldportal.InvoicePartPaid}, Page: fieldportal.Page{Limit: 20}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	loc := web.OrgLocation(r)
	currency := web.OrganisationFromContext(ctx).Currency
	today := orgToday(r)
	title := "Invoice " + inv.Number
	b := invoiceStatus(inv, today)
	view := invoiceView{Layout: c.layout(r, title), Invoice: inv, Notice: invoiceNotices[r.URL.Query().Get("done")]}
	view.Header = web.RecordHeader{BackURL: "/console/invoices", BackLabel: "Invoices", Title: title, Subtitle: inv.SiteName,
		Badges: []web.Badge{b}, Actions: []web.Action{{Label: "Documents", URL: documentsURL("invoice", inv.ID), Style: "secondary"}}}
	// The customer's name, from a row of its invoices (this one at least).
	named, _, err := c.svc.Money.FindInvoiceRows(ctx, v, fieldportal.InvoiceFilter{CustomerID: inv.CustomerID, Page: fieldportal.Page{Limit: 1}})
	if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	custName := "Unknown"
	for _, row := range named {
		custName = row.CustomerName
	}
	job := web.Detail{Label: "Job", Value: "None"}
	if inv.JobID != "" {
		job.Value = inv.JobNumber
	}
	view.Details = []web.Detail{{Label: "Customer", Value: custName}, {Label: "Site", Value: orNone(inv.SiteName)}, job,
		{Label: "Issued", Value: web.FormatDate(inv.IssueDate.Time())}, {Label: "Due", Value: web.FormatDate(inv.DueDate.Time())},
		{Label: "Description", Value: orNone(inv.Description), Pre: true}}
	view.Lines = web.Table{Caption: "Lines", Columns: []web.Column{{Label: "Description"}, {Label: "Quantity", Numeric: true},
		{Label: "Unit price", Numeric: true}, {Label: "Tax", Numeric: true}, {Label: "Total", Numeric: true}}}
	for _, l := range inv.Lines {
		view.Lines.Rows = append(view.Lines.Rows, []web.Cell{{Text: l.Description, Header: true}, web.TextCell(strconv.FormatInt(l.Quantity, 10)),
			web.MoneyCell(currency, l.UnitPrice), web.MoneyCell(currency, l.Tax), web.MoneyCell(currency, l.Total)})
	}
	view.Totals = []web.Detail{{Label: "Subtotal", Value: web.MoneyText(currency, inv.Subtotal)}, {Label: "Tax", Value: web.MoneyText(currency, inv.Tax)},
		{Label: "Total", Value: web.MoneyText(currency, inv.Total)}, {Label: "Paid", Value: web.MoneyText(currency, inv.AmountPaid)},
		{Label: "Balance", Value: web.MoneyText(currency, inv.Balance())}}
	view.Payments = web.Table{Caption: "Payments", Columns: []web.Column{{Label: "Receipt"}, {Label: "Received"}, {Label: "Method"},
		{Label: "Provider reference"}, {Label: "Amount", Numeric: true}, {Label: "To this invoice", Numeric: true}, {Label: "Status"}}}
	var refundable []*fieldportal.Payment
	for _, p := range payments {
		var here fieldportal.Money
		for _, a := range p.Allocations {
			if a.InvoiceID == inv.ID {
				here += a.Amount
			}
		}
		view.Payments.Rows = append(view.Payments.Rows, []web.Cell{{Text: p.ReceiptNumber, Header: true, URL: "/console/payments?customer=" + url.QueryEscape(p.CustomerID)},
			web.DateCell(p.PaidAt.In(loc)), web.TextCell(methodText(p)), web.TextCell(p.ProviderRef),
			web.MoneyCell(currency, p.Amount), web.MoneyCell(currency, here), web.BadgeCell(paymentStatusText(p.Status), paymentTones[p.Status])})
		if p.Status == fieldportal.PaymentSucceeded {
			refundable = append(refundable, p)
		}
	}
	for _, e := range trail {
		view.Trail = append(view.Trail, historyRow{At: e.At.In(loc), When: web.FormatDateTime(e.At.In(loc)),
			Text: auditText(e.Action) + " by " + orNone(e.ActorName), Note: e.Detail})
	}
	typedFor := func(name string) url.Values {
		if form != name {
			return nil
		}
		return typed
	}
	errsFor := func(name string) web.FormErrors {
		if form != name {
			return web.FormErrors{}
		}
		return errs
	}
	if inv.Balance() > 0 {
		view.Pay = newPayForm(inv, customer, currency, typedFor("pay"), errsFor("pay"), web.RequestTime(r).In(web.OrgLocation(r)))
	}
	if len(refundable) > 0 {
		view.Refund = newRefundForm(refundable, currency, typedFor("refund"), errsFor("refund"))
	}
	// Deposits deducted do not stop a void: VoidInvoice gives them back
	// to the job's next invoice (issue 22). Any other payment does.
	onlyDeposits := len(inv.Payments) > 0
	for _, ip := range inv.Payments {
		onlyDeposits = onlyDeposits && ip.Deposit
	}
	if inv.Status != fieldportal.InvoiceVoid && (onlyDeposits || len(payments) == 0 && inv.AmountPaid == 0) {
		ve := errsFor("void")
		vf := &voidForm{Errors: ve.List("void_reason")}
		vf.Reason = web.Field("void_reason", "Reason", "textarea", typedFor("void").Get("void_reason"), "off", ve)
		vf.Reason.Hint = "Kept in the invoice's audit trail."
		view.Void = vf
	}
	c.pages.Render(w, r, status, "invoice", view)
}

// auditText is an audit entry's action in words.
func auditText(action string) string {
	if s, ok := map[string]string{"invoice.created": "Created", "invoice.updated": "Changed", "invoice.issued": "Issued",
		"invoice.voided": "Voided", "invoice.payment_allocated": "Payment allocated",
		"invoice.refund_reversed": "Refund taken back"}[action]; ok {
		return s
	}
	return action
}

// methodText is how a payment was made, with its provider.
func methodText(p *fieldportal.Payment) string {
	m := fieldportal.PaymentMethodLabel(p.Method)
	if p.Provider != "" {
		m += " (" + providerLabel(p.Provider) + ")"
	}
	return m
}

// providerLabel names a payment provider.
func providerLabel(p string) string {
	switch p {
	case fieldportal.ProviderStripe:
		return "Stripe"
	case fieldportal.ProviderTestMode:
		return "Test mode"
	case "":
		return "Taken by the office"
	}
	return p
}

// paymentTones colours a payment's status badge.
var paymentTones = map[fieldportal.PaymentStatus]string{fieldportal.PaymentSucceeded: "success", fieldportal.PaymentPending: "warning",
	fieldportal.PaymentFailed: "danger", fieldportal.PaymentRefunded: "neutral"}

// paymentStatusText is a payment's status in words.
func paymentStatusText(s fieldportal.PaymentStatus) string {
	switch s {
	case fieldportal.PaymentSucceeded:
		return "Received"
	case fieldportal.PaymentPending:
		return "Pending"
	case fieldportal.PaymentFailed:
		return "Failed"
	case fieldportal.PaymentRefunded:
		return "Refunded"
	}
	return string(s)
}

// newPayForm builds the manual payment form: the amount, date, method
// and reference, and an allocation box for this invoice and each other
// unpaid invoice of the customer (typed: what was posted, kept); now is
// the request's time in the organisation's zone, whose date the form
// offers.
func newPayForm(inv *fieldportal.Invoice, open []*fieldportal.InvoiceRow, currency string, typed url.Values, errs web.FormErrors, now time.Time) *payForm {
	get := func(k, def string) string {
		if typed != nil {
			return typed.Get(k)
		}
		return def
	}
	f := &payForm{}
	f.Amount = web.Field("pay_amount", "Amount received", "text", get("pay_amount", inv.Balance().Decimal()), "off", errs)
	f.Amount.Inputmode = "decimal"
	f.PaidAt = web.Field("pay_date", "Date received", "date", get("pay_date", now.Format(time.DateOnly)), "off", errs)
	f.Method = web.SelectView{FieldView: web.Field("pay_method", "Method", "select", get("pay_method", ""), "", errs)}
	f.Method.Options = []web.CheckOption{{Value: "", Label: "Choose how it was paid"}}
	for _, m := range fieldportal.ManualMethods {
		f.Method.Options = append(f.Method.Options, web.CheckOption{Value: m, Label: fieldportal.PaymentMethodLabel(m), Checked: f.Method.Value == m})
	}
	f.Reference = web.Field("pay_reference", "Reference", "text", get("pay_reference", ""), "off", errs).Optional()
	f.Reference.Hint = "A cheque's number or a transfer's reference."
	order := []string{"pay_amount", "pay_date", "pay_method", "pay_reference", "pay_allocations"}
	rows := []*fieldportal.InvoiceRow{{Invoice: *inv}}
	for _, o := range open {
		if o.ID != inv.ID {
			rows = append(rows, o)
		}
	}
	for n, o := range rows {
		name := "alloc_" + o.ID
		def := ""
		if n == 0 {
			def = inv.Balance().Decimal()
		}
		fv := web.Field(name, "Allocate to "+o.Number, "text", get(name, def), "off", errs).Optional()
		fv.Inputmode = "decimal"
		fv.Hint = "Balance " + web.MoneyText(currency, o.Balance()) + ", due " + web.FormatDate(o.DueDate.Time()) + "."
		f.Allocations = append(f.Allocations, fv)
		order = append(order, name)
	}
	f.Errors = errs.List(order...)
	return f
}

// newRefundForm builds the refund form with a fresh key, or the posted
// one, so a form sent twice refunds once.
func newRefundForm(ps []*fieldportal.Payment, currency string, typed url.Values, errs web.FormErrors) *refundForm {
	f := &refundForm{Key: rand.Text()}
	chosen, amount, reason := ps[0].ID, "", ""
	if typed != nil {
		chosen, amount, reason, f.Key = typed.Get("refund_payment"), typed.Get("refund_amount"), typed.Get("refund_reason"), typed.Get("refund_key")
		f.Errors = errs.List("refund_payment", "refund_amount", "refund_reason", "refund_key")
	}
	f.Payment = web.SelectView{FieldView: web.Field("refund_payment", "Payment", "select", chosen, "", errs)}
	for _, p := range ps {
		f.Payment.Options = append(f.Payment.Options, web.CheckOption{Value: p.ID, Checked: p.ID == chosen,
			Label: p.ReceiptNumber + ", " + web.MoneyText(currency, p.Amount) + ", " + methodText(p)})
	}
	f.Amount = web.Field("refund_amount", "Amount to refund", "text", amount, "off", errs)
	f.Amount.Inputmode, f.Amount.Hint = "decimal", "The whole payment or part of it."
	f.Reason = web.Field("refund_reason", "Reason", "textarea", reason, "off", errs)
	return f
}

// prefixErrors names a service's field errors as the form's own fields.
func prefixErrors(err error, prefix string) web.FormErrors {
	out := web.FormErrors{}
	for k, m := range web.ErrorsOf(err) {
		if k == "" || strings.HasPrefix(k, "alloc_") {
			out[k] = m
			continue
		}
		out[prefix+k] = m
	}
	return out
}

// handleInvoiceVoid voids an invoice for the reason given.
func (c *Console) handleInvoiceVoid(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	id := r.PathValue("id")
	_, err := c.svc.Money.VoidInvoice(r.Context(), v, id, r.PostForm.Get("void_reason"), time.Time{})
	if web.IsFormError(err) {
		c.renderInvoice(w, r, web.StatusFor(fieldportal.ErrorCode(err)), "void", r.PostForm, prefixErrors(err, "void_"))
		return
	} else if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "invoice"))
		return
	}
	http.Redirect(w, r, "/console/invoices/"+url.PathEscape(id)+"?done=voided", http.StatusSeeOther)
}

// handleInvoicePayment records a payment taken by hand. Amounts that are
// not amounts are refused here, naming their field; the store checks the
// allocations against the amount and each invoice's balance.
func (c *Console) handleInvoicePayment(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	ctx := r.Context()
	id := r.PathValue("id")
	inv, err := c.svc.Money.FindInvoiceByID(ctx, v, id)
	if err != nil {
		c.kit.Error(w, r, web.NotFoundAs(err, "invoice"))
		return
	}
	form := r.PostForm
	var bad fieldportal.Validation
	p := &fieldportal.Payment{CustomerID: inv.CustomerID, Method: form.Get("pay_method")}
	if s := strings.TrimSpace(form.Get("pay_amount")); s == "" {
		bad.Add("pay_amount", "Amount received is required.")
	} else if m, err := fieldportal.ParseMoney(s); err != nil || m <= 0 {
		bad.Add("pay_amount", "Amount received must be an amount more than zero, such as 120.00.")
	} else {
		p.Amount = m
	}
	if s := strings.TrimSpace(form.Get("pay_date")); s == "" {
		bad.Add("pay_date", "Date received is required.")
	} else if d, err := fieldportal.ParseDate(s); err != nil {
		bad.Add("pay_date", "Date received must be a date, such as 2026-03-31.")
	} else if d.After(orgToday(r)) {
		bad.Add("pay_date", "Date received cannot be in the future.")
	} else {
		t := d.Time()
		p.PaidAt = time.Date(t.Year(), t.Month(), t.Day(), 12, 0, 0, 0, web.OrgLocation(r))
	}
	var sum fieldportal.Money
	for k, vals := range form {
		invID, ok := strings.CutPrefix(k, "alloc_")
		if !ok || len(vals) == 0 || strings.TrimSpace(vals[0]) == "" {
			continue
		}
		m, err := fieldportal.ParseMoney(vals[0])
		if err != nil || m < 0 {
			bad.Add(k, "The allocation must be an amount, such as 120.00.")
			continue
		}
		if m > 0 {
			p.Allocations = append(p.Allocations, fieldportal.PaymentAllocation{InvoiceID: invID, Amount: m})
			sum += m
		}
	}
	if p.Amount > 0 && sum > p.Amount {
		bad.Add("pay_allocations", "The allocations add up to more than the amount received.")
	}
	err = bad.Err()
	if err == nil {
		err = c.svc.Money.RecordManualPayment(ctx, v, p, form.Get("pay_reference"))
		err = payErrors(err)
	}
	if web.IsFormError(err) {
		c.renderInvoice(w, r, web.StatusFor(fieldportal.ErrorCode(err)), "pay", form, prefixErrors(err, ""))
		return
	} else if err != nil {
		c.kit.Error(w, r, err)
		return
	}
	http.Redirect(w, r, "/console/invoices/"+url.PathEscape(id)+"?done=paid", http.StatusSeeOther)
}

// payErrors names the store's payment fields as the form's.
func payErrors(err error) error {
	e, ok := err.(*fieldportal.Error)
	if !ok || e.Code != fieldportal.EINVALID {
		return err
	}
	names := map[string]string{"amount": "pay_amount", "paid_at": "pay_date", "method": "pay_method",
		"reference": "pay_reference", "allocations": "pay_allocations", "customer_id": "pay_allocations"}
	var out fieldportal.Validation
	for _, f := range e.Fields {
		name, ok := names[f.Field]
		if !ok {
			name = f.Field
		}
		out.Add(name, "%s", f.Message)
	}
	return out.Err()
}

// handleRefund refunds a payment of the invoice: through its provider
// first when it came through one (the provider's own idempotency key is
// the form's, so a second submission refunds once there too), then in the
// store, which gives the invoices their balances back once per key.
func (c *Console) handleRefund(w http.ResponseWriter, r *http.Request) {
	if !c.kit.ParseForm(w, r) {
		return
	}
	v, _ := web.ViewerFromContext(r.Context())
	ctx := r.Context()
	id := r.PathValue("id")
	form := r.PostForm
	fail := func(err error) {
		if web.IsFormError(err) {
			c.renderInvoice(w, r, web.StatusFor(fieldportal.ErrorCode(err)), "refund", form, prefixErrors(err, "refund_"))
			return
		}
		c.kit.Error(w, r, err)
	}
	p, err := c.svc.Money.FindPaymentByID(ctx, v, form.Get("refund_payment"))
	if err != nil {
		fail(fieldportal.FieldErrorf("payment", "Choose a payment of this invoice."))
		return
	}
	rf := &fieldportal.PaymentRefund{PaymentID: p.ID, Reason: form.Get("refund_reason"), Key: form.Get("refund_key")}
	if m, err := fieldportal.ParseMoney(form.Get("refund_amount")); err != nil || m <= 0 {
		fail(fieldportal.FieldErrorf("amount", "Amount to refund must be an amount more than zero, such as 50.00."))
		return
	} else {
		rf.Amount = m
	}
	if p.Provider != "" {
		// Checked before the provider is asked (the store checks again,
		// under the payment's lock): the provider must never give back
		// money the store would then refuse to record.
		done, err := c.svc.Money.FindPaymentRefunds(ctx, v, p.ID)
		if err != nil {
			fail(err)
			return
		}
		left := p.Amount
		for _, d := range done {
			if d.Key == rf.Key {
				left += d.Amount // a second submission of a recorded refund
			}
			left -= d.Amount
		}
		if err := rf.Validate(left); err != nil {
			fail(err)
			return
		}
		if rf.RefundRef, err = c.refundAtProvider(r, p, rf); err != nil {
			fail(err)
			return
		}
	}
	if _, err := c.svc.Money.RefundPayment(ctx, v, rf); err != nil {
		fail(err)
		return
	}
	http.Redirect(w, r, "/console/invoices/"+url.PathEscape(id)+"?done=refunded", http.StatusSeeOther)
}

// refundAtProvider gives the money back through the payment's provider
// and returns the provider's id of the refund.
func (c *Console) refundAtProvider(r *http.Request, p *fieldportal.Payment, rf *fieldportal.PaymentRefund) (string, error) {
	if c.svc.Payments == nil {
		return "", fieldportal.FieldErrorf("payment", "Online payment is off here: refund this payment in the provider's own dashboard.")
	}
	v, _ := web.ViewerFromContext(r.Context())
	// Any staff member refunds: the keys are opened for the gateway, not
	// shown (FindPaymentKeys is the admins' settings page's).
	keys, err := c.svc.Money.GatewayKeys(r.Context(), v.OrgID)
	if err != nil {
		return "", err
	}
	gw, err := c.svc.Payments(p.Provider, keys)
	if err != nil {
		return "", err
	}
	out, err := gw.Refund(r.Context(), fieldportal.RefundRequest{PaymentRef: p.ProviderRef, Amount: rf.Amount, Currency: p.Currency,
		Reason: rf.Reason, IdempotencyKey: rf.Key})
	if err != nil {
		c.kit.Logger().WarnContext(r.Context(), "refund at the provider failed", "payment", p.ID, "err", err)
		return "", fieldportal.FieldErrorf("payment", "The provider did not make the refund; nothing was changed. Try again later.")
	}
	if !out.Succeeded {
		return "", fieldportal.FieldErrorf("payment", "The provider refused the refund; nothing was changed.")
	}
	return out.RefundRef, nil
}
