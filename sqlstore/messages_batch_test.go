package sqlstore_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestMessagePageFilesInOneQuery: the API's list of messages reads the
// files of its page's messages in one query, not one per message, and
// each message keeps its own files.
func TestMessagePageFilesInOneQuery(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustMessageWorld(t, db)
		for i, body := range []string{"One.", "Two.", "Three.", "Four."} {
			*w.now = w.now.Add(time.Second)
			files := []fieldportal.Upload{{Name: body + "txt", ContentType: "text/plain", Data: []byte(body)}}
			if i == 2 {
				files = nil
			}
			if _, err := db.PostMessage(ctx, w.staff, &fieldportal.NewMessage{RecordKind: "job", RecordID: w.job, Body: body, Files: files}); err != nil {
				t.Fatal(err)
			}
		}
		read := fieldportal.NewAPIKeyViewer(w.orgID, sqlstore.NewID(), "read", fieldportal.APIKeyRead)
		var reads int
		sqlstore.ObserveQueries(db, func(q string, _ []any) {
			if strings.Contains(q, "FROM message_attachments") {
				reads++
			}
		})
		list, _, err := db.FindMessages(ctx, read, fieldportal.MessageFilter{Page: fieldportal.Page{Limit: 3}})
		sqlstore.ObserveQueries(db, nil)
		if err != nil || len(list) != 3 {
			t.Fatalf("got %d messages, %v; want 3", len(list), err)
		}
		if reads != 1 {
			t.Errorf("the files of a page of 3 messages were read in %d queries, want 1", reads)
		}
		for i, want := range []string{"One.txt", "Two.txt", ""} {
			var got string
			if len(list[i].Attachments) == 1 {
				got = list[i].Attachments[0].Name
			}
			if got != want || len(list[i].Attachments) > 1 {
				t.Errorf("message %d (%s) has files %v, want %q", i, list[i].Body, list[i].Attachments, want)
			}
		}
		// The fourth message, past the page, was not one of them.
		list, _, err = db.FindMessages(ctx, read, fieldportal.MessageFilter{Page: fieldportal.Page{Limit: 10}})
		if err != nil || len(list) != 4 || len(list[3].Attachments) != 1 || list[3].Attachments[0].Name != "Four.txt" {
			t.Fatalf("all messages: %v, %v", list, err)
		}
	})
}

// claimMessageMails claims the due mails at the given minute, marks them
// sent, and returns the recipients of the message mails among them.
func (w *messageWorld) claimMessageMails(t *testing.T, minutes int) []string {
	t.Helper()
	*w.now = time.Date(2026, 3, 2, 9, minutes, 0, 0, time.UTC)
	got, err := w.db.ClaimOutbox(context.Background(), "mail", "test-worker", 100, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, m := range got {
		if err := w.db.MarkOutboxSent(context.Background(), m.ID, "test-worker"); err != nil {
			t.Fatal(err)
		}
		if m.Topic == "message" {
			out = append(out, m.Recipient)
		}
	}
	return out
}

// TestMessageMailSkipsRead: when the batched mail to a contact is due,
// the messages the contact has read meanwhile are left out, and with
// none left unread nothing is sent; a message written after the read
// keeps the mail. A contact who turned the mail off is not queued one,
// and a queued one is dropped when the contact turns it off before it
// is due.
func TestMessageMailSkipsRead(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustMessageWorld(t, db)
		read := func(t *testing.T, minutes int) {
			t.Helper()
			*w.now = time.Date(2026, 3, 2, 9, minutes, 0, 0, time.UTC)
			if _, err := db.ThreadForRecord(ctx, w.contact, "job", w.job); err != nil {
				t.Fatal(err)
			}
		}
		t.Run("read before the mail is due: nothing is sent", func(t *testing.T) {
			w.post(t, w.staff, 0, "We have booked an engineer.")
			w.post(t, w.staff, 2, "He comes on Tuesday.")
			read(t, 5)
			if got := w.claimMessageMails(t, 10); len(got) != 0 {
				t.Errorf("mails sent after the contact read everything: %v", got)
			}
			if at := w.mailsTo(t, "pat@harbour.test"); len(at) != 0 {
				t.Errorf("the contact's mail is still queued: %v", at)
			}
		})
		t.Run("a message after the read keeps the mail", func(t *testing.T) {
			w.post(t, w.staff, 20, "Could you leave the gate open?")
			read(t, 22)
			w.post(t, w.staff, 25, "And the dog inside?")
			if got := w.claimMessageMails(t, 30); len(got) != 1 || got[0] != "pat@harbour.test" {
				t.Errorf("mails sent with a message unread: %v, want one to pat", got)
			}
		})
		t.Run("nothing read: the mail goes", func(t *testing.T) {
			w.post(t, w.staff, 40, "The engineer is running late.")
			if got := w.claimMessageMails(t, 49); len(got) != 0 {
				t.Errorf("a mail went before its window ended: %v", got)
			}
			if got := w.claimMessageMails(t, 50); len(got) != 1 {
				t.Errorf("mails sent with the message unread: %v, want one", got)
			}
		})
		t.Run("turned off before it is due: dropped", func(t *testing.T) {
			w.post(t, w.staff, 52, "He is here now.")
			mustMoneyExec(t, db, `INSERT INTO contact_mail_off (contact_id, kind, org_id) VALUES ($1, 'office_message', $2)`, w.contact.ContactID, w.orgID)
			if got := w.claimMessageMails(t, 62); len(got) != 0 {
				t.Errorf("mails sent to a contact who turned them off: %v", got)
			}
			var n int
			if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM message_mails`).Scan(&n); err != nil || n != 0 {
				t.Errorf("%d mails still waiting for their window, %v; want none", n, err)
			}
		})
		t.Run("turned off: none queued", func(t *testing.T) {
			before := len(w.mailsTo(t, "pat@harbour.test"))
			*w.now = time.Date(2026, 3, 2, 10, 30, 0, 0, time.UTC)
			if _, err := db.PostMessage(ctx, w.staff, &fieldportal.NewMessage{RecordKind: "job", RecordID: w.job, Body: "Done."}); err != nil {
				t.Fatal(err)
			}
			if n := len(w.mailsTo(t, "pat@harbour.test")) - before; n != 0 {
				t.Errorf("%d mails queued to a contact who turned them off", n)
			}
		})
	})
}

// TestMessageMailRecheckedForAccess: a contact's batched mail is looked
// at again when it is due: a contact who can no longer see the record
// by then (its login disabled, the record's page or site taken away) is
// not told of it, while another contact who still sees it keeps its own
// mail.
func TestMessageMailRecheckedForAccess(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		w := mustMessageWorld(t, db)
		other := MustMoneyContact(t, db, w.orgID, w.cust, fieldportal.SiteAccessAll, nil)
		mustMoneyExec(t, db, `UPDATE contacts SET email = 'lee@harbour.test', job_contact = TRUE WHERE id = $1`, other.ContactID)
		mustMoneyExec(t, db, `UPDATE portal_logins SET page_access = $1 WHERE id = $2`, fieldportal.Modules(fieldportal.AllModules).String(), other.LoginID)
		restore := func() {
			mustMoneyExec(t, db, `UPDATE portal_logins SET status = 'active', site_access = 'all', page_access = $1 WHERE id = $2`,
				fieldportal.Modules(fieldportal.AllModules).String(), w.contact.LoginID)
		}
		for i, tc := range []struct {
			name, change string
			args         []any
		}{
			{"login disabled", `UPDATE portal_logins SET status = 'disabled' WHERE id = $1`, nil},
			{"jobs page taken away", `UPDATE portal_logins SET page_access = $2 WHERE id = $1`,
				[]any{fieldportal.Modules{fieldportal.ModuleInvoices}.String()}},
			{"site taken away", `UPDATE portal_logins SET site_access = 'assigned' WHERE id = $1`, nil},
		} {
			t.Run(tc.name, func(t *testing.T) {
				start := i * 20
				w.post(t, w.staff, start, "We have booked an engineer.")
				mustMoneyExec(t, db, tc.change, append([]any{w.contact.LoginID}, tc.args...)...)
				defer restore()
				got := w.claimMessageMails(t, start+10)
				if len(got) != 1 || got[0] != "lee@harbour.test" {
					t.Errorf("mails sent: %v, want only the one to lee, who still sees the job", got)
				}
			})
		}
	})
}
