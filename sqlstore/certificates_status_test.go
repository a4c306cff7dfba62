package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestCertificateStatusFilters lists certificates by status on a fixed
// day, at the status's edges, page by page, for staff and for a contact
// of one site (whose list is read from its site's rows), and counts the
// ones expiring soon.
func TestCertificateStatusFilters(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Status Ltd")
		staff := fieldportal.SystemViewer(org.ID, "test")
		cust := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Group"})
		north := mustAssetsSite(t, db, staff, cust.ID, "North")
		south := mustAssetsSite(t, db, staff, cust.ID, "South")
		today := fieldportal.Date{Year: 2026, Month: time.March, Day: 10}
		mk := func(site *fieldportal.Site, number string, expires fieldportal.Date) {
			t.Helper()
			c := &fieldportal.Certificate{SiteID: site.ID, Type: "Gas", Number: number, IssuedOn: fieldportal.Date{Year: 2025, Month: 1, Day: 1}, ExpiresOn: expires}
			if err := db.CreateCertificate(ctx, staff, c); err != nil {
				t.Fatal(err)
			}
		}
		mk(north, "expired-yesterday", today.AddDays(-1))
		mk(north, "expired-long-ago", today.AddDays(-400))
		mk(north, "expires-today", today)
		mk(north, "expires-in-30", today.AddDays(30))
		mk(north, "expires-in-31", today.AddDays(31))
		mk(north, "no-expiry", fieldportal.Date{})
		mk(south, "south-expires-in-5", today.AddDays(5))
		contact := assetsContactViewer(t, db, org.ID, cust.ID, fieldportal.Modules(fieldportal.AllModules), north.ID)

		numbers := func(v fieldportal.Viewer, st fieldportal.CertificateStatus) []string {
			return pageAll(t, func(after string) ([]*fieldportal.Certificate, string, error) {
				return db.FindCertificates(ctx, v, fieldportal.CertificateFilter{Page: fieldportal.Page{After: after, Limit: 1}, Status: st, Today: today})
			}, func(c *fieldportal.Certificate) string { return c.Number })
		}
		for _, tc := range []struct {
			who    string
			v      fieldportal.Viewer
			status fieldportal.CertificateStatus
			want   []string
		}{
			{"staff", staff, fieldportal.CertificateExpiring, []string{"expires-today", "south-expires-in-5", "expires-in-30"}},
			{"staff", staff, fieldportal.CertificateExpired, []string{"expired-yesterday", "expired-long-ago"}},
			{"contact of North", contact, fieldportal.CertificateExpiring, []string{"expires-today", "expires-in-30"}},
			{"contact of North", contact, fieldportal.CertificateExpired, []string{"expired-yesterday", "expired-long-ago"}},
		} {
			t.Run(tc.who+" "+string(tc.status), func(t *testing.T) {
				if diff := cmp.Diff(tc.want, numbers(tc.v, tc.status)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
		t.Run("valid", func(t *testing.T) {
			got := numbers(staff, fieldportal.CertificateValid)
			want := []string{"no-expiry", "expires-in-31"} // both issued the same day: by id, newest first
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
		t.Run("the count of those expiring soon", func(t *testing.T) {
			for _, c := range []struct {
				who  string
				v    fieldportal.Viewer
				want int
			}{{"staff", staff, 3}, {"contact of North", contact, 2}} {
				n, err := db.CountExpiringCertificates(ctx, c.v, today)
				if err != nil || n != c.want {
					t.Errorf("%s: %d, %v; want %d", c.who, n, err, c.want)
				}
			}
		})
		t.Run("the status of each as found", func(t *testing.T) {
			list, _, err := db.FindCertificates(ctx, staff, fieldportal.CertificateFilter{Page: fieldportal.Page{Limit: 50}})
			if err != nil {
				t.Fatal(err)
			}
			got := map[string]fieldportal.CertificateStatus{}
			for _, c := range list {
				got[c.Number] = c.StatusOn(today)
			}
			want := map[string]fieldportal.CertificateStatus{"expired-yesterday": "expired", "expired-long-ago": "expired",
				"expires-today": "expiring", "expires-in-30": "expiring", "expires-in-31": "valid", "no-expiry": "valid", "south-expires-in-5": "expiring"}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	})
}
