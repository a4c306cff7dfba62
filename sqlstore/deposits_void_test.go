package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// paidDepositJob accepts a quote of total asking for an amount deposit,
// confirms its deposit and makes the job the back office raises for it.
func (w *depositWorld) paidDepositJob(t *testing.T, db *sqlstore.DB, total, deposit fieldportal.Money) (*fieldportal.Quote, *fieldportal.Checkout, string) {
	t.Helper()
	x := w.quote(t, db, total, fieldportal.DepositAmount, int64(deposit))
	c := w.startDeposit(t, db, x)
	got, err := db.ConfirmCheckout(context.Background(), w.payer, "testmode", paid(c, "pi_"+c.ID))
	if err != nil {
		t.Fatal(err)
	}
	job := MustMoneyJob(t, db, w.org.ID, w.parent.ID, w.siteA.ID, "J-"+x.Number)
	mustMoneyExec(t, db, `UPDATE jobs SET quote_id = $1, stage = 'complete' WHERE id = $2`, x.ID, job)
	return x, got, job
}

// issueFor issues an invoice of total for a job.
func (w *depositWorld) issueFor(t *testing.T, db *sqlstore.DB, jobID string, total fieldportal.Money) *fieldportal.Invoice {
	t.Helper()
	inv := &fieldportal.Invoice{JobID: jobID, IssueDate: moneyDay(2026, 3, 1), DueDate: moneyDay(2026, 3, 31),
		Lines: []fieldportal.InvoiceLine{{Description: "Work", Quantity: 1, UnitPrice: total}}}
	if err := db.IssueInvoice(context.Background(), w.staff, inv); err != nil {
		t.Fatalf("IssueInvoice: %v", err)
	}
	return inv
}

// TestDepositVoid checks that voiding an invoice a deposit was deducted
// from gives the deposit back to the job: on account, linked to the
// quote, so the job's next invoice takes it, never counted twice.
func TestDepositVoid(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newDepositWorld(t, db)

		t.Run("void releases the deposit to the job's next invoice", func(t *testing.T) {
			_, c, job := w.paidDepositJob(t, db, 10000, 2000)
			inv := w.issueFor(t, db, job, 10000)
			mustInvoicePaid(t, db, w.staff, inv.ID, 2000)
			before, err := db.InvoiceSummary(ctx, w.payer, moneyDay(2026, 3, 2))
			if err != nil {
				t.Fatal(err)
			}
			voided, err := db.VoidInvoice(ctx, w.staff, inv.ID, "Raised with the wrong lines", time.Time{})
			if err != nil {
				t.Fatalf("VoidInvoice of an invoice with a deposit deducted: %v", err)
			}
			if voided.Status != fieldportal.InvoiceVoid || voided.AmountPaid != 0 {
				t.Errorf("voided invoice = %s paid %s, want void with nothing paid", voided.Status, voided.AmountPaid)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM payment_allocations WHERE invoice_id = $1`, inv.ID); n != 0 {
				t.Errorf("%d allocations left on the void invoice", n)
			}
			ds, err := db.FindDeposits(ctx, w.staff, fieldportal.DepositFilter{JobID: job})
			if err != nil || len(ds) != 1 || ds[0].Allocated != 0 || ds[0].OnAccount() != 2000 || ds[0].PaymentID != c.PaymentID {
				t.Fatalf("FindDeposits after the void = %+v, %v; want the 20.00 on account again", ds, err)
			}
			if n := checkoutRows(t, db, `SELECT COUNT(*) FROM audit_log WHERE action = 'deposit.released' AND entity_id = $1`, c.PaymentID); n != 1 {
				t.Errorf("%d deposit.released audit entries, want 1", n)
			}
			// The void invoice leaves the balances: nothing is owed now.
			after, err := db.InvoiceSummary(ctx, w.payer, moneyDay(2026, 3, 2))
			if err != nil {
				t.Fatal(err)
			}
			if after.Balance != before.Balance-8000 || after.Unpaid != before.Unpaid-1 {
				t.Errorf("summary after the void = %+v, before %+v; want 80.00 and one invoice less", after, before)
			}
			// The job's next invoice takes the deposit again, once.
			next := w.issueFor(t, db, job, 12000)
			mustInvoicePaid(t, db, w.payer, next.ID, 2000)
			final, err := db.InvoiceSummary(ctx, w.payer, moneyDay(2026, 3, 2))
			if err != nil {
				t.Fatal(err)
			}
			if final.Balance != before.Balance-8000+10000 {
				t.Errorf("summary with the new invoice = %+v, want %s owed more than after the void", final, fieldportal.Money(10000))
			}
			p, err := db.FindPaymentByID(ctx, w.staff, c.PaymentID)
			if err != nil {
				t.Fatal(err)
			}
			var sum fieldportal.Money
			for _, a := range p.Allocations {
				sum += a.Amount
				if a.InvoiceID == inv.ID {
					t.Errorf("the deposit is still allocated to the void invoice")
				}
			}
			if sum != 2000 {
				t.Errorf("deposit allocated %s in all, want 20.00 (never twice)", sum)
			}
		})

		t.Run("an invoice with another payment too still cannot be voided", func(t *testing.T) {
			_, c, job := w.paidDepositJob(t, db, 10000, 2000)
			inv := w.issueFor(t, db, job, 10000)
			p := &fieldportal.Payment{CustomerID: w.parent.ID, Amount: 1000, Method: "bank_transfer", PaidAt: moneyDay(2026, 3, 2).Time(),
				Allocations: []fieldportal.PaymentAllocation{{InvoiceID: inv.ID, Amount: 1000}}}
			if err := db.RecordManualPayment(ctx, w.staff, p, "BACS"); err != nil {
				t.Fatal(err)
			}
			_, err := db.VoidInvoice(ctx, w.staff, inv.ID, "Raised twice", time.Time{})
			wantWorkCode(t, err, fieldportal.EINVALID, "reason")
			got, err := db.FindInvoiceByID(ctx, w.staff, inv.ID)
			if err != nil || got.Status == fieldportal.InvoiceVoid || got.AmountPaid != 3000 {
				t.Fatalf("invoice after the refused void = %+v, %v; want 30.00 paid, not void", got, err)
			}
			ds, err := db.FindDeposits(ctx, w.staff, fieldportal.DepositFilter{JobID: job})
			if err != nil || len(ds) != 1 || ds[0].Allocated != 2000 || ds[0].PaymentID != c.PaymentID {
				t.Errorf("FindDeposits = %+v, %v; want the deposit still allocated", ds, err)
			}
		})
	})
}
