package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// messageWorld is an organisation with a job at a site, a contact of the
// site's customer (with an address, a job contact), a staff user, and
// the office's support address; the store's clock is now.
type messageWorld struct {
	db      *sqlstore.DB
	now     *time.Time
	job     string
	cust    string
	contact fieldportal.Viewer
	staff   fieldportal.Viewer
	orgID   string
}

func mustMessageWorld(t *testing.T, db *sqlstore.DB) *messageWorld {
	t.Helper()
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	db.Now = func() time.Time { return now }
	t.Cleanup(func() { db.Now = time.Now })
	org := MustOrg(t, db, "Acme Services")
	sys := fieldportal.SystemViewer(org.ID, "test")
	cust := MustCustomer(t, db, sys, &fieldportal.Customer{Name: "Harbour Ltd"})
	site := MustSite(t, db, sys, &fieldportal.Site{Name: "Depot", CustomerID: cust.ID, Address: fieldportal.Address{Line1: "1 Quay"}})
	w := &messageWorld{db: db, now: &now, orgID: org.ID, cust: cust.ID, job: MustMoneyJob(t, db, org.ID, cust.ID, site.ID, "J-1001")}
	w.contact = MustMoneyContact(t, db, org.ID, cust.ID, fieldportal.SiteAccessAll, nil)
	mustMoneyExec(t, db, `UPDATE contacts SET email = 'pat@harbour.test', job_contact = TRUE WHERE id = $1`, w.contact.ContactID)
	mustMoneyExec(t, db, `UPDATE portal_logins SET page_access = $1 WHERE id = $2`, fieldportal.Modules(fieldportal.AllModules).String(), w.contact.LoginID)
	staffID := sqlstore.NewID()
	mustMoneyExec(t, db, `INSERT INTO staff_users (id, org_id, email, name, role, created_at, updated_at)
		VALUES ($1, $2, 'sam@acme.test', 'Sam', 'staff', $3, $3)`, staffID, org.ID, now)
	w.staff = fieldportal.NewStaffViewer(org.ID, staffID, "Sam", fieldportal.RoleStaff)
	st, err := db.FindSettings(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	st.Branding.SupportEmail = "office@acme.test"
	if err := db.UpdateSettings(ctx, sys, st); err != nil {
		t.Fatal(err)
	}
	return w
}

// post writes body on the job as v, minutes after the world's start.
func (w *messageWorld) post(t *testing.T, v fieldportal.Viewer, minutes int, body string) *fieldportal.Message {
	t.Helper()
	*w.now = time.Date(2026, 3, 2, 9, minutes, 0, 0, time.UTC)
	m, err := w.db.PostMessage(context.Background(), v, &fieldportal.NewMessage{RecordKind: "job", RecordID: w.job, Body: body})
	if err != nil {
		t.Fatalf("post %q: %v", body, err)
	}
	return m
}

// mailsTo lists the due times of the message mails to an address.
func (w *messageWorld) mailsTo(t *testing.T, to string) []time.Time {
	t.Helper()
	rows, err := w.db.SQL().Query(`SELECT next_attempt_at FROM outbox WHERE org_id = $1 AND kind = 'mail' AND topic = 'message'
		AND recipient = $2 ORDER BY next_attempt_at`, w.orgID, to)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []time.Time
	for rows.Next() {
		var at time.Time
		if err := rows.Scan(&at); err != nil {
			t.Fatal(err)
		}
		out = append(out, at.UTC())
	}
	return out
}

func TestMessages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustMessageWorld(t, db)

		t.Run("an empty message names its field", func(t *testing.T) {
			_, err := db.PostMessage(ctx, w.contact, &fieldportal.NewMessage{RecordKind: "job", RecordID: w.job, Body: "  \n "})
			if fieldportal.ErrorCode(err) != fieldportal.EINVALID || fieldErr(err) != "body" {
				t.Fatalf("got %v, want a refusal naming body", err)
			}
			_, err = db.PostMessage(ctx, w.contact, &fieldportal.NewMessage{RecordKind: "asset", RecordID: w.job, Body: "Hi"})
			if fieldErr(err) != "record_kind" {
				t.Fatalf("a thread on an asset: %v", err)
			}
		})

		t.Run("mail to the other side is batched in ten minutes", func(t *testing.T) {
			w.post(t, w.contact, 0, "The boiler is leaking.")
			w.post(t, w.contact, 5, "It is getting worse.")
			at := w.mailsTo(t, "office@acme.test")
			if len(at) != 1 || !at[0].Equal(time.Date(2026, 3, 2, 9, 10, 0, 0, time.UTC)) {
				t.Fatalf("office mails after two messages in five minutes: %v, want one due at 9:10", at)
			}
			w.post(t, w.contact, 11, "Still waiting.")
			if n := len(w.mailsTo(t, "office@acme.test")); n != 2 {
				t.Fatalf("office mails after a message past the window: %d, want 2", n)
			}
			w.post(t, w.staff, 12, "An engineer is on the way.")
			w.post(t, w.staff, 13, "He will be there by noon.")
			if at := w.mailsTo(t, "pat@harbour.test"); len(at) != 1 {
				t.Fatalf("the contact's mails: %v, want one", at)
			}
			// Once staff answered, the office's mail goes to them.
			w.post(t, w.contact, 30, "Thank you.")
			if at := w.mailsTo(t, "sam@acme.test"); len(at) != 1 {
				t.Fatalf("the answering staff user's mails: %v, want one", at)
			}
			if n := len(w.mailsTo(t, "office@acme.test")); n != 2 {
				t.Fatalf("the support address was mailed again (%d) although staff answered", n)
			}
		})

		t.Run("the queue and the unread count", func(t *testing.T) {
			waiting := func() int {
				list, _, err := db.FindThreads(ctx, w.staff, fieldportal.ThreadFilter{Waiting: true})
				if err != nil {
					t.Fatal(err)
				}
				return len(list)
			}
			if n := waiting(); n != 1 {
				t.Fatalf("%d threads waiting after the customer wrote last, want 1", n)
			}
			w.post(t, w.staff, 40, "You are welcome.")
			if n := waiting(); n != 0 {
				t.Fatalf("%d threads waiting after the office answered, want 0", n)
			}
			n, err := db.CountUnreadThreads(ctx, w.contact)
			if err != nil || n != 1 {
				t.Fatalf("unread threads %d, %v; want 1", n, err)
			}
			list, _, err := db.FindThreads(ctx, w.contact, fieldportal.ThreadFilter{})
			if err != nil || len(list) != 1 || !list[0].Unread {
				t.Fatalf("the contact's threads: %v, %v; want one unread", list, err)
			}
			th, err := db.ThreadForRecord(ctx, w.contact, "job", w.job)
			if err != nil || len(th.Posts) != 7 {
				t.Fatalf("the thread read: %v, %v", th, err)
			}
			if n, err := db.CountUnreadThreads(ctx, w.contact); err != nil || n != 0 {
				t.Fatalf("unread threads after reading: %d, %v; want 0", n, err)
			}
		})

		t.Run("API keys", func(t *testing.T) {
			read := fieldportal.NewAPIKeyViewer(w.orgID, sqlstore.NewID(), "read", fieldportal.APIKeyRead)
			if _, err := db.PostMessage(ctx, read, &fieldportal.NewMessage{RecordKind: "job", RecordID: w.job, Body: "Hi"}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Fatalf("a read key wrote: %v", err)
			}
			list, _, err := db.FindMessages(ctx, read, fieldportal.MessageFilter{RecordKind: "job", RecordID: w.job})
			if err != nil || len(list) != 7 {
				t.Fatalf("a read key lists %d messages, %v; want 7", len(list), err)
			}
			write := fieldportal.NewAPIKeyViewer(w.orgID, sqlstore.NewID(), "write", fieldportal.APIKeyWrite)
			m := w.post(t, write, 50, "From the back office.")
			if m.From != fieldportal.MessageFromOffice || m.AuthorName != "The office" {
				t.Fatalf("the key's message: %+v", m)
			}
			since, _, err := db.FindMessages(ctx, read, fieldportal.MessageFilter{UpdatedSince: time.Date(2026, 3, 2, 9, 45, 0, 0, time.UTC)})
			if err != nil || len(since) != 1 || since[0].ID != m.ID {
				t.Fatalf("messages changed since 9:45: %v, %v", since, err)
			}
			other := fieldportal.NewAPIKeyViewer(sqlstore.NewID(), sqlstore.NewID(), "other", fieldportal.APIKeyRead)
			if list, _, err := db.FindMessages(ctx, other, fieldportal.MessageFilter{}); err != nil || len(list) != 0 {
				t.Fatalf("another organisation's key lists %d, %v", len(list), err)
			}
		})
	})
}

// fieldErr is the field an error names, "" for none.
func fieldErr(err error) string {
	if e, ok := err.(*fieldportal.Error); ok {
		return e.Field
	}
	return ""
}
