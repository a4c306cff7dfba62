package sqlstore

import (
	"context"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
)

// TestFewSitesInvoicesReadCustomerOnlyIndex checks that a contact of a
// few sites reads its customers' invoices without a site through
// invoices_customer_only (migration 00331), not through invoices_site,
// which held every site-less invoice of the organisation under one key.
func TestFewSitesInvoicesReadCustomerOnlyIndex(t *testing.T) {
	d := mustMigratedSQLite(t)
	ctx := context.WithValue(context.Background(), fewSitesKey{}, true)
	for _, sort := range []fieldportal.InvoiceSort{fieldportal.InvoiceSortIssued, fieldportal.InvoiceSortDue} {
		t.Run("sort "+string(sort), func(t *testing.T) {
			for _, plan := range mustPlansOf(t, d, "invoices i2", func() error {
				_, _, err := d.FindInvoices(ctx, allSitesContact(), fieldportal.InvoiceFilter{Sort: sort, Page: fieldportal.Page{Limit: 25}})
				return err
			}) {
				if !strings.Contains(plan, "i2 USING INDEX invoices_customer_only") {
					t.Errorf("site-less invoices not read through invoices_customer_only:\n%s", plan)
				}
			}
		})
	}
}
