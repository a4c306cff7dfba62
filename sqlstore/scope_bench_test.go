package sqlstore_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// BenchmarkScopeLargeParent measures the portal's hottest queries for a
// contact at a parent customer with 200 child customers and 20,000 sites
// (issue 3: no giant IN lists; the reach is a semi-join).
func BenchmarkScopeLargeParent(b *testing.B) {
	for _, engine := range sqltest.Engines {
		b.Run(engine.String(), func(b *testing.B) {
			db := sqltest.MustOpen(b, engine)
			ctx := context.Background()
			v, siteID := mustLargeParent(b, db, 200, 100)
			b.Run("FindSites first page with activity", func(b *testing.B) {
				for b.Loop() {
					if _, _, err := db.FindSites(ctx, v, fieldportal.SiteFilter{WithActivity: true}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("FindSites search", func(b *testing.B) {
				for b.Loop() {
					if _, _, err := db.FindSites(ctx, v, fieldportal.SiteFilter{Search: "site 1999"}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("FindSites search as staff (no scope)", func(b *testing.B) {
				staff := fieldportal.SystemViewer(v.OrgID, "test")
				for b.Loop() {
					if _, _, err := db.FindSites(ctx, staff, fieldportal.SiteFilter{Search: "site 1999"}); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("CountSites", func(b *testing.B) {
				for b.Loop() {
					if n, err := db.CountSites(ctx, v); err != nil || n != 20000 {
						b.Fatal(n, err)
					}
				}
			})
			b.Run("FindSiteByID", func(b *testing.B) {
				for b.Loop() {
					if _, err := db.FindSiteByID(ctx, v, siteID); err != nil {
						b.Fatal(err)
					}
				}
			})
		})
	}
}

// mustLargeParent builds the tree with bulk inserts in one transaction and
// returns the parent contact's viewer and one of its sites.
func mustLargeParent(tb testing.TB, db *sqlstore.DB, children, sitesEach int) (fieldportal.Viewer, string) {
	tb.Helper()
	ctx := context.Background()
	org := MustOrg(tb, db, "Big Org")
	sys := fieldportal.SystemViewer(org.ID, "test")
	parent := MustCustomer(tb, db, sys, &fieldportal.Customer{Name: "Big Parent"})
	tx, err := db.SQL().BeginTx(ctx, nil)
	if err != nil {
		tb.Fatal(err)
	}
	now := db.Now().UTC()
	var siteID string
	for c := range children {
		cid := sqlstore.NewID()
		if _, err := tx.ExecContext(ctx, `INSERT INTO customers (id, org_id, parent_id, name, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
			cid, org.ID, parent.ID, fmt.Sprintf("Child %03d", c), now); err != nil {
			tb.Fatal(err)
		}
		for s := range sitesEach {
			siteID = sqlstore.NewID()
			if _, err := tx.ExecContext(ctx, `INSERT INTO sites (id, org_id, customer_id, name, address_line1, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)`,
				siteID, org.ID, cid, fmt.Sprintf("Site %d", c*sitesEach+s), "1 High Street", now); err != nil {
				tb.Fatal(err)
			}
		}
	}
	if err := tx.Commit(); err != nil {
		tb.Fatal(err)
	}
	// The customers went in around the store: its tree and tallies are
	// rebuilt, as the generator does.
	if err := db.RebuildCustomerTree(ctx, org.ID); err != nil {
		tb.Fatal(err)
	}
	if err := db.RebuildTallies(ctx, org.ID); err != nil {
		tb.Fatal(err)
	}
	c := &fieldportal.Contact{FirstName: "Pat", CustomerID: parent.ID}
	if err := db.CreateContact(ctx, sys, c); err != nil {
		tb.Fatal(err)
	}
	l := &fieldportal.PortalLogin{ContactID: c.ID, Username: "pat", Status: fieldportal.LoginActive, Pages: fieldportal.AllModules, SiteAccess: fieldportal.SiteAccessAll}
	if err := db.CreatePortalLogin(ctx, sys, l); err != nil {
		tb.Fatal(err)
	}
	v, err := db.ViewerForLogin(ctx, org.ID, l.ID)
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.SQL().ExecContext(ctx, "ANALYZE"); err != nil {
		tb.Fatal(err)
	}
	return v, siteID
}

// BenchmarkRequestViewer measures what every portal request asks of the
// store before its page: the organisation by host, its settings (the
// layout) and the signed-in contact's viewer (issue 15).
func BenchmarkRequestViewer(b *testing.B) {
	for _, engine := range sqltest.Engines {
		b.Run(engine.String(), func(b *testing.B) {
			db := sqltest.MustOpen(b, engine)
			ctx := context.Background()
			org := &fieldportal.Organisation{Name: "Org", Host: "portal.test"}
			if err := db.CreateOrganisation(ctx, org); err != nil {
				b.Fatal(err)
			}
			MustOrg(b, db, "Other")
			sys := fieldportal.SystemViewer(org.ID, "test")
			cu := MustCustomer(b, db, sys, &fieldportal.Customer{Name: "Acme"})
			c := &fieldportal.Contact{FirstName: "Pat", LastName: "Parent", Email: "pat@example.test", CustomerID: cu.ID}
			if err := db.CreateContact(ctx, sys, c); err != nil {
				b.Fatal(err)
			}
			l := &fieldportal.PortalLogin{ContactID: c.ID, Username: c.Email, Status: fieldportal.LoginActive,
				Pages: fieldportal.Modules(fieldportal.AllModules), SiteAccess: fieldportal.SiteAccessAll}
			if err := db.CreatePortalLogin(ctx, sys, l); err != nil {
				b.Fatal(err)
			}
			b.Run("FindOrganisationForHost", func(b *testing.B) {
				for b.Loop() {
					if o, err := db.FindOrganisationForHost(ctx, "portal.test"); err != nil || o.ID != org.ID {
						b.Fatal(o, err)
					}
				}
			})
			b.Run("FindSettings", func(b *testing.B) {
				for b.Loop() {
					if _, err := db.FindSettings(ctx, org.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("ViewerForLogin", func(b *testing.B) {
				for b.Loop() {
					if _, err := db.ViewerForLogin(ctx, org.ID, l.ID); err != nil {
						b.Fatal(err)
					}
				}
			})
			b.Run("ViewerForLogin parallel", func(b *testing.B) {
				b.RunParallel(func(pb *testing.PB) {
					for pb.Next() {
						if _, err := db.ViewerForLogin(ctx, org.ID, l.ID); err != nil {
							b.Error(err)
							return
						}
					}
				})
			})
		})
	}
}
