package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestUpdateInvoiceKeepsWhatIsPaid checks that an invoice's amount paid
// is only ever its payments' (issue 19): an edit that read the invoice
// before a payment, or that names another amount, saves its other fields
// and leaves the amount paid and the status as the payment made them.
func TestUpdateInvoiceKeepsWhatIsPaid(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		inv := mustStoredInvoice(t, db, w)
		pay := &fieldportal.Payment{CustomerID: w.child.ID, Amount: 500, Method: "cash", PaidAt: time.Now(),
			Allocations: []fieldportal.PaymentAllocation{{InvoiceID: inv.ID, Amount: 500}}}
		if err := db.RecordManualPayment(ctx, w.staff, pay, ""); err != nil {
			t.Fatal(err)
		}
		for _, paid := range []fieldportal.Money{0, 1200} {
			x := *inv
			x.Description, x.AmountPaid = "Edited", paid
			if err := db.UpdateInvoice(ctx, w.staff, &x); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindInvoiceByID(ctx, w.staff, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			if got.AmountPaid != 500 || got.Status != fieldportal.InvoicePartPaid || got.Description != "Edited" {
				t.Errorf("an edit naming %v paid: paid %v, status %s, description %q", paid, got.AmountPaid, got.Status, got.Description)
			}
		}
		x := *inv
		x.Subtotal, x.Tax, x.Total = 400, 0, 400
		var e *fieldportal.Error
		if err := db.UpdateInvoice(ctx, w.staff, &x); !errors.As(err, &e) || e.Field != "amount_paid" {
			t.Errorf("a total under what is paid: err = %v", err)
		}
	})
}

// TestUpdateInvoiceKeepsVoid checks that an edit made from a copy read
// before the invoice was voided (an API PATCH racing the console's void)
// saves its fields and leaves the invoice void, not unpaid again.
func TestUpdateInvoiceKeepsVoid(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		inv := mustStoredInvoice(t, db, w)
		if _, err := db.VoidInvoice(ctx, w.staff, inv.ID, "Raised in error", time.Time{}); err != nil {
			t.Fatal(err)
		}
		x := *inv
		x.Description = "Edited"
		if err := db.UpdateInvoice(ctx, w.staff, &x); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindInvoiceByID(ctx, w.staff, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != fieldportal.InvoiceVoid || got.Description != "Edited" {
			t.Errorf("an edit read before the void: status %s, description %q", got.Status, got.Description)
		}
	})
}

// TestUpdateInvoiceNeverVoids checks that only VoidInvoice voids (issue
// 19): an edit carrying a void status saves its fields and keeps the
// status the payments give, with no invoice.voided event or audit.
func TestUpdateInvoiceNeverVoids(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		x := mustStoredInvoice(t, db, w)
		inv := x
		x.Description, x.Status = "Edited", fieldportal.InvoiceVoid
		if err := db.UpdateInvoice(ctx, w.staff, x); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindInvoiceByID(ctx, w.staff, inv.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status != fieldportal.InvoiceUnpaid || got.Description != "Edited" {
			t.Errorf("an edit with status void: status %s, description %q; want unpaid, Edited", got.Status, got.Description)
		}
	})
}

// TestVoidInvoiceIfUnchanged checks that a void under a version read (the
// API's If-Match) is refused once the invoice changed, inside the void's
// own transaction, and goes through on the version read.
func TestVoidInvoiceIfUnchanged(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		inv := mustStoredInvoice(t, db, w)
		x := *inv
		x.Description = "Edited meanwhile"
		if err := db.UpdateInvoice(ctx, w.staff, &x); err != nil {
			t.Fatal(err)
		}
		_, err := db.VoidInvoice(ctx, w.staff, inv.ID, "Raised in error", inv.UpdatedAt)
		if !errors.Is(err, fieldportal.ErrChanged) {
			t.Fatalf("a void of a stale version: %v, want ErrChanged", err)
		}
		now, err := db.FindInvoiceByID(ctx, w.staff, inv.ID)
		if err != nil || now.Status == fieldportal.InvoiceVoid {
			t.Fatalf("after a stale void: %+v, %v", now, err)
		}
		if _, err := db.VoidInvoice(ctx, w.staff, inv.ID, "Raised in error", now.UpdatedAt); err != nil {
			t.Errorf("a void of the version read: %v", err)
		}
	})
}

// TestUpdateRecurringKeepsLastPayment checks that a schedule's last
// payment is only ever the payments' (issue 19): an edit made from a copy
// read before autopay charged it saves its fields and keeps the date the
// charge set.
func TestUpdateRecurringKeepsLastPayment(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		r := &fieldportal.RecurringInvoice{Name: "Plan", SiteID: w.siteC.ID, TotalIncTax: 5000, Frequency: fieldportal.Monthly,
			NextDueDate: fieldportal.DateOf(time.Now().AddDate(0, 0, 10)), Active: true, Autopay: true}
		if err := db.CreateRecurringInvoice(ctx, w.staff, r); err != nil {
			t.Fatal(err)
		}
		read, err := db.FindRecurringInvoiceByID(ctx, w.staff, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		// What autopay's charge writes (autopay.go).
		paid := fieldportal.DateOf(time.Now())
		if _, err := db.SQL().ExecContext(ctx, `UPDATE recurring_invoices SET last_payment_date = $2 WHERE id = $1`, r.ID, paid); err != nil {
			t.Fatal(err)
		}
		x := *read
		x.Name = "Plan, renamed"
		if err := db.UpdateRecurringInvoice(ctx, w.staff, &x); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindRecurringInvoiceByID(ctx, w.staff, r.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.LastPaymentDate != paid || got.Name != "Plan, renamed" || x.LastPaymentDate != paid {
			t.Errorf("an edit read before a payment: last paid %v (answered %v), name %q", got.LastPaymentDate, x.LastPaymentDate, got.Name)
		}
	})
}

// mustStoredInvoice creates an unpaid invoice of 12.00 at the child's
// site and returns it as the store reads it back.
func mustStoredInvoice(tb testing.TB, db *sqlstore.DB, w *moneyWorld) *fieldportal.Invoice {
	tb.Helper()
	inv := w.invoice(w.child.ID, w.siteC.ID, fieldportal.DateOf(time.Now()), 1200)
	if err := db.CreateInvoice(context.Background(), w.staff, inv); err != nil {
		tb.Fatal(err)
	}
	read, err := db.FindInvoiceByID(context.Background(), w.staff, inv.ID)
	if err != nil {
		tb.Fatal(err)
	}
	return read
}
