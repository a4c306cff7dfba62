package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The invoice pages' store work and the records they are about (issue 17).

// unpaidStatuses are the Unpaid tab's statuses.
var unpaidStatuses = []fieldportal.InvoiceStatus{fieldportal.InvoiceUnpaid, fieldportal.InvoicePartPaid}

// invoicesPage is the store work of the invoice list for f: the page of
// invoices, the balance summary and the contractors of the filter.
func invoicesPage(f func(ids *IDs) fieldportal.InvoiceFilter) func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	return func(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
		if _, _, err := s.Money.FindInvoices(ctx, v, f(ids)); err != nil {
			return err
		}
		if _, err := s.Money.InvoiceSummary(ctx, v, fieldportal.DateOf(time.Now())); err != nil {
			return err
		}
		_, _, err := s.Work.FindContractors(ctx, v, fieldportal.ContractorFilter{Page: fieldportal.Page{Limit: 100}})
		return err
	}
}

// invoicePage is the store work of an invoice's page and its PDF: the
// invoice with its lines and payments, and its job's number and kind,
// which link the order it was raised from.
func invoicePage(ctx context.Context, s server.Services, v fieldportal.Viewer, ids *IDs) error {
	_, err := s.Money.FindInvoiceByID(ctx, v, ids.Invoice)
	return err
}

// discoverInvoices finds the parent's paid invoice with the most lines on
// the first page of its list (its page and PDF show payments), the cursor
// of the Unpaid tab's fourth page, and the number of an invoice four
// pages in to search for.
func discoverInvoices(ctx context.Context, svc server.Services, v fieldportal.Viewer, ids *IDs) error {
	f := fieldportal.InvoiceFilter{Statuses: unpaidStatuses}
	for page := range 4 {
		list, next, err := svc.Money.FindInvoices(ctx, v, f)
		if err != nil {
			return fmt.Errorf("page through the parent's invoices: %w", err)
		}
		if len(list) == 0 {
			break
		}
		ids.InvoiceSearch = list[len(list)-1].Number
		if next == "" || page == 3 {
			break
		}
		ids.InvoicesAfter, f.After = next, next
	}
	paid, _, err := svc.Money.FindInvoices(ctx, v, fieldportal.InvoiceFilter{Statuses: []fieldportal.InvoiceStatus{fieldportal.InvoicePaid, fieldportal.InvoicePartPaid}})
	if err != nil {
		return fmt.Errorf("find the parent's paid invoices: %w", err)
	}
	most := -1
	for _, inv := range paid {
		if len(inv.Lines) > most {
			ids.Invoice, most = inv.ID, len(inv.Lines)
		}
	}
	if ids.Invoice == "" {
		return errors.New("the parent reaches no paid invoice")
	}
	return nil
}
