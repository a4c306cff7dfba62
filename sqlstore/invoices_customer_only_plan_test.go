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
	var queries []string
	var args [][]any
	ObserveQueries(d, func(q string, a []any) { queries, args = append(queries, q), append(args, a) })
	v := fieldportal.NewContactViewer("org", fieldportal.ContactGrants{LoginID: "login", ContactID: "contact",
		CustomerID: "customer", SiteAccess: fieldportal.SiteAccessAll, Pages: fieldportal.AllModules},
		fieldportal.Settings{Modules: fieldportal.AllModules})
	for _, sort := range []fieldportal.InvoiceSort{fieldportal.InvoiceSortIssued, fieldportal.InvoiceSortDue} {
		t.Run("sort "+string(sort), func(t *testing.T) {
			queries, args = nil, nil
			ctx := context.WithValue(context.Background(), fewSitesKey{}, true)
			if _, _, err := d.FindInvoices(ctx, v, fieldportal.InvoiceFilter{Sort: sort, Page: fieldportal.Page{Limit: 25}}); err != nil {
				t.Fatal(err)
			}
			found := false
			for i, q := range queries {
				if !strings.Contains(q, "invoices i2") {
					continue
				}
				found = true
				plan := mustSQLitePlan(t, d, q, args[i])
				if !strings.Contains(plan, "i2 USING INDEX invoices_customer_only") {
					t.Errorf("site-less invoices not read through invoices_customer_only:\n%s", plan)
				}
			}
			if !found {
				t.Fatal("no few-sites invoice query seen")
			}
		})
	}
}
