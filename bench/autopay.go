package bench

import (
	"context"
	"slices"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
)

// autopaySQL runs the store calls of /payments/automatic: the first page
// of recurring invoices, then the saved card and the name of each of
// their customers (portal/autopay.go).
func autopaySQL(ctx context.Context, s server.Services, v fieldportal.Viewer, _ *IDs) error {
	list, _, err := s.Money.FindRecurringInvoices(ctx, v, fieldportal.RecurringInvoiceFilter{})
	if err != nil {
		return err
	}
	var seen []string
	for _, r := range list {
		if slices.Contains(seen, r.CustomerID) {
			continue
		}
		seen = append(seen, r.CustomerID)
		if _, err := s.Money.FindSavedCard(ctx, v, r.CustomerID); err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
			return err
		}
		if _, err := s.Sites.FindCustomerByID(ctx, v, r.CustomerID); err != nil {
			return err
		}
	}
	return nil
}
