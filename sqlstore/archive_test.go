package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// mustSiteNames lists the names of the sites f selects for v, in order.
func mustSiteNames(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, f fieldportal.SiteFilter) []string {
	tb.Helper()
	list, _, err := db.FindSites(context.Background(), v, f)
	if err != nil {
		tb.Fatalf("find sites: %v", err)
	}
	var out []string
	for _, s := range list {
		out = append(out, s.Name)
	}
	return out
}

// mustAuditActions lists the audit actions recorded for a record, oldest first.
func mustAuditActions(tb testing.TB, db *sqlstore.DB, entityID string) []string {
	tb.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT action FROM audit_log WHERE entity_id = $1 ORDER BY at, id`, entityID)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		if err := rows.Scan(&a); err != nil {
			tb.Fatal(err)
		}
		out = append(out, a)
	}
	return out
}

// Archiving a customer or a site (issue 19) moves updated_at, is audited,
// sends a site's site.updated event in the same transaction, selects by
// the Archived filter (a site of an archived customer counts as archived),
// leaves the records in a contact's reach and stops only a contact's new
// work there; the dashboard and the tallies count the sites in use.
func TestArchiveCustomersAndSites(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		clock := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
		db.Now = func() time.Time { return clock }
		tick := func() { clock = clock.Add(time.Minute) }
		org := MustOrg(t, db, "Acme Fire")
		staff := fieldportal.SystemViewer(org.ID, "test")
		mustListenAll(t, db, org.ID)
		group := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Group"})
		branch := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Branch", ParentID: group.ID})
		depot := MustSite(t, db, staff, &fieldportal.Site{CustomerID: group.ID, Name: "Depot", Address: fieldportal.Address{Line1: "1 Road"}})
		yard := MustSite(t, db, staff, &fieldportal.Site{CustomerID: group.ID, Name: "Yard", Address: fieldportal.Address{Line1: "2 Road"}})
		shop := MustSite(t, db, staff, &fieldportal.Site{CustomerID: branch.ID, Name: "Shop", Address: fieldportal.Address{Line1: "3 Road"}})
		contact := MustMoneyContact(t, db, org.ID, group.ID, fieldportal.SiteAccessAll, nil)
		jobID := MustMoneyJob(t, db, org.ID, group.ID, yard.ID, "J-1")
		yes, no := true, false

		t.Run("archive a site", func(t *testing.T) {
			tick()
			before := MustCount(t, db, `SELECT count(*) FROM outbox WHERE topic = 'site.updated'`)
			if err := db.ArchiveSite(ctx, staff, yard.ID, true); err != nil {
				t.Fatal(err)
			}
			got, err := db.FindSiteByID(ctx, staff, yard.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Archived() || !got.ArchivedAt.Equal(clock) || !got.UpdatedAt.Equal(clock) {
				t.Errorf("archived at %v, updated at %v; want both %v", got.ArchivedAt, got.UpdatedAt, clock)
			}
			if n := MustCount(t, db, `SELECT count(*) FROM outbox WHERE topic = 'site.updated'`); n != before+1 {
				t.Errorf("site.updated events = %d, want %d", n, before+1)
			}
			if diff := cmp.Diff([]string{"site.created", "site.archived"}, mustAuditActions(t, db, yard.ID)); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
			// Archiving it again changes nothing.
			tick()
			if err := db.ArchiveSite(ctx, staff, yard.ID, true); err != nil {
				t.Fatal(err)
			}
			again, _ := db.FindSiteByID(ctx, staff, yard.ID)
			if !again.UpdatedAt.Equal(got.UpdatedAt) {
				t.Errorf("a second archive moved updated_at to %v", again.UpdatedAt)
			}
		})
		t.Run("the filter selects by the flag", func(t *testing.T) {
			if diff := cmp.Diff([]string{"Yard"}, mustSiteNames(t, db, staff, fieldportal.SiteFilter{Archived: &yes})); diff != "" {
				t.Errorf("archived (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Depot", "Shop"}, mustSiteNames(t, db, staff, fieldportal.SiteFilter{Archived: &no})); diff != "" {
				t.Errorf("in use (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"Depot", "Shop", "Yard"}, mustSiteNames(t, db, staff, fieldportal.SiteFilter{})); diff != "" {
				t.Errorf("all (-want +got):\n%s", diff)
			}
		})
		t.Run("a contact still reads an archived site and its history", func(t *testing.T) {
			if _, err := db.FindSiteByID(ctx, contact, yard.ID); err != nil {
				t.Errorf("archived site: %v", err)
			}
			if _, err := db.FindJobByID(ctx, contact, jobID); err != nil {
				t.Errorf("its job: %v", err)
			}
		})
		t.Run("a contact's new work at an archived site names the site field", func(t *testing.T) {
			err := db.CreateIssue(ctx, contact, &fieldportal.Issue{SiteID: yard.ID, Title: "Leak"})
			var fe *fieldportal.Error
			if !errors.As(err, &fe) || fe.Field != "site_id" || fe.Message != "This site is archived; contact the office to reopen it." {
				t.Errorf("issue: err = %v, want a site_id field error", err)
			}
			err = db.CreateIssue(ctx, contact, &fieldportal.Issue{SiteID: depot.ID, Title: "Leak"})
			if err != nil {
				t.Errorf("issue at a site in use: %v", err)
			}
			// Staff and the back office record history at any site.
			if err := db.CreateIssue(ctx, staff, &fieldportal.Issue{SiteID: yard.ID, Title: "Old leak", Priority: fieldportal.PriorityNormal, Status: fieldportal.IssueClosed}); err != nil {
				t.Errorf("staff's issue: %v", err)
			}
		})
		t.Run("a contact cannot archive", func(t *testing.T) {
			s, _ := db.FindSiteByID(ctx, contact, depot.ID)
			s.Archive = &yes
			if err := db.UpdateSite(ctx, contact, s); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("err = %v, want forbidden", err)
			}
		})
		t.Run("dashboard and tallies count the sites in use", func(t *testing.T) {
			d, err := db.Dashboard(ctx, contact)
			if err != nil {
				t.Fatal(err)
			}
			if got := dashboardFigures(d)[0]; got != 2 {
				t.Errorf("dashboard sites = %d, want 2", got)
			}
			MustTalliesRight(t, db, org.ID)
			MustSameCounts(t, db, contact, fieldportal.DateOf(clock))
		})
		t.Run("an archived customer archives its sites", func(t *testing.T) {
			tick()
			if err := db.ArchiveCustomer(ctx, staff, branch.ID, true); err != nil {
				t.Fatal(err)
			}
			c, err := db.FindCustomerByID(ctx, staff, branch.ID)
			if err != nil {
				t.Fatal(err)
			}
			if !c.Archived() || !c.UpdatedAt.Equal(clock) {
				t.Errorf("customer archived %v, updated at %v; want archived at %v", c.ArchivedAt, c.UpdatedAt, clock)
			}
			s, _ := db.FindSiteByID(ctx, staff, shop.ID)
			if !s.Archived() || !s.ArchivedAt.IsZero() {
				t.Errorf("shop: archived() = %v, own archived_at = %v; want archived through its customer only", s.Archived(), s.ArchivedAt)
			}
			if diff := cmp.Diff([]string{"Shop", "Yard"}, mustSiteNames(t, db, staff, fieldportal.SiteFilter{Archived: &yes})); diff != "" {
				t.Errorf("archived (-want +got):\n%s", diff)
			}
			list, _, err := db.FindCustomers(ctx, staff, fieldportal.CustomerFilter{Archived: &yes})
			if err != nil || len(list) != 1 || list[0].ID != branch.ID {
				t.Errorf("archived customers = %v, %v; want Branch", list, err)
			}
			d, _ := db.Dashboard(ctx, contact)
			if got := dashboardFigures(d)[0]; got != 1 {
				t.Errorf("dashboard sites = %d, want 1", got)
			}
			MustTalliesRight(t, db, org.ID)
			MustSameCounts(t, db, contact, fieldportal.DateOf(clock))
			if diff := cmp.Diff([]string{"customer.created", "customer.archived"}, mustAuditActions(t, db, branch.ID)); diff != "" {
				t.Errorf("audit (-want +got):\n%s", diff)
			}
		})
		t.Run("an edit that does not ask keeps the flag; restore clears it", func(t *testing.T) {
			c, _ := db.FindCustomerByID(ctx, staff, branch.ID)
			c.Phone = "01234"
			if err := db.UpdateCustomer(ctx, staff, c); err != nil {
				t.Fatal(err)
			}
			c, _ = db.FindCustomerByID(ctx, staff, branch.ID)
			if !c.Archived() {
				t.Errorf("an edit restored the customer")
			}
			tick()
			c.Archive = &no
			if err := db.UpdateCustomer(ctx, staff, c); err != nil {
				t.Fatal(err)
			}
			c, _ = db.FindCustomerByID(ctx, staff, branch.ID)
			if c.Archived() || !c.UpdatedAt.Equal(clock) {
				t.Errorf("restored: archived at %v, updated at %v", c.ArchivedAt, c.UpdatedAt)
			}
			if got := mustAuditActions(t, db, branch.ID); got[len(got)-1] != "customer.restored" {
				t.Errorf("audit = %v, want customer.restored last", got)
			}
			tick()
			if err := db.ArchiveSite(ctx, staff, yard.ID, false); err != nil {
				t.Fatal(err)
			}
			if got := mustAuditActions(t, db, yard.ID); got[len(got)-1] != "site.restored" {
				t.Errorf("audit = %v, want site.restored last", got)
			}
			if names := mustSiteNames(t, db, staff, fieldportal.SiteFilter{Archived: &yes}); len(names) != 0 {
				t.Errorf("archived after restores: %v", names)
			}
			MustTalliesRight(t, db, org.ID)
		})
		t.Run("another organisation cannot archive", func(t *testing.T) {
			other := fieldportal.SystemViewer(MustOrg(t, db, "Other").ID, "test")
			if err := db.ArchiveSite(ctx, other, depot.ID, true); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("site: err = %v, want not found", err)
			}
			if err := db.ArchiveCustomer(ctx, other, group.ID, true); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("customer: err = %v, want not found", err)
			}
		})
	})
}
