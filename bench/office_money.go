package bench

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// The office's invoices and payments (issue 17, point 5): the console's
// list with its heaviest filter, a number search, one invoice and the
// payments list, as staff.

// officeIDs are what the office's entries need.
type officeIDs struct {
	// Invoice is an unpaid invoice several pages into the console's
	// list, and InvoiceNumber its number (a search that matches one row).
	Invoice, InvoiceNumber string
	// Contractor is the contractor of an invoice found on the way.
	Contractor string
}

// discoverOffice pages a few pages into the console's invoice list.
func discoverOffice(ctx context.Context, svc server.Services, staff fieldportal.Viewer, ids *IDs) error {
	f := fieldportal.InvoiceFilter{Statuses: []fieldportal.InvoiceStatus{fieldportal.InvoiceUnpaid}}
	var last *fieldportal.InvoiceRow
	for range 4 {
		list, next, err := svc.Money.FindInvoiceRows(ctx, staff, f)
		if err != nil {
			return fmt.Errorf("page through the console's invoices: %w", err)
		}
		for _, r := range list {
			last = r
			if r.ContractorID != "" {
				ids.Office.Contractor = r.ContractorID
			}
		}
		if next == "" {
			break
		}
		f.After = next
	}
	if last == nil {
		return errors.New("the organisation has no unpaid invoice")
	}
	ids.Office.Invoice, ids.Office.InvoiceNumber = last.ID, last.Number
	return nil
}

// today is the day the benchmark runs.
func today() fieldportal.Date { return fieldportal.DateOf(time.Now()) }

// officeInvoicesHeaviest is the console's list at its heaviest filter:
// the overdue tab of a contractor over a year of issue dates.
func officeInvoicesHeaviest(ids *IDs) fieldportal.InvoiceFilter {
	return fieldportal.InvoiceFilter{DueBefore: today(), ContractorID: ids.Office.Contractor,
		IssuedFrom: today().AddDays(-365)}
}

// officeList is the list page's store work: its rows and the contractors
// of its filter.
func officeList(ctx context.Context, s server.Services, v fieldportal.Viewer, f fieldportal.InvoiceFilter) error {
	if _, _, err := s.Money.FindInvoiceRows(ctx, v, f); err != nil {
		return err
	}
	_, _, err := s.Work.FindContractors(ctx, v, fieldportal.ContractorFilter{Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
	return err
}
