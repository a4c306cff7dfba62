package sqlstore_test

import (
	"slices"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// The office's money (issue 17): the console's invoice and payment lists,
// issuing invoices, money taken by hand and refunds are the operator's;
// the payments of an invoice are read by whoever reaches the invoice.

// staffSees is a read only the operator makes: staff see the target's
// record when their organisation holds it and nothing of another's;
// contacts, whatever they reach, and the anonymous are refused.
func staffSees(reaches func(actor, string) bool) rule {
	return func(kind, target string) outcome {
		if actors[kind].staff && reaches(actors[kind], target) {
			return sees(target)
		}
		return operatorOnly(reaches, sees())(kind, target)
	}
}

// inModuleSees is inModule for a read that returns the target's record.
func inModuleSees(reaches func(actor, string) bool) rule {
	return func(kind, target string) outcome {
		o := inModule(reaches)(kind, target)
		if o.code == "" {
			return sees(target)
		}
		return o
	}
}

// seenAs names target when ids holds id, as a read row returns it.
func seenAs(target, id string, ids []string, err error) ([]string, error) {
	if slices.Contains(ids, id) {
		return []string{target}, err
	}
	return nil, err
}

func (w *writeWorld) officeMoneyRows() []writeRow {
	ctx, db := w.ctx, w.db
	today := fieldportal.DateOf(w.clk.Now())
	paidAt := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	invoiceAt := once(func(t *testing.T, target string) *fieldportal.Invoice {
		x := &fieldportal.Invoice{SiteID: w.siteID(target), IssueDate: today, DueDate: today.AddDays(30),
			Subtotal: 1000, Tax: 200, Total: 1200, Status: fieldportal.InvoiceUnpaid}
		w.made(t, target, &x.ID, func(v fieldportal.Viewer) error { return db.CreateInvoice(ctx, v, x) })
		return x
	})
	// manual is money the office took from a customer, allocated as told.
	manual := func(customerID string, as ...fieldportal.PaymentAllocation) *fieldportal.Payment {
		return &fieldportal.Payment{CustomerID: customerID, Amount: 100, Method: "cheque", PaidAt: paidAt, Allocations: as}
	}
	// paid is a payment of each site's invoice, allocated to it whole.
	paidInvoice := once(func(t *testing.T, target string) *fieldportal.Payment {
		p := &fieldportal.Payment{}
		if target != ghost {
			inv := invoiceAt(t, target)
			p = manual(w.site[target].CustomerID, fieldportal.PaymentAllocation{InvoiceID: inv.ID, Amount: 100})
		}
		w.made(t, target, &p.ID, func(v fieldportal.Viewer) error { return db.RecordManualPayment(ctx, v, p, "CHQ") })
		return p
	})
	// refundedOf is a payment of each customer with one refund.
	refundedOf := once(func(t *testing.T, target string) *fieldportal.Payment {
		p := manual(w.customerID(target))
		w.made(t, target, &p.ID, func(v fieldportal.Viewer) error {
			if err := db.RecordManualPayment(ctx, v, p, "CHQ"); err != nil {
				return err
			}
			_, err := db.RefundPayment(ctx, v, &fieldportal.PaymentRefund{PaymentID: p.ID, Amount: 10, Reason: "Overpaid", Key: "k" + w.next()})
			return err
		})
		return p
	})
	jobAt := once(func(t *testing.T, target string) *fieldportal.Job {
		j := &fieldportal.Job{SiteID: w.siteID(target), Kind: fieldportal.JobService, Stage: fieldportal.StagePending, Description: "Job " + w.next()}
		w.made(t, target, &j.ID, func(v fieldportal.Viewer) error { return db.CreateJob(ctx, v, j) })
		return j
	})
	invoiceRows := func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
		rows, _, err := db.FindInvoiceRows(ctx, v, fieldportal.InvoiceFilter{SiteID: w.siteID(target)})
		var ids []string
		for _, r := range rows {
			ids = append(ids, r.ID)
		}
		return seenAs(target, invoiceAt(t, target).ID, ids, err)
	}
	return []writeRow{
		{
			name: "FindInvoiceRows", covers: []string{"MoneyService.FindInvoiceRows"}, targets: operatorSites,
			try:  invoiceRows,
			want: staffSees(atSite),
		},
		{
			name: "EachInvoiceRow", covers: []string{"MoneyService.EachInvoiceRow"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				var ids []string
				err := db.EachInvoiceRow(ctx, v, fieldportal.InvoiceFilter{SiteID: w.siteID(target)}, func(r *fieldportal.InvoiceRow) error {
					ids = append(ids, r.ID)
					return nil
				})
				return seenAs(target, invoiceAt(t, target).ID, ids, err)
			},
			want: staffSees(atSite),
		},
		{
			// Issuing from a job of the pending stage leaves the job
			// where it is, so the attempts share the job.
			name: "IssueInvoice", covers: []string{"MoneyService.IssueInvoice"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.IssueInvoice(ctx, v, &fieldportal.Invoice{JobID: jobAt(t, target).ID, IssueDate: today, DueDate: today.AddDays(30),
					Lines: []fieldportal.InvoiceLine{{Description: "Call-out", Quantity: 1, UnitPrice: 100}}}))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			// Each attempt voids an invoice of its own: a void one
			// refuses a second void.
			name: "VoidInvoice", covers: []string{"MoneyService.VoidInvoice"}, targets: operatorSites,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				x := &fieldportal.Invoice{SiteID: w.siteID(target), IssueDate: today, DueDate: today.AddDays(30),
					Subtotal: 100, Total: 100, Status: fieldportal.InvoiceUnpaid}
				w.made(t, target, &x.ID, func(v fieldportal.Viewer) error { return db.CreateInvoice(ctx, v, x) })
				return errOnly(db.VoidInvoice(ctx, v, x.ID, "Raised twice", time.Time{}))
			},
			want: operatorOnly(atSite, notFound),
		},
		{
			// The invoice's page shows its payments to whoever may open
			// the invoice: a contact that reaches only the invoice's site
			// sees the payment allocated to it.
			name: "FindInvoicePayments", covers: []string{"MoneyService.FindInvoicePayments"}, targets: everySite,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				p := paidInvoice(t, target)
				inv := w.ghostID
				if target != ghost {
					inv = invoiceAt(t, target).ID
				}
				list, err := db.FindInvoicePayments(ctx, v, inv)
				var ids []string
				for _, x := range list {
					ids = append(ids, x.ID)
				}
				return seenAs(target, p.ID, ids, err)
			},
			want: inModuleSees(atSite),
		},
		{
			name: "RecordManualPayment", covers: []string{"MoneyService.RecordManualPayment"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				return justErr(db.RecordManualPayment(ctx, v, manual(w.customerID(target)), "CHQ "+w.next()))
			},
			want: operatorOnly(ofCustomer, noSuch("customer_id")),
		},
		{
			name: "FindPaymentRows", covers: []string{"MoneyService.FindPaymentRows"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				rows, _, err := db.FindPaymentRows(ctx, v, fieldportal.PaymentFilter{CustomerID: w.customerID(target)})
				var ids []string
				for _, r := range rows {
					ids = append(ids, r.ID)
				}
				return seenAs(target, refundedOf(t, target).ID, ids, err)
			},
			want: staffSees(ofCustomer),
		},
		{
			name: "FindPaymentRefunds", covers: []string{"MoneyService.FindPaymentRefunds"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				p := refundedOf(t, target)
				list, err := db.FindPaymentRefunds(ctx, v, p.ID)
				var ids []string
				for _, r := range list {
					ids = append(ids, r.PaymentID)
				}
				return seenAs(target, p.ID, ids, err)
			},
			want: staffSees(ofCustomer),
		},
		{
			// Each attempt refunds a payment of its own, whole.
			name: "RefundPayment", covers: []string{"MoneyService.RefundPayment"}, targets: operatorCustomers,
			try: func(t *testing.T, v fieldportal.Viewer, target string) ([]string, error) {
				p := manual(w.customerID(target))
				w.made(t, target, &p.ID, func(v fieldportal.Viewer) error { return db.RecordManualPayment(ctx, v, p, "CHQ") })
				return errOnly(db.RefundPayment(ctx, v, &fieldportal.PaymentRefund{PaymentID: p.ID, Amount: 100, Reason: "Overpaid", Key: "k" + w.next()}))
			},
			want: operatorOnly(ofCustomer, notFound),
		},
	}
}
