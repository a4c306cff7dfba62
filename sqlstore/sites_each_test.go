package sqlstore_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestEachSite checks the walk behind the sites CSV against the list it
// exports: for every scope and filter it gives exactly the rows of
// FindSites' pages, in their order, with the same fields the CSV shows
// (the walk reads only those) and the same open activities.
func TestEachSite(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		// Enough sites for several pages of two, on both customers.
		var towers []*fieldportal.Site
		for i := range 7 {
			c := w.Parent
			if i%2 == 1 {
				c = w.Child
			}
			towers = append(towers, MustSite(t, db, w.Staff, &fieldportal.Site{CustomerID: c.ID, Name: fmt.Sprintf("Tower %d", i),
				Address: fieldportal.Address{Line1: fmt.Sprintf("%d Tower Row", i)}}))
		}
		mustWorkIssue(t, db, w.Staff, &fieldportal.Issue{SiteID: w.SiteA.ID, Title: "Leak", Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueOpen})
		mustWorkJob(t, db, w.Staff, &fieldportal.Job{SiteID: towers[1].ID, Kind: fieldportal.JobService, Stage: fieldportal.StagePending})

		viewers := []struct {
			name string
			v    fieldportal.Viewer
			all  int // the sites it reaches, so that no scope passes by being empty
		}{
			{"staff", w.Staff, 9},
			{"parent", mustWorkContact(t, db, w.Org.ID, w.Parent.ID, nil), 9},
			{"child", mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil), 4},
			{"assigned sites", mustWorkContact(t, db, w.Org.ID, w.Parent.ID, nil, w.SiteB.ID, towers[2].ID), 2},
			{"without activity modules", mustWorkContact(t, db, w.Org.ID, w.Parent.ID, fieldportal.Modules{fieldportal.ModuleSites}), 9},
			{"other organisation's staff", w.OtherStaff, 1},
			{"other organisation's contact", mustWorkContact(t, db, w.Other.ID, w.OtherSite.CustomerID, nil), 1},
		}
		filters := []struct {
			name string
			f    fieldportal.SiteFilter
		}{
			{"everything", fieldportal.SiteFilter{WithActivity: true}},
			{"search", fieldportal.SiteFilter{Search: "TOWER", WithActivity: true}},
			{"search matching nothing", fieldportal.SiteFilter{Search: "%"}},
			{"customer", fieldportal.SiteFilter{CustomerID: w.Child.ID, WithActivity: true}},
			{"updated since", fieldportal.SiteFilter{UpdatedSince: time.Unix(0, 0)}},
		}
		// Chunks of two rows, so that every walk crosses chunk boundaries.
		sqlstore.SetStreamChunk(db, 2)
		for _, vc := range viewers {
			for _, fc := range filters {
				t.Run(vc.name+"/"+fc.name, func(t *testing.T) {
					want := csvSiteFields(mustSitePages(t, db, vc.v, fc.f))
					got := csvSiteFields(mustEachSite(t, db, vc.v, fc.f))
					if diff := cmp.Diff(want, got); diff != "" {
						t.Errorf("EachSite differs from FindSites' pages (-pages +walk):\n%s", diff)
					}
					if fc.name == "everything" && len(got) != vc.all {
						t.Errorf("walked %d sites, want %d", len(got), vc.all)
					}
				})
			}
		}

		t.Run("the page cursor is ignored", func(t *testing.T) {
			got := mustEachSite(t, db, w.Staff, fieldportal.SiteFilter{Page: fieldportal.Page{After: "not a cursor", Limit: 1}})
			if len(got) != 9 {
				t.Errorf("walked %d sites, want all 9", len(got))
			}
		})
		t.Run("an error from fn stops the walk and is returned", func(t *testing.T) {
			stop := errors.New("stop")
			calls := 0
			err := db.EachSite(ctx, w.Staff, fieldportal.SiteFilter{}, func(*fieldportal.Site) error { calls++; return stop })
			if err != stop || calls != 1 {
				t.Errorf("err = %v after %d calls, want stop after 1", err, calls)
			}
		})
		t.Run("a contact without the sites module walks nothing", func(t *testing.T) {
			v := mustWorkContact(t, db, w.Org.ID, w.Parent.ID, fieldportal.Modules{fieldportal.ModuleDashboard})
			err := db.EachSite(ctx, v, fieldportal.SiteFilter{}, func(*fieldportal.Site) error {
				t.Error("fn called")
				return nil
			})
			if fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("err = %v, want not found", err)
			}
		})
		// A download lasts as long as its client reads: writers must not
		// wait for it (on SQLite it reads on the read pool, in a
		// transaction that takes no lock).
		t.Run("a write during the walk does not wait for it", func(t *testing.T) {
			sqlstore.SetStreamChunk(db, 0) // one chunk: the walk reads it before the write
			n := 0
			err := db.EachSite(ctx, w.Staff, fieldportal.SiteFilter{}, func(*fieldportal.Site) error {
				n++
				if n > 1 {
					return nil
				}
				// A write that waited for the walk would wait for ever (the
				// walk waits for it): a deadline for a loaded machine.
				wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
				defer cancel()
				return db.CreateSite(wctx, w.Staff, &fieldportal.Site{CustomerID: w.Parent.ID, Name: "Written mid-walk", Address: fieldportal.Address{Line1: "9 Row"}})
			})
			if err != nil {
				t.Fatalf("write during the walk: %v", err)
			}
			if n != 9 {
				t.Errorf("the walk saw %d sites, want the 9 of its one chunk", n)
			}
		})
	})
}

// mustSitePages lists every site of f through FindSites' pages of two.
func mustSitePages(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, f fieldportal.SiteFilter) []*fieldportal.Site {
	tb.Helper()
	var all []*fieldportal.Site
	f.Limit = 2
	for range 100 {
		page, next, err := db.FindSites(context.Background(), v, f)
		if err != nil {
			tb.Fatalf("FindSites: %v", err)
		}
		all = append(all, page...)
		if next == "" {
			return all
		}
		f.After = next
	}
	tb.Fatal("FindSites never reached its last page")
	return nil
}

// mustEachSite collects the sites EachSite walks.
func mustEachSite(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, f fieldportal.SiteFilter) []*fieldportal.Site {
	tb.Helper()
	var all []*fieldportal.Site
	if err := db.EachSite(context.Background(), v, f, func(s *fieldportal.Site) error {
		all = append(all, s)
		return nil
	}); err != nil {
		tb.Fatalf("EachSite: %v", err)
	}
	return all
}

// csvSiteFields keeps of each site what the sites CSV shows
// (portal.handleSitesCSV), which is all EachSite reads.
func csvSiteFields(sites []*fieldportal.Site) []*fieldportal.Site {
	out := make([]*fieldportal.Site, len(sites))
	for i, s := range sites {
		a := s.Address
		out[i] = &fieldportal.Site{ID: s.ID, Name: s.Name, CustomerName: s.CustomerName, OpenActivities: s.OpenActivities,
			Address: fieldportal.Address{Line1: a.Line1, Line2: a.Line2, City: a.City, Region: a.Region, Postcode: a.Postcode}}
	}
	return out
}
