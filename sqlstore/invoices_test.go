package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

func TestInvoices(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		staff := w.staff
		contractor := MustMoneyContractor(t, db, w.org.ID, "Acme Electrical")
		job := MustMoneyJob(t, db, w.org.ID, w.parent.ID, w.siteA.ID, "J-7001")

		// Eight invoices over four issue dates (two per date, so paging
		// must break ties by id), on each kind of reach.
		var all []*fieldportal.Invoice
		add := func(inv *fieldportal.Invoice) *fieldportal.Invoice {
			all = append(all, MustInvoice(t, db, staff, inv))
			return inv
		}
		onJob := w.invoice("", "", moneyDay(2025, 1, 10), 12000)
		onJob.JobID, onJob.ContractorID = job, contractor
		onJob.Lines = []fieldportal.InvoiceLine{
			{Description: "Call-out", Quantity: 1, UnitPrice: 6000, Tax: 1000, Total: 7000},
			{Description: "Parts", Quantity: 2, UnitPrice: 2000, Tax: 1000, Total: 5000},
		}
		add(onJob)
		add(w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2025, 1, 10), 600))
		siteB := add(w.invoice(w.parent.ID, w.siteB.ID, moneyDay(2025, 2, 1), 1200))
		noSite := add(w.invoice(w.parent.ID, "", moneyDay(2025, 2, 1), 2400))
		childInv := add(w.invoice("", w.siteC.ID, moneyDay(2025, 3, 1), 3600))
		add(w.invoice(w.child.ID, "", moneyDay(2025, 3, 1), 4800))
		paid := w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2025, 4, 1), 6000)
		paid.AmountPaid = 6000
		add(paid)
		void := w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2025, 4, 1), 9000)
		void.Status = fieldportal.InvoiceVoid
		add(void)

		t.Run("create fills number, site, customer and status", func(t *testing.T) {
			if onJob.Number != "INV-1001" || all[1].Number != "INV-1002" {
				t.Errorf("numbers %q, %q", onJob.Number, all[1].Number)
			}
			if onJob.SiteID != w.siteA.ID || onJob.CustomerID != w.parent.ID {
				t.Errorf("site/customer from job = %q/%q", onJob.SiteID, onJob.CustomerID)
			}
			if childInv.CustomerID != w.child.ID {
				t.Errorf("customer from site = %q", childInv.CustomerID)
			}
			if paid.Status != fieldportal.InvoicePaid || void.Status != fieldportal.InvoiceVoid || siteB.Status != fieldportal.InvoiceUnpaid {
				t.Errorf("statuses %q %q %q", paid.Status, void.Status, siteB.Status)
			}
		})
		t.Run("create and find round trip", func(t *testing.T) {
			got, err := db.FindInvoiceByID(ctx, staff, onJob.ID)
			if err != nil {
				t.Fatal(err)
			}
			want := *onJob
			want.SiteName, want.JobNumber, want.JobKind = "Site A", "J-7001", fieldportal.JobService
			want.SiteAddress.Line1, want.ContractorName = "A Street", "Acme Electrical"
			if diff := cmp.Diff(&want, got); diff != "" {
				t.Errorf("invoice differs (-want +got):\n%s", diff)
			}
		})
		t.Run("invalid invoice names the field", func(t *testing.T) {
			bad := w.invoice(w.parent.ID, "", moneyDay(2025, 1, 10), 100)
			bad.DueDate = moneyDay(2025, 1, 1)
			err := db.CreateInvoice(ctx, staff, bad)
			if e, ok := err.(*fieldportal.Error); !ok || e.Code != fieldportal.EINVALID || e.Field != "due_date" {
				t.Fatalf("err = %v, want invalid due_date", err)
			}
			bad = w.invoice(w.parent.ID, w.siteC.ID, moneyDay(2025, 1, 10), 100)
			if err := db.CreateInvoice(ctx, staff, bad); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Fatalf("site of another customer: err = %v", err)
			}
		})
		t.Run("contacts cannot create invoices", func(t *testing.T) {
			c := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
			if err := db.CreateInvoice(ctx, c, w.invoice(w.parent.ID, "", moneyDay(2025, 1, 1), 100)); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Fatalf("err = %v", err)
			}
		})
		t.Run("keyset pages visit every invoice once, newest first", func(t *testing.T) {
			var got []string
			after := ""
			for range 20 {
				page, next, err := db.FindInvoices(ctx, staff, fieldportal.InvoiceFilter{Page: fieldportal.Page{After: after, Limit: 3}})
				if err != nil {
					t.Fatal(err)
				}
				for _, i := range page {
					got = append(got, i.ID)
				}
				if next == "" {
					break
				}
				after = next
			}
			want := invoiceIDsNewestFirst(all)
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("pages differ (-want +got):\n%s", diff)
			}
		})
		t.Run("filters", func(t *testing.T) {
			for _, tc := range []struct {
				name string
				f    fieldportal.InvoiceFilter
				want []*fieldportal.Invoice
			}{
				{"unpaid", fieldportal.InvoiceFilter{Statuses: []fieldportal.InvoiceStatus{fieldportal.InvoiceUnpaid, fieldportal.InvoicePartPaid}}, all[:6]},
				{"paid", fieldportal.InvoiceFilter{Statuses: []fieldportal.InvoiceStatus{fieldportal.InvoicePaid}}, []*fieldportal.Invoice{paid}},
				{"site", fieldportal.InvoiceFilter{SiteID: w.siteB.ID}, []*fieldportal.Invoice{siteB}},
				{"customer", fieldportal.InvoiceFilter{CustomerID: w.child.ID}, all[4:6]},
				{"contractor", fieldportal.InvoiceFilter{ContractorID: contractor}, []*fieldportal.Invoice{onJob}},
				{"issued range", fieldportal.InvoiceFilter{IssuedFrom: moneyDay(2025, 2, 1), IssuedTo: moneyDay(2025, 3, 1)}, all[2:6]},
				{"search invoice number", fieldportal.InvoiceFilter{Search: "inv-1004"}, []*fieldportal.Invoice{noSite}},
				{"search job number", fieldportal.InvoiceFilter{Search: "j-7001"}, []*fieldportal.Invoice{onJob}},
				{"search wildcard is literal", fieldportal.InvoiceFilter{Search: "%"}, nil},
			} {
				t.Run(tc.name, func(t *testing.T) {
					page, _, err := db.FindInvoices(ctx, staff, tc.f)
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(invoiceIDsNewestFirst(tc.want), moneyIDs(page)); diff != "" {
						t.Errorf("found (-want +got):\n%s", diff)
					}
					n, err := db.CountInvoices(ctx, staff, tc.f)
					if err != nil || n != len(tc.want) {
						t.Errorf("count = %d, %v; want %d", n, err, len(tc.want))
					}
				})
			}
		})
		t.Run("updated since", func(t *testing.T) {
			mark := time.Now().UTC()
			db.Now = func() time.Time { return mark.Add(time.Minute) }
			defer func() { db.Now = time.Now }()
			siteB.Description = "changed"
			if err := db.UpdateInvoice(ctx, staff, siteB); err != nil {
				t.Fatal(err)
			}
			page, _, err := db.FindInvoices(ctx, staff, fieldportal.InvoiceFilter{UpdatedSince: mark})
			if err != nil {
				t.Fatal(err)
			}
			if len(page) != 1 || page[0].ID != siteB.ID || page[0].Description != "changed" {
				t.Errorf("updated since found %v", moneyIDs(page))
			}
		})
		t.Run("update replaces lines", func(t *testing.T) {
			inv, err := db.FindInvoiceByID(ctx, staff, onJob.ID)
			if err != nil {
				t.Fatal(err)
			}
			inv.Lines = inv.Lines[:1]
			inv.Number = ""
			if err := db.UpdateInvoice(ctx, staff, inv); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindInvoiceByID(ctx, staff, onJob.ID)
			if err != nil {
				t.Fatal(err)
			}
			if len(got.Lines) != 1 || got.Lines[0].Description != "Call-out" || got.Number != "INV-1001" {
				t.Errorf("after update: number %q lines %+v", got.Number, got.Lines)
			}
		})
		t.Run("upsert by external id", func(t *testing.T) {
			inv := w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2025, 5, 1), 1000)
			inv.ExternalID, inv.Number = "BO-1", "BO-INV-1"
			created, err := db.UpsertInvoiceByExternalID(ctx, staff, inv)
			if err != nil || !created {
				t.Fatalf("first upsert: created %v, %v", created, err)
			}
			again := w.invoice(w.parent.ID, w.siteA.ID, moneyDay(2025, 5, 1), 1000)
			again.ExternalID, again.Number, again.AmountPaid = "BO-1", "BO-INV-1", 400
			created, err = db.UpsertInvoiceByExternalID(ctx, staff, again)
			if err != nil || created {
				t.Fatalf("second upsert: created %v, %v", created, err)
			}
			got, err := db.FindInvoiceByID(ctx, staff, inv.ID)
			if err != nil {
				t.Fatal(err)
			}
			// The amount paid is its payments' (none), whatever the update
			// says: money has one source of truth (issue 19).
			if again.ID != inv.ID || got.Status != fieldportal.InvoiceUnpaid || got.AmountPaid != 0 {
				t.Errorf("after upsert: id %q status %q paid %v", again.ID, got.Status, got.AmountPaid)
			}
			if _, err := db.UpsertInvoiceByExternalID(ctx, staff, w.invoice(w.parent.ID, "", moneyDay(2025, 5, 1), 1)); fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Errorf("no external id: err = %v", err)
			}
			// Leave the invoice as it was so that later subtests count as before.
			mustMoneyExec(t, db, `DELETE FROM invoices WHERE id = $1`, inv.ID)
		})
		t.Run("summary", func(t *testing.T) {
			// Unpaid: the six first invoices; due 30 days after issue.
			s, err := db.InvoiceSummary(ctx, staff, moneyDay(2025, 3, 2))
			if err != nil {
				t.Fatal(err)
			}
			want := fieldportal.InvoiceSummary{Unpaid: 6, Balance: 12000 + 600 + 1200 + 2400 + 3600 + 4800,
				Overdue: 2, OverdueBalance: 12000 + 600}
			if diff := cmp.Diff(want, s); diff != "" {
				t.Errorf("summary (-want +got):\n%s", diff)
			}
		})
		t.Run("another organisation and nobody see nothing", func(t *testing.T) {
			for name, v := range map[string]fieldportal.Viewer{"other org": fieldportal.SystemViewer(w.other.ID, "test"), "anonymous": {}} {
				page, _, err := db.FindInvoices(ctx, v, fieldportal.InvoiceFilter{})
				if err == nil && len(page) > 0 {
					t.Errorf("%s sees %d invoices", name, len(page))
				}
				if _, err := db.FindInvoiceByID(ctx, v, onJob.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
					t.Errorf("%s: find err = %v", name, err)
				}
			}
		})
		t.Run("contact scope", func(t *testing.T) {
			parentAll := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
			parentAssigned := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteB.ID})
			childAll := MustMoneyContact(t, db, w.org.ID, w.child.ID, fieldportal.SiteAccessAll, nil)
			noModule := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil, fieldportal.ModuleSites)
			for _, tc := range []struct {
				name string
				v    fieldportal.Viewer
				want []*fieldportal.Invoice
			}{
				{"parent with all sites sees the whole tree", parentAll, all},
				{"assigned sites only, no customer-level invoices", parentAssigned, []*fieldportal.Invoice{siteB}},
				{"child sees only its own", childAll, all[4:6]},
			} {
				t.Run(tc.name, func(t *testing.T) {
					page, _, err := db.FindInvoices(ctx, tc.v, fieldportal.InvoiceFilter{})
					if err != nil {
						t.Fatal(err)
					}
					if diff := cmp.Diff(invoiceIDsNewestFirst(tc.want), moneyIDs(page)); diff != "" {
						t.Errorf("found (-want +got):\n%s", diff)
					}
				})
			}
			if _, err := db.FindInvoiceByID(ctx, parentAssigned, noSite.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("assigned contact reads customer-level invoice: %v", err)
			}
			if _, err := db.FindInvoiceByID(ctx, childAll, siteB.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("child reads parent's invoice: %v", err)
			}
			if _, _, err := db.FindInvoices(ctx, noModule, fieldportal.InvoiceFilter{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("without the invoices module: %v", err)
			}
			s, err := db.InvoiceSummary(ctx, childAll, moneyDay(2025, 3, 2))
			if err != nil || s.Unpaid != 2 || s.Balance != 3600+4800 || s.Overdue != 0 {
				t.Errorf("child summary = %+v, %v", s, err)
			}
		})
	})
}

// invoiceIDsNewestFirst orders invoices as the list does by default.
func invoiceIDsNewestFirst(list []*fieldportal.Invoice) []string {
	sorted := append([]*fieldportal.Invoice(nil), list...)
	for i := range sorted {
		for j := i + 1; j < len(sorted); j++ {
			a, b := sorted[i], sorted[j]
			if b.IssueDate.After(a.IssueDate) || b.IssueDate == a.IssueDate && b.ID > a.ID {
				sorted[i], sorted[j] = b, a
			}
		}
	}
	return moneyIDs(sorted)
}

// moneyIDs lists the ids of records, nil for none.
func moneyIDs[T interface {
	*fieldportal.Invoice | *fieldportal.Payment | *fieldportal.RecurringInvoice
}](list []T) []string {
	var out []string
	for _, x := range list {
		switch x := any(x).(type) {
		case *fieldportal.Invoice:
			out = append(out, x.ID)
		case *fieldportal.Payment:
			out = append(out, x.ID)
		case *fieldportal.RecurringInvoice:
			out = append(out, x.ID)
		}
	}
	return out
}
