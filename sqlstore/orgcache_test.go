package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// The organisation by host and its settings are kept for a moment
// (orgCacheTTL), but a change made through the same store is seen by the
// very next read: a rename, a new host, a new organisation, new settings.
func TestOrgCacheSeesOwnChangesAtOnce(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		a := &fieldportal.Organisation{Name: "Alpha", Host: "alpha.test"}
		if err := db.CreateOrganisation(ctx, a); err != nil {
			t.Fatal(err)
		}
		// The only organisation serves every host.
		if o, err := db.FindOrganisationForHost(ctx, "other.test"); err != nil || o.ID != a.ID {
			t.Fatalf("sole organisation: %v, %v", o, err)
		}
		if o, err := db.FindOrganisationForHost(ctx, "alpha.test"); err != nil || o.Name != "Alpha" {
			t.Fatalf("by host: %v, %v", o, err)
		}
		// Renamed: the next lookup has the new name.
		admin := fieldportal.SystemViewer(a.ID, "test")
		a.Name = "Alpha Renamed"
		if err := db.UpdateOrganisation(ctx, admin, a); err != nil {
			t.Fatal(err)
		}
		if o, err := db.FindOrganisationForHost(ctx, "alpha.test"); err != nil || o.Name != "Alpha Renamed" {
			t.Fatalf("after rename: %v, %v", o, err)
		}
		// A second organisation: other.test no longer falls back to Alpha.
		b := &fieldportal.Organisation{Name: "Beta", Host: "other.test"}
		if err := db.CreateOrganisation(ctx, b); err != nil {
			t.Fatal(err)
		}
		if o, err := db.FindOrganisationForHost(ctx, "other.test"); err != nil || o.ID != b.ID {
			t.Fatalf("after adding one: %v, %v", o, err)
		}
		if _, err := db.FindOrganisationForHost(ctx, "nobody.test"); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
			t.Fatalf("unknown host with two organisations: %v", err)
		}
		// A cached copy changed by its caller does not change the cache.
		o, _ := db.FindOrganisationForHost(ctx, "alpha.test")
		o.Name = "scribbled"
		if o, _ := db.FindOrganisationForHost(ctx, "alpha.test"); o.Name != "Alpha Renamed" {
			t.Fatalf("the cache was changed through a copy: %q", o.Name)
		}

		// Settings: read twice (cached), changed, seen at once.
		s, err := db.FindSettings(ctx, a.ID)
		if err != nil {
			t.Fatal(err)
		}
		s.Modules = append(s.Modules[:0:0], s.Modules...)
		s.Branding.DisplayName = "New Name"
		s.DiaryOverlap = !s.DiaryOverlap
		if err := db.UpdateSettings(ctx, admin, s); err != nil {
			t.Fatal(err)
		}
		got, err := db.FindSettings(ctx, a.ID)
		if err != nil || got.Branding.DisplayName != "New Name" || got.DiaryOverlap != s.DiaryOverlap {
			t.Fatalf("after UpdateSettings: %+v, %v", got.Branding, err)
		}
		if len(got.Modules) > 0 {
			got.Modules[0] = "scribbled"
			if again, _ := db.FindSettings(ctx, a.ID); again.Modules[0] == "scribbled" {
				t.Fatal("the cached settings were changed through a copy")
			}
		}
		if err := db.SetLogo(ctx, admin, []byte("\x89PNG cache test"), "image/png"); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.FindSettings(ctx, a.ID); got.Branding.Logo == "" {
			t.Fatal("the logo set is not in the next settings read")
		}
	})
}

// A read-only Find*ByID does not queue behind a writer: on SQLite it runs
// on the read pool (DEFERRED), on PostgreSQL as READ ONLY.
func TestReadTxDoesNotWaitForWriter(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Org")
		sys := fieldportal.SystemViewer(org.ID, "test")
		c := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "Acme"})
		tx, err := db.BeginTx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer tx.Rollback()
		if _, err := tx.ExecContext(ctx, `UPDATE customers SET name = $2 WHERE id = $1`, c.ID, "Acme (uncommitted)"); err != nil {
			t.Fatal(err)
		}
		// The writer holds on until the test ends, so a read that waited
		// for it would end with the context's error (or SQLITE_BUSY after
		// busy_timeout), never with the row: the deadline is for a loaded
		// machine (CI's race run is ten times slower than alone), not a
		// speed test.
		bounded, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		start := time.Now()
		got, err := db.FindCustomerByID(bounded, sys, c.ID)
		if err != nil || got.Name != "Acme" {
			t.Fatalf("read beside a writer, after %v: %v, %v", time.Since(start).Round(time.Millisecond), got, err)
		}
	})
}
