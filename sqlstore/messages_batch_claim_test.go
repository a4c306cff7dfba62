package sqlstore_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestMessageMailWindowBounds: a queued message mail is judged by the
// office's messages of its own window only: a message written when the
// window ends starts the next mail and does not keep the read one.
func TestMessageMailWindowBounds(t *testing.T) {
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
		t.Run("a message at the window's end belongs to the next mail", func(t *testing.T) {
			w.post(t, w.staff, 0, "We have booked an engineer.")
			read(t, 5)
			w.post(t, w.staff, 10, "He comes on Tuesday.")
			if got := w.claimMessageMails(t, 10); len(got) != 0 {
				t.Errorf("the read window's mail was sent: %v", got)
			}
			if got := w.claimMessageMails(t, 20); len(got) != 1 {
				t.Errorf("the next window's mail: %v, want one", got)
			}
		})
	})
}

// TestMessageMailHeldByAnotherWorker: a due message mail that another
// worker holds under a live claim is neither dropped nor claimed again
// by the next claim, even when its contact has read it since; the holder
// still records its delivery.
func TestMessageMailHeldByAnotherWorker(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustMessageWorld(t, db)
		w.post(t, w.staff, 0, "We have booked an engineer.")
		// A worker holds the mail (one that claimed it without looking
		// at message_mails, as a previous version did).
		until := time.Date(2026, 3, 2, 9, 15, 0, 0, time.UTC)
		mustMoneyExec(t, db, `UPDATE outbox SET claimed_by = 'old-worker', claimed_until = $1 WHERE topic = 'message' AND recipient = 'pat@harbour.test'`, until)
		*w.now = time.Date(2026, 3, 2, 9, 11, 0, 0, time.UTC)
		if _, err := db.ThreadForRecord(ctx, w.contact, "job", w.job); err != nil {
			t.Fatal(err)
		}
		if got := w.claimMessageMails(t, 12); len(got) != 0 {
			t.Errorf("a held mail was claimed again: %v", got)
		}
		var id string
		if err := db.SQL().QueryRow(`SELECT id FROM outbox WHERE topic = 'message' AND recipient = 'pat@harbour.test'`).Scan(&id); err != nil {
			t.Fatalf("the held mail was dropped under its holder: %v", err)
		}
		if err := db.MarkOutboxSent(ctx, id, "old-worker"); err != nil {
			t.Errorf("the holder could not record its delivery: %v", err)
		}
	})
}

// TestMessageMailClaimsAtOnce: workers claiming the due mails at the same
// time each take a different mail, send every unread one exactly once,
// drop every read one, fail on none (no deadlock between their drops and
// claims), and leave no message_mails row behind.
func TestMessageMailClaimsAtOnce(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustMessageWorld(t, db)
		var site string
		if err := db.SQL().QueryRow(`SELECT site_id FROM jobs WHERE id = $1`, w.job).Scan(&site); err != nil {
			t.Fatal(err)
		}
		const jobs = 24
		wantSent := map[string]bool{}
		for i := 0; i < jobs; i++ {
			job := MustMoneyJob(t, db, w.orgID, w.cust, site, fmt.Sprintf("J-2%03d", i))
			*w.now = time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
			m, err := db.PostMessage(ctx, w.staff, &fieldportal.NewMessage{RecordKind: "job", RecordID: job, Body: "Booked."})
			if err != nil {
				t.Fatal(err)
			}
			if i%2 == 0 {
				*w.now = time.Date(2026, 3, 2, 9, 5, 0, 0, time.UTC)
				if _, err := db.ThreadForRecord(ctx, w.contact, "job", job); err != nil {
					t.Fatal(err)
				}
			} else {
				wantSent[m.ThreadID] = true
			}
		}
		*w.now = time.Date(2026, 3, 2, 9, 10, 0, 0, time.UTC)
		var mu sync.Mutex
		claimed := map[string]string{}
		var wg sync.WaitGroup
		errs := make(chan error, 4)
		for k := 0; k < 4; k++ {
			worker := fmt.Sprintf("worker-%d", k)
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					got, err := db.ClaimOutbox(ctx, "mail", worker, 2, time.Minute)
					if err != nil {
						errs <- fmt.Errorf("%s: %w", worker, err)
						return
					}
					if len(got) == 0 {
						return
					}
					for _, m := range got {
						mu.Lock()
						if other, ok := claimed[m.ID]; ok {
							errs <- fmt.Errorf("mail %s claimed by %s and %s", m.ID, other, worker)
						}
						claimed[m.ID] = worker
						mu.Unlock()
						if err := db.MarkOutboxSent(ctx, m.ID, worker); err != nil {
							errs <- err
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
		var sent, left int
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM outbox WHERE topic = 'message' AND recipient = 'pat@harbour.test' AND status = 'sent'`).Scan(&sent); err != nil {
			t.Fatal(err)
		}
		if sent != len(wantSent) {
			t.Errorf("%d mails sent, want %d (the unread threads')", sent, len(wantSent))
		}
		if err := db.SQL().QueryRow(`SELECT COUNT(*) FROM message_mails`).Scan(&left); err != nil || left != 0 {
			t.Errorf("%d message_mails rows left, %v; want none", left, err)
		}
	})
}

// TestMessageMailAfterDrop: a message whose transaction began before its
// thread's window ended but reached the thread after the window's mail
// was dropped as read (a poster racing the mail worker) is not folded
// into the dropped mail, where nobody would hear of it: it starts the
// next mail.
func TestMessageMailAfterDrop(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustMessageWorld(t, db)
		w.post(t, w.staff, 0, "We have booked an engineer.")
		*w.now = time.Date(2026, 3, 2, 9, 5, 0, 0, time.UTC)
		if _, err := db.ThreadForRecord(ctx, w.contact, "job", w.job); err != nil {
			t.Fatal(err)
		}
		if got := w.claimMessageMails(t, 10); len(got) != 0 {
			t.Fatalf("the read mail was sent: %v", got)
		}
		// The transaction's clock reads 9:09:59; it reaches the thread at
		// 9:10, after the worker dropped the window's mail.
		*w.now = time.Date(2026, 3, 2, 9, 9, 59, 0, time.UTC)
		sqlstore.ObserveQueries(db, func(q string, _ []any) {
			if strings.Contains(q, "UPDATE message_threads SET message_count") {
				*w.now = time.Date(2026, 3, 2, 9, 10, 0, 0, time.UTC)
			}
		})
		_, err := db.PostMessage(ctx, w.staff, &fieldportal.NewMessage{RecordKind: "job", RecordID: w.job, Body: "He comes on Tuesday."})
		sqlstore.ObserveQueries(db, nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := w.claimMessageMails(t, 20); len(got) != 1 {
			t.Errorf("mails for the message written as the window closed: %v, want one", got)
		}
	})
}
