package sqlstore_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestInvoiceList checks what the portal's invoice list adds to
// FindInvoices: the due-date order and its pages, the CSV's walk
// (EachInvoice) holding exactly the pages' rows, and the payments an
// invoice's page shows, each viewer seeing only its own.
func TestInvoiceList(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := newMoneyWorld(t, db)
		staff := w.staff
		// Twelve invoices over the three sites and the parent customer,
		// due dates repeating so that pages must break ties by id.
		var all []*fieldportal.Invoice
		sites := []*fieldportal.Site{w.siteA, w.siteB, w.siteC, nil}
		for n := range 12 {
			s := sites[n%4]
			inv := w.invoice(w.parent.ID, "", moneyDay(2025, time.Month(1+n%5), 1+n), fieldportal.Money(1000+100*n))
			if s != nil {
				inv.CustomerID, inv.SiteID = s.CustomerID, s.ID
			}
			inv.DueDate = moneyDay(2025, time.Month(6+n%3), 1)
			all = append(all, MustInvoice(t, db, staff, inv))
		}
		byDue := slices.Clone(all)
		slices.SortFunc(byDue, func(a, b *fieldportal.Invoice) int {
			if c := a.DueDate.Time().Compare(b.DueDate.Time()); c != 0 {
				return c
			}
			if a.ID < b.ID {
				return -1
			}
			return 1
		})
		parentAll := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil)
		siteOnly := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAssigned, []string{w.siteB.ID})
		only := func(list []*fieldportal.Invoice, keep func(*fieldportal.Invoice) bool) []*fieldportal.Invoice {
			var out []*fieldportal.Invoice
			for _, i := range list {
				if keep(i) {
					out = append(out, i)
				}
			}
			return out
		}
		pages := func(t *testing.T, v fieldportal.Viewer, f fieldportal.InvoiceFilter) []string {
			t.Helper()
			var got []string
			f.Limit = 5
			for range 20 {
				page, next, err := db.FindInvoices(ctx, v, f)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, moneyIDs(page)...)
				if next == "" {
					return got
				}
				f.After = next
			}
			t.Fatal("the pages do not end")
			return nil
		}
		each := func(t *testing.T, v fieldportal.Viewer, f fieldportal.InvoiceFilter) []string {
			t.Helper()
			var got []string
			sqlstore.SetStreamChunk(db, 4)
			defer sqlstore.SetStreamChunk(db, 0)
			if err := db.EachInvoice(ctx, v, f, func(i *fieldportal.Invoice) error {
				got = append(got, i.ID)
				return nil
			}); err != nil {
				t.Fatal(err)
			}
			return got
		}
		for _, tc := range []struct {
			name string
			v    fieldportal.Viewer
			f    fieldportal.InvoiceFilter
			want []string
		}{
			{"staff, due date", staff, fieldportal.InvoiceFilter{Sort: fieldportal.InvoiceSortDue}, moneyIDs(byDue)},
			{"staff, newest", staff, fieldportal.InvoiceFilter{}, invoiceIDsNewestFirst(all)},
			{"parent, due date", parentAll, fieldportal.InvoiceFilter{Sort: fieldportal.InvoiceSortDue}, moneyIDs(byDue)},
			{"site contact, due date", siteOnly, fieldportal.InvoiceFilter{Sort: fieldportal.InvoiceSortDue},
				moneyIDs(only(byDue, func(i *fieldportal.Invoice) bool { return i.SiteID == w.siteB.ID }))},
			{"site contact, newest", siteOnly, fieldportal.InvoiceFilter{},
				invoiceIDsNewestFirst(only(all, func(i *fieldportal.Invoice) bool { return i.SiteID == w.siteB.ID }))},
			{"parent, one site by due date", parentAll, fieldportal.InvoiceFilter{Sort: fieldportal.InvoiceSortDue, SiteID: w.siteA.ID},
				moneyIDs(only(byDue, func(i *fieldportal.Invoice) bool { return i.SiteID == w.siteA.ID }))},
			{"parent, issued in March", parentAll, fieldportal.InvoiceFilter{IssuedFrom: moneyDay(2025, 3, 1), IssuedTo: moneyDay(2025, 3, 31)},
				invoiceIDsNewestFirst(only(all, func(i *fieldportal.Invoice) bool { return i.IssueDate.Month == 3 }))},
			// The Unpaid tab, its statuses in either order (openStatuses).
			{"parent, unpaid by due date", parentAll, fieldportal.InvoiceFilter{Sort: fieldportal.InvoiceSortDue,
				Statuses: []fieldportal.InvoiceStatus{fieldportal.InvoicePartPaid, fieldportal.InvoiceUnpaid}},
				moneyIDs(only(byDue, func(i *fieldportal.Invoice) bool { return i.Status != fieldportal.InvoicePaid }))},
			{"site contact, unpaid", siteOnly, fieldportal.InvoiceFilter{Statuses: []fieldportal.InvoiceStatus{fieldportal.InvoiceUnpaid,
				fieldportal.InvoicePartPaid}}, invoiceIDsNewestFirst(only(all, func(i *fieldportal.Invoice) bool { return i.SiteID == w.siteB.ID }))},
			// The search by number (numberSearch): whole, in any case, with
			// or without INV-, within the viewer's reach only.
			{"parent, a number in lower case", parentAll, fieldportal.InvoiceFilter{Search: strings.ToLower(all[5].Number)},
				[]string{all[5].ID}},
			{"parent, a number without INV-", parentAll, fieldportal.InvoiceFilter{Search: " " + strings.TrimPrefix(all[5].Number, "INV-") + " "},
				[]string{all[5].ID}},
			{"parent, a part of a number finds nothing", parentAll, fieldportal.InvoiceFilter{Search: all[5].Number[:len(all[5].Number)-1]}, nil},
			{"site contact, a number at its site", siteOnly, fieldportal.InvoiceFilter{Search: all[5].Number}, []string{all[5].ID}},
			{"site contact, a number at another site", siteOnly, fieldportal.InvoiceFilter{Search: all[4].Number}, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if diff := cmp.Diff(tc.want, pages(t, tc.v, tc.f)); diff != "" {
					t.Errorf("pages (-want +got):\n%s", diff)
				}
				if diff := cmp.Diff(tc.want, each(t, tc.v, tc.f)); diff != "" {
					t.Errorf("EachInvoice (-want +got):\n%s", diff)
				}
			})
		}
		t.Run("an order that is not one is refused", func(t *testing.T) {
			_, _, err := db.FindInvoices(ctx, staff, fieldportal.InvoiceFilter{Sort: "amount"})
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID {
				t.Errorf("err = %v, want invalid", err)
			}
		})
		t.Run("without the module the walk is refused", func(t *testing.T) {
			noModule := MustMoneyContact(t, db, w.org.ID, w.parent.ID, fieldportal.SiteAccessAll, nil, fieldportal.ModuleSites)
			err := db.EachInvoice(ctx, noModule, fieldportal.InvoiceFilter{}, func(*fieldportal.Invoice) error { return nil })
			if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("err = %v, want not found", err)
			}
		})
		t.Run("an invoice shows the part of each payment allocated to it", func(t *testing.T) {
			// One payment of the parent settles part of an invoice at site
			// B and one at site A; a failed payment is not shown.
			b, a := all[1], all[0]
			p := MustRecordPayment(t, db, staff, &fieldportal.Payment{CustomerID: w.parent.ID, Amount: 700, Method: "card",
				Provider: "manual", Status: fieldportal.PaymentSucceeded, PaidAt: time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC),
				Allocations: []fieldportal.PaymentAllocation{{InvoiceID: b.ID, Amount: 300}, {InvoiceID: a.ID, Amount: 400}}})
			MustRecordPayment(t, db, staff, &fieldportal.Payment{CustomerID: w.parent.ID, Amount: 50, Method: "card",
				Provider: "manual", Status: fieldportal.PaymentFailed,
				Allocations: []fieldportal.PaymentAllocation{{InvoiceID: b.ID, Amount: 50}}})
			want := []fieldportal.InvoicePayment{{PaymentID: p.ID, PaidAt: time.Date(2025, 7, 1, 10, 0, 0, 0, time.UTC),
				Method: "card", ReceiptNumber: p.ReceiptNumber, Allocated: 300}}
			for name, v := range map[string]fieldportal.Viewer{"staff": staff, "parent": parentAll, "site contact": siteOnly} {
				got, err := db.FindInvoiceByID(ctx, v, b.ID)
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				if diff := cmp.Diff(want, got.Payments, cmpUTC); diff != "" {
					t.Errorf("%s: payments (-want +got):\n%s", name, diff)
				}
				if got.AmountPaid != 300 || got.Balance() != got.Total-300 {
					t.Errorf("%s: paid %v, balance %v", name, got.AmountPaid, got.Balance())
				}
			}
			if _, err := db.FindInvoiceByID(ctx, siteOnly, a.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("the site contact reads the invoice at site A: %v", err)
			}
		})
	})
}

// cmpUTC compares times by instant, whatever their zone.
var cmpUTC = cmp.Comparer(func(a, b time.Time) bool { return a.Equal(b) })

// invoiceMoreLists are the invoice list's other reads for the access
// matrix: the CSV's walk and the pages by due date.
func invoiceMoreLists(ctx context.Context, db *sqlstore.DB) map[string]listFn {
	return map[string]listFn{
		"EachInvoice": func(v fieldportal.Viewer) ([]string, error) {
			var out []string
			err := db.EachInvoice(ctx, v, fieldportal.InvoiceFilter{}, func(x *fieldportal.Invoice) error {
				out = append(out, x.ID)
				return nil
			})
			return out, err
		},
		"FindInvoices, by due date": func(v fieldportal.Viewer) ([]string, error) {
			return listAll(func(after string) ([]string, string, error) {
				l, next, err := db.FindInvoices(ctx, v, fieldportal.InvoiceFilter{Page: fieldportal.Page{After: after, Limit: 2},
					Sort: fieldportal.InvoiceSortDue})
				return idsOf(l, func(x *fieldportal.Invoice) string { return x.ID }), next, err
			})
		},
	}
}
