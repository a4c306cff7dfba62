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
	var queries []string
	var args [][]any
	ObserveQueries(d, func(q string, a []any) { queries, args = append(queries, q), append(args, a) })
	v := fieldportal.NewContactViewer("org", fieldportal.ContactGrants{LoginID: "login", ContactID: "contact",
		CustomerID: "customer", SiteAccess: fieldportal.SiteAccessAll, Pages: fieldportal.AllModules},
		fieldportal.Settings{Modules: fieldportal.AllModules})
	ctx := context.WithValue(context.Background(), fewSitesKey{}, true)
	if _, _, err := d.FindRecurringInvoices(ctx, v, fieldportal.RecurringInvoiceFilter{Page: fieldportal.Page{Limit: 25}}); err != nil {
		t.Fatal(err)
	}
	found := false
	for i, q := range queries {
		if !strings.Contains(q, "recurring_invoices r1") {
			continue
		}
		found = true
		plan := mustSQLitePlan(t, d, q, args[i])
		if !strings.Contains(plan, "r1 USING INDEX recurring_invoices_site") || !strings.Contains(plan, "r2 USING INDEX recurring_invoices_customer") ||
			strings.Contains(plan, "recurring_invoices_org_name") {
			t.Errorf("recurring invoices not read from the contact's sites and customers:\n%s", plan)
		}
	}
	if !found {
		t.Fatal("no few-sites recurring invoice query seen")
	}
}
