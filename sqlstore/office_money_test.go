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

// MustCount runs a count query and returns its answer.
func MustCount(tb testing.TB, db *sqlstore.DB, q string, args ...any) int {
	tb.Helper()
	var n int
	if err := db.SQL().QueryRow(q, args...).Scan(&n); err != nil {
		tb.Fatalf("count %q: %v", q, err)
	}
	return n
}

// mustListenAll adds a webhook endpoint of the organisation that listens
// to every event.
func mustListenAll(tb testing.TB, db *sqlstore.DB, orgID string) {
	tb.Helper()
	mustMoneyExec(tb, db, `INSERT INTO webhook_endpoints (id, org_id, url, secret, events, active, created_at, updated_at)
		VALUES ($1, $2, 'https://bo.example.test/hook', 'whsec', '*', $3, $4, $4)`, sqlstore.NewID(), orgID, true, time.Now())
}

// mustInvoiceContact makes a contact of the customer who is its invoice
// contact, with a login reaching every site.
func mustInvoiceContact(tb testing.TB, db *sqlstore.DB, orgID, customerID, email string) {
	tb.Helper()
	c := MustMoneyContact(tb, db, orgID, customerID, fieldportal.SiteAccessAll, nil)
	mustMoneyExec(tb, db, `UPDATE contacts SET email = $2, invoice_contact = $3 WHERE id = $1`, c.ContactID, email, true)
	mustMoneyExec(tb, db, `UPDATE portal_logins SET page_access = $2 WHERE contact_id = $1`, c.ContactID, string(fieldportal.ModuleInvoices))
}

func TestIssueInvoice(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		staff := fieldportal.NewStaffViewer(w.org.ID, "", "Sam Office", fieldportal.RoleStaff)
		mustListenAll(t, db, w.org.ID)
		mustInvoiceContact(t, db, w.org.ID, w.parent.ID, "accounts@group.test")
		job := MustMoneyJob(t, db, w.org.ID, w.parent.ID, w.siteA.ID, "J-501")
		mustMoneyExec(t, db, `UPDATE jobs SET stage = 'complete' WHERE id = $1`, job)
		day := moneyDay(2026, 3, 2)
		issue := func(lines ...fieldportal.InvoiceLine) (*fieldportal.Invoice, error) {
			inv := &fieldportal.Invoice{JobID: job, IssueDate: day, DueDate: day.AddDays(30), Lines: lines}
			return inv, db.IssueInvoice(ctx, staff, inv)
		}
		mails := func() int {
			return MustCount(t, db, `SELECT count(*) FROM outbox WHERE org_id = $1 AND kind = 'mail' AND topic = 'invoice_issued'`, w.org.ID)
		}
		events := func() int {
			return MustCount(t, db, `SELECT count(*) FROM outbox WHERE org_id = $1 AND kind = 'webhook' AND topic = 'invoice.issued'`, w.org.ID)
		}

		t.Run("a line without a description is refused and nothing is written", func(t *testing.T) {
			_, err := issue(fieldportal.InvoiceLine{Quantity: 1, UnitPrice: 100})
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID || fieldportal.ErrorMessage(err) == "" {
				t.Fatalf("err = %v", err)
			}
			if mails() != 0 || events() != 0 || MustCount(t, db, `SELECT count(*) FROM invoices WHERE job_id = $1`, job) != 0 {
				t.Error("a refused invoice left something behind")
			}
		})
		t.Run("a due date before the issue date is refused after the number is taken, and the job stays complete", func(t *testing.T) {
			inv := &fieldportal.Invoice{JobID: job, IssueDate: day, DueDate: day.AddDays(-1),
				Lines: []fieldportal.InvoiceLine{{Description: "Call-out", Quantity: 1, UnitPrice: 100}}}
			err := db.IssueInvoice(ctx, staff, inv)
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Fatalf("err = %v", err)
			}
			j, err := db.FindJobByID(ctx, w.staff, job)
			if err != nil || j.Stage != fieldportal.StageComplete {
				t.Errorf("job after a refused invoice: %v %v", j.Stage, err)
			}
			if mails() != 0 || events() != 0 {
				t.Error("mail or event of a refused invoice")
			}
		})
		t.Run("issued from a complete job: totals, number, stage, mail and event together", func(t *testing.T) {
			inv, err := issue(fieldportal.InvoiceLine{Description: "Call-out", Quantity: 1, UnitPrice: 6000, Tax: 1200},
				fieldportal.InvoiceLine{Description: "Detector", Quantity: 3, UnitPrice: 1500, Tax: 900})
			if err != nil {
				t.Fatal(err)
			}
			if inv.Number != "INV-1001" || inv.Subtotal != 10500 || inv.Tax != 2100 || inv.Total != 12600 ||
				inv.CustomerID != w.parent.ID || inv.SiteID != w.siteA.ID || inv.Status != fieldportal.InvoiceUnpaid {
				t.Errorf("invoice %+v", inv)
			}
			got, err := db.FindInvoiceByID(ctx, w.staff, inv.ID)
			if err != nil || len(got.Lines) != 2 || got.Lines[1].Total != 5400 {
				t.Errorf("stored %+v %v", got, err)
			}
			j, err := db.FindJobByID(ctx, w.staff, job)
			if err != nil || j.Stage != fieldportal.StageInvoiced {
				t.Errorf("job stage %v %v", j.Stage, err)
			}
			h, err := db.FindJobHistory(ctx, w.staff, job)
			if err != nil || len(h) == 0 || h[len(h)-1].To != fieldportal.StageInvoiced || h[len(h)-1].Note != "Invoice INV-1001 issued." {
				t.Errorf("history %+v %v", h, err)
			}
			if mails() != 1 || events() != 1 {
				t.Errorf("%d mails, %d events; want 1 and 1", mails(), events())
			}
		})
		t.Run("a second invoice of the invoiced job leaves its stage alone", func(t *testing.T) {
			inv, err := issue(fieldportal.InvoiceLine{Description: "Extra", Quantity: 1, UnitPrice: 100})
			if err != nil || inv.Number != "INV-1002" {
				t.Fatalf("%v %v", inv.Number, err)
			}
			if n := MustCount(t, db, `SELECT count(*) FROM job_stage_history WHERE job_id = $1 AND to_stage = 'invoiced'`, job); n != 1 {
				t.Errorf("%d moves to invoiced", n)
			}
		})
		t.Run("a job of another organisation is not found", func(t *testing.T) {
			other := fieldportal.NewStaffViewer(w.other.ID, "", "Eve", fieldportal.RoleAdmin)
			inv := &fieldportal.Invoice{JobID: job, IssueDate: day, DueDate: day, Lines: []fieldportal.InvoiceLine{{Description: "x", Quantity: 1}}}
			if err := db.IssueInvoice(ctx, other, inv); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("err = %v", err)
			}
		})
	})
}

func TestManualPayments(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		staff := fieldportal.NewStaffViewer(w.org.ID, "", "Sam Office", fieldportal.RoleStaff)
		mustListenAll(t, db, w.org.ID)
		mustInvoiceContact(t, db, w.org.ID, w.parent.ID, "accounts@group.test")
		a := MustInvoice(t, db, w.staff, w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2026, 1, 5), 10000))
		b := MustInvoice(t, db, w.staff, w.invoice(w.parent.ID, w.siteB.ID, moneyDay(2026, 2, 5), 5000))
		void := w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2026, 2, 6), 700)
		void.Status = fieldportal.InvoiceVoid
		MustInvoice(t, db, w.staff, void)
		stranger := MustCustomer(t, db, w.staff, &fieldportal.Customer{Name: "Stranger"})
		theirs := MustInvoice(t, db, w.staff, w.invoice(stranger.ID, "", moneyDay(2026, 2, 5), 900))
		paidAt := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
		pay := func(amount fieldportal.Money, method string, as ...fieldportal.PaymentAllocation) (*fieldportal.Payment, error) {
			p := &fieldportal.Payment{CustomerID: w.parent.ID, Amount: amount, Method: method, PaidAt: paidAt, Allocations: as}
			return p, db.RecordManualPayment(ctx, staff, p, "CHQ 100231")
		}
		for _, tc := range []struct {
			name, field string
			amount      fieldportal.Money
			method      string
			as          []fieldportal.PaymentAllocation
		}{
			{"more than the balance", "allocations", 20000, "cheque", []fieldportal.PaymentAllocation{{InvoiceID: a.ID, Amount: 10001}}},
			{"more than the amount", "allocations", 100, "cheque", []fieldportal.PaymentAllocation{{InvoiceID: a.ID, Amount: 101}}},
			{"a void invoice", "allocations", 100, "cash", []fieldportal.PaymentAllocation{{InvoiceID: void.ID, Amount: 100}}},
			{"another customer's invoice", "allocations", 100, "cash", []fieldportal.PaymentAllocation{{InvoiceID: theirs.ID, Amount: 100}}},
			{"a card method", "method", 100, "card", nil},
			{"no amount", "amount", 0, "cash", nil},
		} {
			t.Run("refuses "+tc.name, func(t *testing.T) {
				_, err := pay(tc.amount, tc.method, tc.as...)
				if fieldportal.ErrorCode(err) != fieldportal.EINVALID || !hasField(err, tc.field) {
					t.Fatalf("err = %v; want a message on %s", err, tc.field)
				}
				if n := MustCount(t, db, `SELECT count(*) FROM payments WHERE org_id = $1`, w.org.ID); n != 0 {
					t.Errorf("%d payments written", n)
				}
			})
		}
		t.Run("allocated to two invoices, with receipt, mail and event", func(t *testing.T) {
			p, err := pay(12000, "bank_transfer", fieldportal.PaymentAllocation{InvoiceID: a.ID, Amount: 10000},
				fieldportal.PaymentAllocation{InvoiceID: b.ID, Amount: 1500})
			if err != nil {
				t.Fatal(err)
			}
			if p.ReceiptNumber != "R-1001" || p.Status != fieldportal.PaymentSucceeded {
				t.Errorf("payment %+v", p)
			}
			if paid, st := MustInvoiceTotal(t, db, w.staff, a.ID); paid != 10000 || st != fieldportal.InvoicePaid {
				t.Errorf("a: %v %v", paid, st)
			}
			if paid, st := MustInvoiceTotal(t, db, w.staff, b.ID); paid != 1500 || st != fieldportal.InvoicePartPaid {
				t.Errorf("b: %v %v", paid, st)
			}
			if n := MustCount(t, db, `SELECT count(*) FROM outbox WHERE org_id = $1 AND topic IN ('receipt', 'payment.succeeded')`, w.org.ID); n != 2 {
				t.Errorf("%d receipt mails and events; want 2", n)
			}
		})
	})
}

// hasField reports whether a validation error names field.
func hasField(err error, field string) bool {
	var e *fieldportal.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return e.Field == field
}

func TestRefundsAndVoids(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		staff := fieldportal.NewStaffViewer(w.org.ID, "", "Sam Office", fieldportal.RoleStaff)
		mustListenAll(t, db, w.org.ID)
		older := MustInvoice(t, db, w.staff, w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2026, 1, 5), 6000))
		newer := MustInvoice(t, db, w.staff, w.invoice(w.parent.ID, w.siteB.ID, moneyDay(2026, 2, 5), 3000))
		p := &fieldportal.Payment{CustomerID: w.parent.ID, Amount: 10000, Method: "cheque", PaidAt: time.Now(),
			Allocations: []fieldportal.PaymentAllocation{{InvoiceID: older.ID, Amount: 6000}, {InvoiceID: newer.ID, Amount: 3000}}}
		if err := db.RecordManualPayment(ctx, staff, p, "CHQ 100231"); err != nil {
			t.Fatal(err)
		}
		paidOf := func(id string) fieldportal.Money {
			paid, _ := MustInvoiceTotal(t, db, w.staff, id)
			return paid
		}
		refund := func(key string, amount fieldportal.Money) (bool, error) {
			return db.RefundPayment(ctx, staff, &fieldportal.PaymentRefund{PaymentID: p.ID, Amount: amount, Reason: "Overpaid", Key: key})
		}

		t.Run("a refund within the unallocated part leaves the invoices alone", func(t *testing.T) {
			if created, err := refund("k1", 500); err != nil || !created {
				t.Fatalf("%v %v", created, err)
			}
			if paidOf(older.ID) != 6000 || paidOf(newer.ID) != 3000 {
				t.Errorf("paid %v %v", paidOf(older.ID), paidOf(newer.ID))
			}
		})
		t.Run("then from the newest invoice first, once per key", func(t *testing.T) {
			for range 2 {
				if _, err := refund("k2", 2000); err != nil {
					t.Fatal(err)
				}
			}
			if paidOf(newer.ID) != 1500 || paidOf(older.ID) != 6000 {
				t.Errorf("paid %v %v; want 6000 and 1500", paidOf(older.ID), paidOf(newer.ID))
			}
			if n := MustCount(t, db, `SELECT count(*) FROM payment_refunds WHERE payment_id = $1`, p.ID); n != 2 {
				t.Errorf("%d refunds", n)
			}
		})
		t.Run("more than is left is refused", func(t *testing.T) {
			if _, err := refund("k3", 7501); !hasField(err, "amount") {
				t.Errorf("err = %v", err)
			}
		})
		t.Run("the rest refunds the payment whole and every balance comes back exactly", func(t *testing.T) {
			if _, err := refund("k4", 7500); err != nil {
				t.Fatal(err)
			}
			if paidOf(newer.ID) != 0 || paidOf(older.ID) != 0 {
				t.Errorf("paid %v %v", paidOf(older.ID), paidOf(newer.ID))
			}
			got, err := db.FindPaymentByID(ctx, w.staff, p.ID)
			if err != nil || got.Status != fieldportal.PaymentRefunded || len(got.Allocations) != 0 {
				t.Errorf("payment %+v %v", got, err)
			}
			if _, err := refund("k5", 1); !hasField(err, "amount") {
				t.Errorf("refund of a refunded payment: %v", err)
			}
			if n := MustCount(t, db, `SELECT count(*) FROM outbox WHERE org_id = $1 AND topic = 'payment.refunded'`, w.org.ID); n != 3 {
				t.Errorf("%d refund events; want 3", n)
			}
		})
		t.Run("void needs a reason and no payment allocated", func(t *testing.T) {
			held := MustInvoice(t, db, w.staff, w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2026, 2, 9), 400))
			q := &fieldportal.Payment{CustomerID: w.parent.ID, Amount: 100, Method: "cash", PaidAt: time.Now(),
				Allocations: []fieldportal.PaymentAllocation{{InvoiceID: held.ID, Amount: 100}}}
			if err := db.RecordManualPayment(ctx, staff, q, ""); err != nil {
				t.Fatal(err)
			}
			if _, err := db.VoidInvoice(ctx, staff, older.ID, " ", time.Time{}); !hasField(err, "reason") {
				t.Errorf("no reason: %v", err)
			}
			if _, err := db.VoidInvoice(ctx, staff, held.ID, "Raised twice", time.Time{}); !hasField(err, "reason") {
				t.Errorf("with a payment: %v", err)
			}
			before, err := db.InvoiceSummary(ctx, w.staff, moneyDay(2026, 1, 1))
			if err != nil {
				t.Fatal(err)
			}
			inv, err := db.VoidInvoice(ctx, staff, older.ID, "Raised twice", time.Time{})
			if err != nil || inv.Status != fieldportal.InvoiceVoid {
				t.Fatalf("%+v %v", inv, err)
			}
			after, err := db.InvoiceSummary(ctx, w.staff, moneyDay(2026, 1, 1))
			if err != nil || after.Balance != before.Balance-6000 || after.Unpaid != before.Unpaid-1 {
				t.Errorf("summary %+v → %+v %v", before, after, err)
			}
			if _, err := db.VoidInvoice(ctx, staff, older.ID, "Again", time.Time{}); !hasField(err, "reason") {
				t.Errorf("void twice: %v", err)
			}
			if n := MustCount(t, db, `SELECT count(*) FROM outbox WHERE org_id = $1 AND topic = 'invoice.voided'`, w.org.ID); n != 1 {
				t.Errorf("%d void events", n)
			}
			if n := MustCount(t, db, `SELECT count(*) FROM audit_log WHERE entity_id = $1 AND action = 'invoice.voided' AND detail LIKE '%Raised twice'`, older.ID); n != 1 {
				t.Errorf("%d void audits", n)
			}
		})
	})
}

func TestOfficeLists(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		staff := fieldportal.NewStaffViewer(w.org.ID, "", "Sam Office", fieldportal.RoleStaff)
		mustMoneyExec(t, db, `UPDATE sites SET uprn = '100023336956' WHERE id = $1`, w.siteB.ID)
		contractor := MustMoneyContractor(t, db, w.org.ID, "Acme Electrical")
		job := MustMoneyJob(t, db, w.org.ID, w.parent.ID, w.siteA.ID, "J-77")
		var ids []string
		for n := range 5 {
			inv := w.invoice(w.parent.ID, []string{w.siteA.ID, w.siteB.ID}[n%2], moneyDay(2026, 1, 1+n), 1000)
			if n == 4 {
				inv.JobID, inv.ContractorID = job, contractor
			}
			ids = append(ids, MustInvoice(t, db, w.staff, inv).ID)
		}
		MustInvoice(t, db, w.staff, w.invoice(w.parent.ID, "", moneyDay(2026, 1, 9), 1000)) // no site
		otherSite := MustSite(t, db, fieldportal.SystemViewer(w.other.ID, "t"), &fieldportal.Site{CustomerID: MustCustomer(t, db,
			fieldportal.SystemViewer(w.other.ID, "t"), &fieldportal.Customer{Name: "Theirs"}).ID, Name: "Theirs", Address: fieldportal.Address{Line1: "T Street"}})
		MustInvoice(t, db, fieldportal.SystemViewer(w.other.ID, "t"), w.invoice("", otherSite.ID, moneyDay(2026, 1, 3), 1000))
		list := func(f fieldportal.InvoiceFilter) []string {
			t.Helper()
			rows, _, err := db.FindInvoiceRows(ctx, staff, f)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, r := range rows {
				if r.CustomerName == "" {
					t.Errorf("row %s without its customer's name", r.Number)
				}
				out = append(out, r.Number)
			}
			return out
		}
		for _, tc := range []struct {
			name string
			f    fieldportal.InvoiceFilter
			want int
		}{
			{"every invoice of the organisation", fieldportal.InvoiceFilter{}, 6},
			{"by UPRN", fieldportal.InvoiceFilter{UPRN: "100023336956"}, 2},
			{"by contractor", fieldportal.InvoiceFilter{ContractorID: contractor}, 1},
			{"by the invoice's number", fieldportal.InvoiceFilter{Number: "1003"}, 1},
			{"by the job's number", fieldportal.InvoiceFilter{Number: "j-77"}, 1},
			{"overdue", fieldportal.InvoiceFilter{DueBefore: moneyDay(2026, 2, 2)}, 2},
			{"in a date range", fieldportal.InvoiceFilter{IssuedFrom: moneyDay(2026, 1, 2), IssuedTo: moneyDay(2026, 1, 3)}, 2},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if got := list(tc.f); len(got) != tc.want {
					t.Errorf("got %v; want %d", got, tc.want)
				}
			})
		}
		t.Run("pages and the walk agree", func(t *testing.T) {
			var paged []string
			f := fieldportal.InvoiceFilter{Page: fieldportal.Page{Limit: 2}}
			for {
				rows, next, err := db.FindInvoiceRows(ctx, staff, f)
				if err != nil {
					t.Fatal(err)
				}
				for _, r := range rows {
					paged = append(paged, r.ID)
				}
				if next == "" {
					break
				}
				f.After = next
			}
			var walked []string
			if err := db.EachInvoiceRow(ctx, staff, fieldportal.InvoiceFilter{}, func(r *fieldportal.InvoiceRow) error {
				walked = append(walked, r.ID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			if len(paged) != 6 || len(walked) != 6 {
				t.Fatalf("paged %d, walked %d", len(paged), len(walked))
			}
			for i := range paged {
				if paged[i] != walked[i] {
					t.Errorf("row %d: %s vs %s", i, paged[i], walked[i])
				}
			}
		})
		t.Run("a contact is refused the office's lists", func(t *testing.T) {
			c := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
			if _, _, err := db.FindInvoiceRows(ctx, c, fieldportal.InvoiceFilter{}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("invoices: %v", err)
			}
			if _, _, err := db.FindPaymentRows(ctx, c, fieldportal.PaymentFilter{}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("payments: %v", err)
			}
		})
		t.Run("payments filtered by method and status, with the customer's name", func(t *testing.T) {
			for _, m := range []string{"cash", "cheque"} {
				p := &fieldportal.Payment{CustomerID: w.parent.ID, Amount: 100, Method: m, PaidAt: time.Now(),
					Allocations: []fieldportal.PaymentAllocation{{InvoiceID: ids[0], Amount: 100}}}
				if err := db.RecordManualPayment(ctx, staff, p, "CHQ 100231"); err != nil {
					t.Fatal(err)
				}
			}
			rows, _, err := db.FindPaymentRows(ctx, staff, fieldportal.PaymentFilter{Method: "cheque", Status: fieldportal.PaymentSucceeded})
			if err != nil || len(rows) != 1 || rows[0].CustomerName != "Group" || len(rows[0].Allocations) != 1 || rows[0].Reference != "CHQ 100231" {
				t.Fatalf("%+v %v", rows, err)
			}
			if rows, _, _ := db.FindPaymentRows(ctx, staff, fieldportal.PaymentFilter{Status: fieldportal.PaymentRefunded}); len(rows) != 0 {
				t.Errorf("refunded: %d", len(rows))
			}
		})
	})
}
