package sqlstore_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestPayments(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		staff := w.staff
		invA := MustInvoice(t, db, staff, w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2025, 1, 1), 10000))
		invB := MustInvoice(t, db, staff, w.invoice(w.parent.ID, w.siteB.ID, moneyDay(2025, 1, 2), 5000))
		invC := MustInvoice(t, db, staff, w.invoice(w.child.ID, w.siteC.ID, moneyDay(2025, 1, 3), 3000))
		noSite := MustInvoice(t, db, staff, w.invoice(w.parent.ID, "", moneyDay(2025, 1, 4), 2000))
		card := func(ref string, amount fieldportal.Money, allocs ...fieldportal.PaymentAllocation) *fieldportal.Payment {
			return &fieldportal.Payment{CustomerID: w.parent.ID, Amount: amount, Method: "card", Provider: "stripe",
				ProviderRef: ref, Status: fieldportal.PaymentSucceeded, Allocations: allocs}
		}

		// The parent pays part of A, all of B and (for its child) all of C.
		p1 := MustRecordPayment(t, db, staff, card("pi_1", 12000,
			fieldportal.PaymentAllocation{InvoiceID: invA.ID, Amount: 4000},
			fieldportal.PaymentAllocation{InvoiceID: invB.ID, Amount: 5000},
			fieldportal.PaymentAllocation{InvoiceID: invC.ID, Amount: 3000}))

		t.Run("record applies allocations and numbers the receipt", func(t *testing.T) {
			if p1.ReceiptNumber != "R-1001" || p1.Currency != "GBP" || p1.PaidAt.IsZero() {
				t.Errorf("payment = %+v", p1)
			}
			for _, tc := range []struct {
				inv    *fieldportal.Invoice
				paid   fieldportal.Money
				status fieldportal.InvoiceStatus
			}{{invA, 4000, fieldportal.InvoicePartPaid}, {invB, 5000, fieldportal.InvoicePaid}, {invC, 3000, fieldportal.InvoicePaid}} {
				paid, status := MustInvoiceTotal(t, db, staff, tc.inv.ID)
				if paid != tc.paid || status != tc.status {
					t.Errorf("invoice %s: paid %v %s, want %v %s", tc.inv.Number, paid, status, tc.paid, tc.status)
				}
			}
		})
		t.Run("find round trip", func(t *testing.T) {
			got, err := db.FindPaymentByID(ctx, staff, p1.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := *p1
			want.Allocations = []fieldportal.PaymentAllocation{{InvoiceID: invA.ID, Amount: 4000}, {InvoiceID: invB.ID, Amount: 5000}, {InvoiceID: invC.ID, Amount: 3000}}
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("payment differs (-want +got):\n%s", diff)
			}
		})
		t.Run("a confirmation arriving twice is applied once", func(t *testing.T) {
			again := card("pi_1", 12000, fieldportal.PaymentAllocation{InvoiceID: invA.ID, Amount: 4000})
			created, err := db.RecordPayment(ctx, staff, again)
			if err != nil || created {
				t.Fatalf("second record: created %v, %v", created, err)
			}
			if again.ID != p1.ID || again.ReceiptNumber != "R-1001" {
				t.Errorf("second record answered %s %s, want %s R-1001", again.ID, again.ReceiptNumber, p1.ID)
			}
			if paid, _ := MustInvoiceTotal(t, db, staff, invA.ID); paid != 4000 {
				t.Errorf("invoice A paid %v after the duplicate, want 4000", paid)
			}
		})
		t.Run("concurrent confirmations are applied once", func(t *testing.T) {
			inv := MustInvoice(t, db, staff, w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2025, 1, 5), 1000))
			const n = 6
			var wg sync.WaitGroup
			results := make([]*fieldportal.Payment, n)
			created := make([]bool, n)
			errs := make([]error, n)
			for i := range n {
				wg.Go(func() {
					p := card("pi_race", 1000, fieldportal.PaymentAllocation{InvoiceID: inv.ID, Amount: 1000})
					created[i], errs[i] = db.RecordPayment(ctx, staff, p)
					results[i] = p
				})
			}
			wg.Wait()
			var news int
			for i := range n {
				if errs[i] != nil {
					t.Fatalf("goroutine %d: %v", i, errs[i])
				}
				if created[i] {
					news++
				}
				if results[i].ID != results[0].ID {
					t.Errorf("goroutine %d got payment %s, goroutine 0 %s", i, results[i].ID, results[0].ID)
				}
			}
			if news != 1 {
				t.Errorf("%d goroutines created the payment, want 1", news)
			}
			paid, status := MustInvoiceTotal(t, db, staff, inv.ID)
			if paid != 1000 || status != fieldportal.InvoicePaid {
				t.Errorf("invoice paid %v %s, want 1000 paid", paid, status)
			}
			var rows int
			if err := db.SQL().QueryRowContext(ctx, `SELECT count(*) FROM payments WHERE provider_ref = 'pi_race'`).Scan(&rows); err != nil || rows != 1 {
				t.Errorf("%d payment rows, %v", rows, err)
			}
			mustMoneyExec(t, db, `DELETE FROM payment_allocations WHERE invoice_id = $1`, inv.ID)
			mustMoneyExec(t, db, `DELETE FROM payments WHERE provider_ref = 'pi_race'`)
			mustMoneyExec(t, db, `DELETE FROM invoices WHERE id = $1`, inv.ID)
		})
		t.Run("over-allocation is refused and changes nothing", func(t *testing.T) {
			_, err := db.RecordPayment(ctx, staff, card("pi_over", 9000, fieldportal.PaymentAllocation{InvoiceID: invA.ID, Amount: 7000}))
			if e, ok := err.(*fieldportal.Error); !ok || e.Field != "allocations" {
				t.Fatalf("err = %v, want invalid allocations", err)
			}
			if paid, _ := MustInvoiceTotal(t, db, staff, invA.ID); paid != 4000 {
				t.Errorf("invoice A paid %v, want 4000", paid)
			}
			// The child may not pay its parent's invoices.
			child := card("pi_child", 100, fieldportal.PaymentAllocation{InvoiceID: invA.ID, Amount: 100})
			child.CustomerID = w.child.ID
			if _, err := db.RecordPayment(ctx, staff, child); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Errorf("child pays parent: err = %v", err)
			}
		})
		t.Run("invalid payment names the field", func(t *testing.T) {
			_, err := db.RecordPayment(ctx, staff, &fieldportal.Payment{CustomerID: w.parent.ID, Amount: 100, Method: "bitcoin", Status: fieldportal.PaymentSucceeded})
			if e, ok := err.(*fieldportal.Error); !ok || e.Field != "method" {
				t.Fatalf("err = %v, want invalid method", err)
			}
			c := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
			if _, err := db.RecordPayment(ctx, c, card("pi_c", 100)); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("contact records a payment: err = %v", err)
			}
		})
		t.Run("pending is applied on success and taken back on refund", func(t *testing.T) {
			p := card("pi_pending", 2000, fieldportal.PaymentAllocation{InvoiceID: noSite.ID, Amount: 2000})
			p.Status = fieldportal.PaymentPending
			MustRecordPayment(t, db, staff, p)
			if paid, status := MustInvoiceTotal(t, db, staff, noSite.ID); paid != 0 || status != fieldportal.InvoiceUnpaid {
				t.Errorf("pending applied: %v %s", paid, status)
			}
			p.Status = fieldportal.PaymentSucceeded
			for range 2 { // the second confirmation changes nothing
				if err := db.UpdatePayment(ctx, staff, p); err != nil {
					t.Fatal(err)
				}
				if paid, status := MustInvoiceTotal(t, db, staff, noSite.ID); paid != 2000 || status != fieldportal.InvoicePaid {
					t.Errorf("succeeded: %v %s", paid, status)
				}
			}
			p.Status = fieldportal.PaymentRefunded
			if err := db.UpdatePayment(ctx, staff, p); err != nil {
				t.Fatal(err)
			}
			if paid, status := MustInvoiceTotal(t, db, staff, noSite.ID); paid != 0 || status != fieldportal.InvoiceUnpaid {
				t.Errorf("refunded: %v %s", paid, status)
			}
			if p.ReceiptNumber != "R-1003" {
				t.Errorf("receipt %s, want R-1003 (R-1002 went to the concurrent test)", p.ReceiptNumber)
			}
		})
		t.Run("upsert by external id", func(t *testing.T) {
			p := &fieldportal.Payment{ExternalID: "BO-P1", CustomerID: w.parent.ID, Amount: 500, Method: "cheque", Status: fieldportal.PaymentSucceeded,
				Allocations: []fieldportal.PaymentAllocation{{InvoiceID: invA.ID, Amount: 500}}}
			created, err := db.UpsertPaymentByExternalID(ctx, staff, p)
			if err != nil || !created {
				t.Fatalf("first upsert: %v %v", created, err)
			}
			p2 := &fieldportal.Payment{ExternalID: "BO-P1", CustomerID: w.parent.ID, Amount: 600, Method: "cheque", Status: fieldportal.PaymentSucceeded,
				Allocations: []fieldportal.PaymentAllocation{{InvoiceID: invA.ID, Amount: 600}}}
			created, err = db.UpsertPaymentByExternalID(ctx, staff, p2)
			if err != nil || created || p2.ID != p.ID {
				t.Fatalf("second upsert: %v %v", created, err)
			}
			if paid, _ := MustInvoiceTotal(t, db, staff, invA.ID); paid != 4600 {
				t.Errorf("invoice A paid %v, want 4600", paid)
			}
		})
		t.Run("keyset pages visit every payment once and updated since", func(t *testing.T) {
			for i := range 5 {
				MustRecordPayment(t, db, staff, card(fmt.Sprintf("pi_page_%d", i), 100))
			}
			all, _, err := db.FindPayments(ctx, staff, fieldportal.PaymentFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			after := ""
			for range 20 {
				page, next, err := db.FindPayments(ctx, staff, fieldportal.PaymentFilter{Page: fieldportal.Page{After: after, Limit: 2}})
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, moneyIDs(page)...)
				if next == "" {
					break
				}
				after = next
			}
			if len(all) != 8 {
				t.Errorf("%d payments, want 8", len(all))
			}
			if diff := cmp.Diff(moneyIDs(all), got); diff != "" {
				t.Errorf("pages differ (-want +got):\n%s", diff)
			}
			for i := 1; i < len(all); i++ {
				if all[i].CreatedAt.After(all[i-1].CreatedAt) {
					t.Errorf("not newest first at %d", i)
				}
			}
			mark := time.Now().UTC()
			db.Now = func() time.Time { return mark.Add(time.Minute) }
			defer func() { db.Now = time.Now }()
			latest := all[0]
			latest.Method = "bank_transfer"
			if err := db.UpdatePayment(ctx, staff, latest); err != nil {
				t.Fatal(err)
			}
			page, _, err := db.FindPayments(ctx, staff, fieldportal.PaymentFilter{UpdatedSince: mark})
			if err != nil || len(page) != 1 || page[0].ID != latest.ID {
				t.Errorf("updated since: %v %v", moneyIDs(page), err)
			}
		})
		t.Run("another organisation and nobody see nothing", func(t *testing.T) {
			for name, v := range map[string]fieldportal.Viewer{"other org": fieldportal.SystemViewer(w.other.ID, "test"), "anonymous": {}} {
				page, _, err := db.FindPayments(ctx, v, fieldportal.PaymentFilter{})
				if err == nil && len(page) > 0 {
					t.Errorf("%s sees %d payments", name, len(page))
				}
				if _, err := db.FindPaymentByID(ctx, v, p1.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s: find err = %v", name, err)
				}
			}
		})
		t.Run("contact scope", func(t *testing.T) {
			parentAll := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
			assignedB := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteB.ID})
			childAll := MustMoneyContact(t, db, w.org.ID, w.child.ID, fieldportal.SiteAccessAll, nil)
			noModule := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil, fieldportal.ModuleSites)

			page, _, err := db.FindPayments(ctx, parentAll, fieldportal.PaymentFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
			if err != nil || len(page) != 8 {
				t.Errorf("parent with all sites sees %d payments, %v; want 8", len(page), err)
			}
			// A contact limited to site B sees the payment that settled
			// B's invoice, and of it only the allocation to B.
			got, err := db.FindPaymentByID(ctx, assignedB, p1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]fieldportal.PaymentAllocation{{InvoiceID: invB.ID, Amount: 5000}}, got.Allocations); diff != "" {
				t.Errorf("allocations (-want +got):\n%s", diff)
			}
			page, _, err = db.FindPayments(ctx, assignedB, fieldportal.PaymentFilter{})
			if err != nil || len(page) != 1 || page[0].ID != p1.ID {
				t.Errorf("assigned contact sees %v, %v", moneyIDs(page), err)
			}
			// The child's contact sees its parent's payment only through
			// the allocation to its own invoice.
			got, err = db.FindPaymentByID(ctx, childAll, p1.ID)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff([]fieldportal.PaymentAllocation{{InvoiceID: invC.ID, Amount: 3000}}, got.Allocations); diff != "" {
				t.Errorf("child's allocations (-want +got):\n%s", diff)
			}
			page, _, err = db.FindPayments(ctx, childAll, fieldportal.PaymentFilter{})
			if err != nil || len(page) != 1 {
				t.Errorf("child sees %v, %v", moneyIDs(page), err)
			}
			if _, err := db.FindPaymentByID(ctx, noModule, p1.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("without the invoices module: %v", err)
			}
		})
	})
}
