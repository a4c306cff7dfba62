package sqlstore_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// An edit of a site that leaves its archived flag out (a back office's
// upsert, the console's form) while the office archives or restores the
// site must keep the flag the other wrote and the tallies right: the edit
// reads the site it replaces only once it holds it. The edit is started
// while the archive holds the site, before its commit, and given 300 ms:
// reading the site before taking it, the edit wrote the old flag back and
// left the customer's count of sites in use wrong (found by review).
func TestArchiveSiteDuringAnEdit(t *testing.T) {
	for _, archive := range []bool{true, false} {
		t.Run(map[bool]string{true: "archive", false: "restore"}[archive], func(t *testing.T) {
			sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
				ctx := context.Background()
				org := MustOrg(t, db, "Acme Fire")
				staff := fieldportal.SystemViewer(org.ID, "test")
				cust := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Group"})
				site := MustSite(t, db, staff, &fieldportal.Site{CustomerID: cust.ID, Name: "Depot", Address: fieldportal.Address{Line1: "1 Road"}})
				if !archive {
					if err := db.ArchiveSite(ctx, staff, site.ID, true); err != nil {
						t.Fatal(err)
					}
				}
				edited := make(chan error, 1)
				var fired atomic.Bool
				sqlstore.SetBeforeRecount(db, func() {
					if fired.Swap(true) {
						return
					}
					go func() {
						s := *site
						s.Name = "Depot 2"
						edited <- db.UpdateSite(ctx, staff, &s)
					}()
					select {
					case err := <-edited:
						edited <- err
					case <-time.After(300 * time.Millisecond):
					}
				})
				if err := db.ArchiveSite(ctx, staff, site.ID, archive); err != nil {
					t.Fatalf("archive: %v", err)
				}
				if err := <-edited; err != nil {
					t.Fatalf("edit: %v", err)
				}
				sqlstore.SetBeforeRecount(db, nil)
				got, err := db.FindSiteByID(ctx, staff, site.ID)
				if err != nil {
					t.Fatal(err)
				}
				if got.Name != "Depot 2" || got.Archived() != archive {
					t.Errorf("site %q archived %v, want %q archived %v", got.Name, got.Archived(), "Depot 2", archive)
				}
				MustTalliesRight(t, db, org.ID)
			})
		})
	}
}
