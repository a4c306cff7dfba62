package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Regression test for the review of issue 20's sites: a site's contacts
// are people of the site's customer, so a contact moved to another
// customer leaves the sites of the one it left (as a site moved to
// another customer leaves its old customer's contacts), and no longer
// shows as one of their contacts.
func TestSiteContactMovedAway(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		s, err := db.FindSiteByID(ctx, w.Staff, w.SiteA.ID)
		if err != nil {
			t.Fatal(err)
		}
		other := &fieldportal.Customer{Name: "Elsewhere Ltd"}
		MustCustomer(t, db, w.Staff, other)
		dana := &fieldportal.Contact{CustomerID: s.CustomerID, FirstName: "Dana", LastName: "Site"}
		if err := db.CreateContact(ctx, w.Staff, dana); err != nil {
			t.Fatal(err)
		}
		s.ContactIDs = []string{dana.ID}
		if err := db.UpdateSite(ctx, w.Staff, s); err != nil {
			t.Fatal(err)
		}
		dana.CustomerID = other.ID
		if err := db.UpdateContact(ctx, w.Staff, dana); err != nil {
			t.Fatal(err)
		}
		list, err := db.FindSiteContacts(ctx, w.Staff, s.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got := idsOf(list, func(c *fieldportal.Contact) string { return c.FirstName }); len(got) != 0 {
			t.Errorf("the site's contacts after Dana moved to another customer: %v, want none", got)
		}
	})
}

// A site's contact is no history: deleting the contact takes it off its
// sites (tombstones.go), on both engines' foreign keys.
func TestSiteContactDeleted(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		s, err := db.FindSiteByID(ctx, w.Staff, w.SiteA.ID)
		if err != nil {
			t.Fatal(err)
		}
		eve := &fieldportal.Contact{CustomerID: s.CustomerID, FirstName: "Eve", LastName: "Gone"}
		if err := db.CreateContact(ctx, w.Staff, eve); err != nil {
			t.Fatal(err)
		}
		s.ContactIDs = []string{eve.ID}
		if err := db.UpdateSite(ctx, w.Staff, s); err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteContact(ctx, w.Staff, eve.ID, time.Time{}); err != nil {
			t.Fatalf("delete a site's contact: %v", err)
		}
		list, err := db.FindSiteContacts(ctx, w.Staff, s.ID)
		if err != nil || len(list) != 0 {
			t.Errorf("the site's contacts after Eve was deleted: %d, %v", len(list), err)
		}
	})
}
