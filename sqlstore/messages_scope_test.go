package sqlstore_test

import (
	"context"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// A thread follows its record (review): a thread keeps a copy of its
// record's customer and site for the lists and the navigation's count,
// and the copy went stale when the back office moved the record to
// another site or the site to another customer: the old customer's
// contacts went on seeing the thread (its label, an issue's title, and
// its unread count), the new one's did not.
func TestThreadsFollowTheirRecords(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustMessageWorld(t, db)
		sys := fieldportal.SystemViewer(w.orgID, "test")
		other := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "Other Ltd"})
		otherSite := MustSite(t, db, sys, &fieldportal.Site{Name: "Yard", CustomerID: other.ID, Address: fieldportal.Address{Line1: "2 Lane"}})
		otherContact := MustMoneyContact(t, db, w.orgID, other.ID, fieldportal.SiteAccessAll, nil)
		mustMoneyExec(t, db, `UPDATE portal_logins SET page_access = $1 WHERE id = $2`, fieldportal.Modules(fieldportal.AllModules).String(), otherContact.LoginID)
		// sees lists the threads v sees and counts its unread ones.
		sees := func(name string, v fieldportal.Viewer, want int) {
			t.Helper()
			list, _, err := db.FindThreads(ctx, v, fieldportal.ThreadFilter{})
			if err != nil {
				t.Fatal(err)
			}
			n, err := db.CountUnreadThreads(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			if len(list) != want || n != want {
				t.Errorf("%s: %d threads listed, %d unread; want %d", name, len(list), n, want)
			}
		}
		w.post(t, w.staff, 0, "An engineer is on the way.")
		sees("the job's customer's contact", w.contact, 1)
		sees("another customer's contact", otherContact, 0)

		t.Run("a job moved to another customer's site", func(t *testing.T) {
			j, err := db.FindJobByID(ctx, sys, w.job)
			if err != nil {
				t.Fatal(err)
			}
			j.CustomerID, j.SiteID = other.ID, otherSite.ID
			if err := db.UpdateJob(ctx, sys, j); err != nil {
				t.Fatal(err)
			}
			sees("the job's old customer's contact", w.contact, 0)
			sees("the job's new customer's contact", otherContact, 1)
		})

		t.Run("a site moved to another customer", func(t *testing.T) {
			s, err := db.FindSiteByID(ctx, sys, otherSite.ID)
			if err != nil {
				t.Fatal(err)
			}
			s.CustomerID = w.contact.CustomerID
			if err := db.UpdateSite(ctx, sys, s); err != nil {
				t.Fatal(err)
			}
			sees("the site's new customer's contact", w.contact, 1)
			sees("the site's old customer's contact", otherContact, 0)
		})
	})
}
