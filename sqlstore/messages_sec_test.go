package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestMessageFilesNeedUpload: a message's files are uploads (SPEC §2.4):
// a contact whose organisation hides the upload button, or who may not
// use Documents, writes text only; the files are refused naming
// attachments before any byte is stored, and nothing is written.
func TestMessageFilesNeedUpload(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustMessageWorld(t, db)
		file := []fieldportal.Upload{{Name: "photo.png", ContentType: "image/png", Data: []byte("\x89PNG\r\n\x1a\nnot really")}}
		hidden := fieldportal.NewContactViewer(w.orgID, fieldportal.ContactGrants{Name: "Pat", LoginID: w.contact.LoginID,
			ContactID: w.contact.ContactID, CustomerID: w.contact.CustomerID, SiteAccess: fieldportal.SiteAccessAll,
			Pages: fieldportal.Modules(fieldportal.AllModules)},
			fieldportal.Settings{Modules: fieldportal.AllModules, HiddenActions: []fieldportal.Action{fieldportal.ActionUpload}})
		noDocs := MustMoneyContact(t, db, w.orgID, w.contact.CustomerID, fieldportal.SiteAccessAll, nil, fieldportal.ModuleService)
		for name, v := range map[string]fieldportal.Viewer{"upload hidden": hidden, "no documents": noDocs} {
			t.Run(name, func(t *testing.T) {
				_, err := db.PostMessage(ctx, v, &fieldportal.NewMessage{RecordKind: "job", RecordID: w.job, Body: "See the photo.", Files: file})
				if fieldportal.ErrorCode(err) != fieldportal.EINVALID || fieldErr(err) != "attachments" {
					t.Fatalf("got %v, want a refusal naming attachments", err)
				}
				if _, err := db.PostMessage(ctx, v, &fieldportal.NewMessage{RecordKind: "job", RecordID: w.job, Body: "Text only."}); err != nil {
					t.Fatalf("a message without files: %v", err)
				}
			})
		}
		var n int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM message_attachments WHERE org_id = $1`, w.orgID).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%d files stored, %v; want none", n, err)
		}
		t.Run("a contact who may upload attaches", func(t *testing.T) {
			m, err := db.PostMessage(ctx, w.contact, &fieldportal.NewMessage{RecordKind: "job", RecordID: w.job, Body: "See the photo.", Files: file})
			if err != nil || len(m.Attachments) != 1 {
				t.Fatalf("got %v, %v; want one file", m, err)
			}
		})
	})
}

// TestThreadFollowsItsRecord: a thread copies its record's customer and
// site for its lists, counts and mail; when the back office moves the
// record to another customer's site, or moves the site itself to
// another customer, the old customer's contacts no longer list, count
// or get mail about the thread, and the new customer's do.
func TestThreadFollowsItsRecord(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustMessageWorld(t, db)
		sys := fieldportal.SystemViewer(w.orgID, "test")
		other := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "Other Ltd"})
		yard := MustSite(t, db, sys, &fieldportal.Site{Name: "Yard", CustomerID: other.ID, Address: fieldportal.Address{Line1: "2 Lane"}})
		stranger := MustMoneyContact(t, db, w.orgID, other.ID, fieldportal.SiteAccessAll, nil)
		listed := func(v fieldportal.Viewer) int {
			t.Helper()
			list, _, err := db.FindThreads(ctx, v, fieldportal.ThreadFilter{})
			if err != nil {
				t.Fatal(err)
			}
			return len(list)
		}
		unread := func(v fieldportal.Viewer) int {
			t.Helper()
			n, err := db.CountUnreadThreads(ctx, v)
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		w.post(t, w.contact, 0, "The boiler is leaking.")
		w.post(t, w.staff, 1, "On our way.")

		t.Run("a job moved to another customer's site", func(t *testing.T) {
			j, err := db.FindJobByID(ctx, w.staff, w.job)
			if err != nil {
				t.Fatal(err)
			}
			j.SiteID, j.CustomerID = yard.ID, other.ID
			if err := db.UpdateJob(ctx, w.staff, j); err != nil {
				t.Fatal(err)
			}
			if n, u := listed(w.contact), unread(w.contact); n != 0 || u != 0 {
				t.Fatalf("the old customer's contact lists %d threads, %d unread; want none", n, u)
			}
			if n := listed(stranger); n != 1 {
				t.Fatalf("the new customer's contact lists %d threads, want 1", n)
			}
		})

		t.Run("a site moved to another customer", func(t *testing.T) {
			st, err := db.FindSiteByID(ctx, w.staff, yard.ID)
			if err != nil {
				t.Fatal(err)
			}
			st.CustomerID = w.contact.CustomerID
			if err := db.UpdateSite(ctx, w.staff, st); err != nil {
				t.Fatal(err)
			}
			if n := listed(stranger); n != 0 {
				t.Fatalf("the site's old customer's contact lists %d threads, want none", n)
			}
			// The job keeps its customer; the site's decides.
			before := len(w.mailsTo(t, "pat@harbour.test"))
			mustMoneyExec(t, db, `UPDATE contacts SET email = 'sol@other.test', job_contact = TRUE WHERE id = $1`, stranger.ContactID)
			mustMoneyExec(t, db, `UPDATE portal_logins SET page_access = $1 WHERE id = $2`, fieldportal.Modules(fieldportal.AllModules).String(), stranger.LoginID)
			*w.now = w.now.Add(time.Hour)
			if _, err := db.PostMessage(ctx, w.staff, &fieldportal.NewMessage{RecordKind: "job", RecordID: w.job, Body: "Done."}); err != nil {
				t.Fatal(err)
			}
			if n := len(w.mailsTo(t, "sol@other.test")); n != 0 {
				t.Fatalf("the site's old customer's contact was mailed %d times, want none", n)
			}
			if n := len(w.mailsTo(t, "pat@harbour.test")); n != before+1 {
				t.Fatalf("the site's customer's contact was mailed %d times, want %d", n, before+1)
			}
			if n := listed(stranger); n != 0 {
				t.Fatalf("after a message, the site's old customer's contact lists %d threads, want none", n)
			}
			if n := listed(w.contact); n != 1 {
				t.Fatalf("the site's customer's contact lists %d threads, want 1", n)
			}
		})
	})
}
