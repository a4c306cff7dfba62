package sqlstore

import (
	"context"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
)

// TestFewSitesRecurringReadTheirSites checks that a contact of a few
// sites reads its recurring invoices from its sites' rows
// (recurring_invoices_site) and its customers' (recurring_invoices_customer),
// never walking the organisation's schedules by name.
func TestFewSitesRecurringReadTheirSites(t *testing.T) {
	d := mustMigratedSQLite(t)
	ctx := context.WithValue(context.Background(), fewSitesKey{}, true)
	for _, plan := range mustPlansOf(t, d, "recurring_invoices r1", func() error {
		_, _, err := d.FindRecurringInvoices(ctx, allSitesContact(), fieldportal.RecurringInvoiceFilter{Page: fieldportal.Page{Limit: 25}})
		return err
	}) {
		if !strings.Contains(plan, "r1 USING INDEX recurring_invoices_site") || !strings.Contains(plan, "r2 USING INDEX recurring_invoices_customer") ||
			strings.Contains(plan, "recurring_invoices_org_name") {
			t.Errorf("recurring invoices not read from the contact's sites and customers:\n%s", plan)
		}
	}
}
