package sqlstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// TestExpiringListReadsCertificatesExpiry checks that the lists of
// certificates expiring and expired still read certificates_expiry in
// their order after migration 00330 widened it with site_id: no sort of
// the organisation's certificates (review of b769bf0; TestPlans has no
// such list).
func TestExpiringListReadsCertificatesExpiry(t *testing.T) {
	ctx := context.Background()
	d := mustMigratedSQLite(t)
	var queries []string
	var args [][]any
	ObserveQueries(d, func(q string, a []any) { queries, args = append(queries, q), append(args, a) })
	viewers := map[string]fieldportal.Viewer{
		"staff": fieldportal.SystemViewer("org", "test"),
		"a contact of many sites": fieldportal.NewContactViewer("org", fieldportal.ContactGrants{LoginID: "login", ContactID: "contact",
			CustomerID: "customer", SiteAccess: fieldportal.SiteAccessAll, Pages: fieldportal.AllModules},
			fieldportal.Settings{Modules: fieldportal.AllModules}),
	}
	for name, v := range viewers {
		for _, status := range []fieldportal.CertificateStatus{fieldportal.CertificateExpiring, fieldportal.CertificateExpired} {
			t.Run(name+"/"+string(status), func(t *testing.T) {
				queries, args = nil, nil
				ctx := context.WithValue(ctx, fewSitesKey{}, false)
				f := fieldportal.CertificateFilter{Status: status, Today: fieldportal.DateOf(time.Now())}
				f.Limit = 50
				if _, _, err := d.FindCertificates(ctx, v, f); err != nil {
					t.Fatal(err)
				}
				found := false
				for i, q := range queries {
					if !strings.Contains(q, "certificates c") {
						continue
					}
					found = true
					plan := mustSQLitePlan(t, d, q, args[i])
					if !strings.Contains(plan, "certificates_expiry") || strings.Contains(plan, "TEMP B-TREE FOR ORDER BY") {
						t.Errorf("not read in order from certificates_expiry:\n%s\n%s", q, plan)
					}
				}
				if !found {
					t.Fatal("no certificates query seen")
				}
			})
		}
	}
}
