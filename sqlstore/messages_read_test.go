package sqlstore_test

import (
	"context"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Reading a thread is a read (review): every job, quote, invoice, issue
// and site page reads its record's thread, and the console's thread page
// reads one, so reading must not wait for the store's writer (on SQLite a
// write transaction held the one writer's place for every page view);
// only a contact with something new to mark read writes its marker.
func TestThreadsReadWithoutWriting(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustMessageWorld(t, db)
		m := w.post(t, w.contact, 0, "The boiler is leaking.")
		if _, err := db.ThreadForRecord(ctx, w.contact, "job", w.job); err != nil {
			t.Fatal(err)
		}
		// Another writer holds its transaction open meanwhile.
		hold, err := db.BeginTx(ctx)
		if err != nil {
			t.Fatal(err)
		}
		defer hold.Rollback()
		// The writer holds on until the reads are done, so a read that
		// waited for it would end with the context's error: the deadline
		// is for a loaded machine (CI's race run is ten times slower than
		// alone), not a speed test.
		read := func(name string, fn func(ctx context.Context) error) {
			t.Helper()
			ctx, cancel := context.WithTimeout(ctx, 60*time.Second)
			defer cancel()
			if err := fn(ctx); err != nil {
				t.Errorf("%s while another write is under way: %v", name, err)
			}
		}
		read("staff reading a record's thread", func(ctx context.Context) error {
			_, err := db.ThreadForRecord(ctx, w.staff, "job", w.job)
			return err
		})
		read("staff reading a thread by id", func(ctx context.Context) error {
			_, err := db.FindThreadByID(ctx, w.staff, m.ThreadID)
			return err
		})
		read("a contact reading a thread it has read", func(ctx context.Context) error {
			_, err := db.ThreadForRecord(ctx, w.contact, "job", w.job)
			return err
		})
		read("a contact reading a record with no thread", func(ctx context.Context) error {
			_, err := db.ThreadForRecord(ctx, w.contact, "site", MustSiteOfJob(t, db, w.job))
			return err
		})
		if err := hold.Rollback(); err != nil {
			t.Fatal(err)
		}

		// What is marked read is what was shown: the office's answer
		// is unread until the contact reads the thread again.
		w.post(t, w.staff, 5, "An engineer is on the way.")
		if n, err := db.CountUnreadThreads(ctx, w.contact); err != nil || n != 1 {
			t.Fatalf("unread threads after the office answered: %d, %v; want 1", n, err)
		}
		th, err := db.ThreadForRecord(ctx, w.contact, "job", w.job)
		if err != nil || len(th.Posts) != 2 {
			t.Fatalf("the thread: %v, %v", th, err)
		}
		if n, err := db.CountUnreadThreads(ctx, w.contact); err != nil || n != 0 {
			t.Fatalf("unread threads after reading: %d, %v; want 0", n, err)
		}
	})
}

// MustSiteOfJob returns a job's site.
func MustSiteOfJob(tb testing.TB, db *sqlstore.DB, jobID string) string {
	tb.Helper()
	var id string
	if err := db.SQL().QueryRowContext(context.Background(), `SELECT site_id FROM jobs WHERE id = $1`, jobID).Scan(&id); err != nil {
		tb.Fatal(err)
	}
	return id
}
