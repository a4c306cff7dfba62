package sqlstore_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestThreadsUnreadFirst walks a contact's threads a page of two at a
// time: its unread threads first, the latest first, then those it read,
// never another customer's, and the unread count agrees; both for a
// contact of few sites (read by customer) and as one of many (the
// organisation's threads walked latest first).
func TestThreadsUnreadFirst(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustMessageWorld(t, db)
		sys := fieldportal.SystemViewer(w.orgID, "test")
		cust := w.cust
		site := MustSite(t, db, sys, &fieldportal.Site{Name: "Yard", CustomerID: cust, Address: fieldportal.Address{Line1: "2 Quay"}})
		other := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "Elsewhere Ltd"})
		otherSite := MustSite(t, db, sys, &fieldportal.Site{Name: "Mill", CustomerID: other.ID, Address: fieldportal.Address{Line1: "3 Lane"}})
		post := func(job string, minute int) {
			t.Helper()
			*w.now = time.Date(2026, 3, 2, 10, minute, 0, 0, time.UTC)
			if _, err := db.PostMessage(context.Background(), w.staff, &fieldportal.NewMessage{RecordKind: "job", RecordID: job, Body: "Update"}); err != nil {
				t.Fatal(err)
			}
		}
		jobs := map[string]string{}
		for i := 1; i <= 5; i++ {
			n := fmt.Sprintf("J-200%d", i)
			jobs[n] = MustMoneyJob(t, db, w.orgID, cust, site.ID, n)
			post(jobs[n], i)
		}
		// Another customer's thread, the latest of all.
		post(MustMoneyJob(t, db, w.orgID, other.ID, otherSite.ID, "J-3001"), 30)
		for _, n := range []string{"J-2002", "J-2004"} {
			if _, err := db.ThreadForRecord(context.Background(), w.contact, "job", jobs[n]); err != nil {
				t.Fatal(err)
			}
		}
		post(jobs["J-2004"], 6) // read, then answered: unread again
		want := []string{"Job J-2004 unread", "Job J-2005 unread", "Job J-2003 unread", "Job J-2001 unread", "Job J-2002"}

		for name, ctx := range map[string]context.Context{"few sites": context.Background(), "many sites": sqlstore.AsManySites(context.Background())} {
			t.Run(name, func(t *testing.T) {
				var got []string
				after := ""
				for range 10 {
					list, next, err := db.FindThreads(ctx, w.contact, fieldportal.ThreadFilter{Page: fieldportal.Page{Limit: 2, After: after}})
					if err != nil {
						t.Fatal(err)
					}
					for _, th := range list {
						s := th.RecordLabel
						if th.Unread {
							s += " unread"
						}
						got = append(got, s)
					}
					if after = next; after == "" {
						break
					}
				}
				if diff := cmp.Diff(want, got); diff != "" {
					t.Fatalf("the contact's threads (-want +got):\n%s", diff)
				}
				if n, err := db.CountUnreadThreads(ctx, w.contact); err != nil || n != 4 {
					t.Fatalf("unread threads %d, %v; want 4", n, err)
				}
			})
		}

		t.Run("assigned sites", func(t *testing.T) {
			ctx := context.Background()
			mustMoneyExec(t, db, `UPDATE portal_logins SET site_access = 'assigned' WHERE id = $1`, w.contact.LoginID)
			defer mustMoneyExec(t, db, `UPDATE portal_logins SET site_access = 'all' WHERE id = $1`, w.contact.LoginID)
			mustMoneyExec(t, db, `INSERT INTO login_sites (login_id, site_id, org_id) VALUES ($1, $2, $3)`, w.contact.LoginID, site.ID, w.orgID)
			v, err := db.ViewerForLogin(ctx, w.orgID, w.contact.LoginID)
			if err != nil {
				t.Fatal(err)
			}
			list, _, err := db.FindThreads(ctx, v, fieldportal.ThreadFilter{})
			if err != nil || len(list) != 5 || list[0].RecordLabel != "Job J-2004" || !list[0].Unread || list[4].Unread {
				t.Fatalf("the threads of the assigned site: %v, %v", list, err)
			}
			if n, err := db.CountUnreadThreads(ctx, v); err != nil || n != 4 {
				t.Fatalf("unread threads of the assigned site %d, %v; want 4", n, err)
			}
			mustMoneyExec(t, db, `DELETE FROM login_sites WHERE login_id = $1`, w.contact.LoginID)
			list, _, err = db.FindThreads(ctx, v, fieldportal.ThreadFilter{})
			if err != nil || len(list) != 0 {
				t.Fatalf("threads with no site assigned: %v, %v; want none", list, err)
			}
			if n, err := db.CountUnreadThreads(ctx, v); err != nil || n != 0 {
				t.Fatalf("unread threads with no site assigned %d, %v; want 0", n, err)
			}
		})

		t.Run("a forged rank is refused", func(t *testing.T) {
			list, next, err := db.FindThreads(context.Background(), w.contact, fieldportal.ThreadFilter{Page: fieldportal.Page{Limit: 1}})
			if err != nil || len(list) != 1 || next == "" {
				t.Fatalf("first page: %v, %q, %v", list, next, err)
			}
			forged := sqlstore.Cursor(2, list[0].LastMessageAt, list[0].ID)
			if _, _, err := db.FindThreads(context.Background(), w.contact, fieldportal.ThreadFilter{Page: fieldportal.Page{Limit: 1, After: forged}}); fieldErr(err) != "after" {
				t.Fatalf("a rank of 2: %v, want a refusal naming after", err)
			}
		})
	})
}
