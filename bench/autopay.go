package bench

import (
	"context"
	"slices"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// autopaySQL runs the store calls of /payments/automatic: the first page
// of recurring invoices, then the saved cards of their customers in one
// query (portal/autopay.go).
func autopaySQL(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
	list, _, err := s.Money.FindRecurringInvoices(ctx, v, fieldportal.RecurringInvoiceFilter{})
	if err != nil {
		return err
	}
	var customers []string
	for _, r := range list {
		if !slices.Contains(customers, r.CustomerID) {
			customers = append(customers, r.CustomerID)
		}
	}
	_, err = s.Money.FindSavedCards(ctx, v, customers)
	return err
}
