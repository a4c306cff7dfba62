package sqlstore

import (
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
)

// allSitesContact is a contact viewer of every site of its customer, with
// every page: the viewer the plan tests read lists as.
func allSitesContact() fieldportal.Viewer {
	return fieldportal.NewContactViewer("org", fieldportal.ContactGrants{LoginID: "login", ContactID: "contact",
		CustomerID: "customer", SiteAccess: fieldportal.SiteAccessAll, Pages: fieldportal.AllModules},
		fieldportal.Settings{Modules: fieldportal.AllModules})
}

// mustPlansOf runs call and returns SQLite's plan of each query it made
// whose text holds marker; it fails the test if there is none.
func mustPlansOf(tb testing.TB, d *DB, marker string, call func() error) []string {
	tb.Helper()
	var queries []string
	var args [][]any
	ObserveQueries(d, func(q string, a []any) { queries, args = append(queries, q), append(args, a) })
	err := call()
	ObserveQueries(d, nil)
	if err != nil {
		tb.Fatal(err)
	}
	var plans []string
	for i, q := range queries {
		if strings.Contains(q, marker) {
			plans = append(plans, mustSQLitePlan(tb, d, q, args[i]))
		}
	}
	if len(plans) == 0 {
		tb.Fatalf("no query holding %q seen", marker)
	}
	return plans
}
