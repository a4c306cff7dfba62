package mail_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/mail"
	"github.com/fieldportal/fieldportal/mail/smtptest"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// logRecorder keeps the records a worker logs, so that a test can see an
// error was not kept quiet.
type logRecorder struct {
	mu      sync.Mutex
	records []string // level and message and attributes, as text
}

func (r *logRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *logRecorder) WithAttrs([]slog.Attr) slog.Handler       { return r } // the worker's own attributes are not needed
func (r *logRecorder) WithGroup(string) slog.Handler            { return r }
func (r *logRecorder) Handle(_ context.Context, rec slog.Record) error {
	var b strings.Builder
	b.WriteString(rec.Level.String() + " " + rec.Message)
	rec.Attrs(func(a slog.Attr) bool {
		b.WriteString(" " + a.String())
		return true
	})
	r.mu.Lock()
	defer r.mu.Unlock()
	r.records = append(r.records, b.String())
	return nil
}

// find returns the first record of level that contains every one of subs.
func (r *logRecorder) find(level slog.Level, subs ...string) (string, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
next:
	for _, rec := range r.records {
		if !strings.HasPrefix(rec, level.String()+" ") {
			continue
		}
		for _, s := range subs {
			if !strings.Contains(rec, s) {
				continue next
			}
		}
		return rec, true
	}
	return "", false
}

// senderFunc adapts a function to mail.Sender.
type senderFunc func(ctx context.Context, m mail.Message) error

func (f senderFunc) Send(ctx context.Context, m mail.Message) error { return f(ctx, m) }

// A send that outlives its claim lets another worker take the message;
// the first worker's mark then matches no claim, and that is an error,
// logged even while the worker stops, never a silent no-op.
func TestWorkerLostClaimIsReported(t *testing.T) {
	for _, tc := range []struct {
		name    string
		sendErr bool // the first worker's send fails instead (its retry mark finds the claim gone)
	}{
		{name: "sent"},
		{name: "retry", sendErr: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
				clk := fakeClock(db)
				srv := smtptest.Start(t)
				org := mustOrg(t, db)
				m := mustEnqueue(t, db, org.ID, "ann@example.test", "Hi", "Hi.\n")
				real := mustSender(t, srv)
				ctx, stop := context.WithCancel(context.Background())
				defer stop()
				// While the first worker sends, its lease runs out, another
				// worker takes the message over, and the program is told
				// to stop.
				slow := senderFunc(func(sctx context.Context, msg mail.Message) error {
					clk.Add(mail.DefaultLease + time.Second)
					if got, err := db.ClaimOutbox(context.Background(), mail.Kind, "other-worker", 10, mail.DefaultLease); err != nil || len(got) != 1 {
						t.Errorf("take over: %v, %d messages", err, len(got))
					}
					stop()
					if tc.sendErr {
						return context.Canceled
					}
					return real.Send(context.WithoutCancel(sctx), msg)
				})
				rec := &logRecorder{}
				w := mail.NewWorker(db, slow, slog.New(rec), mail.WithClock(clk.Now), mail.WithInterval(time.Millisecond))
				done := make(chan struct{})
				go func() { defer close(done); w.Run(ctx) }()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					t.Fatal("Run did not return after its context ended")
				}
				if got, ok := rec.find(slog.LevelError, m.ID, "claim"); !ok {
					t.Errorf("no error logged naming message %s and its lost claim; logged:\n%s", m.ID, strings.Join(rec.records, "\n"))
				} else {
					t.Logf("logged: %s", got)
				}
				// The other worker's claim is untouched: it alone may mark it.
				if err := db.MarkOutboxSent(context.Background(), m.ID, "other-worker"); err != nil {
					t.Errorf("the new holder's mark: %v", err)
				}
			})
		})
	}
	t.Run("RunOnce returns it", func(t *testing.T) {
		sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
			clk := fakeClock(db)
			srv := smtptest.Start(t)
			org := mustOrg(t, db)
			m := mustEnqueue(t, db, org.ID, "ann@example.test", "Hi", "Hi.\n")
			real := mustSender(t, srv)
			slow := senderFunc(func(sctx context.Context, msg mail.Message) error {
				clk.Add(mail.DefaultLease + time.Second)
				if _, err := db.ClaimOutbox(context.Background(), mail.Kind, "other-worker", 10, mail.DefaultLease); err != nil {
					t.Error(err)
				}
				return real.Send(sctx, msg)
			})
			w := mail.NewWorker(db, slow, nil, mail.WithClock(clk.Now))
			n, err := w.RunOnce(context.Background())
			if fieldportal.ErrorCode(err) != fieldportal.ECONFLICT || !strings.Contains(err.Error(), m.ID) {
				t.Errorf("err = %v, want a conflict naming message %s", err, m.ID)
			}
			if n != 1 {
				t.Errorf("RunOnce counted %d sent, want 1: the mail did go out", n)
			}
		})
	})
}

// crashOutbox is the store as a worker sees it when its process dies
// between a send and its record: the first marks of sent mail never reach
// the database.
type crashOutbox struct {
	mail.OutboxStore
	crashes atomic.Int32 // marks still to lose
}

func (o *crashOutbox) MarkOutboxSent(ctx context.Context, id, worker string) error {
	if o.crashes.Add(-1) >= 0 {
		return errors.New("crashed before marking the mail sent")
	}
	return o.OutboxStore.MarkOutboxSent(ctx, id, worker)
}

// A crash after the server accepted a mail sends it again once the lease
// has run out (at least once, as promised), but every copy carries the
// same Message-ID, taken from the outbox row, so that receiving systems
// can tell it is one mail.
func TestWorkerResendKeepsTheMessageID(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		clk := fakeClock(db)
		srv := smtptest.Start(t)
		org := mustOrg(t, db)
		m := mustEnqueue(t, db, org.ID, "ann@example.test", "Receipt", "Paid.\n")
		crashing := &crashOutbox{OutboxStore: db}
		crashing.crashes.Store(1)
		if _, err := mail.NewWorker(crashing, mustSender(t, srv), nil, mail.WithClock(clk.Now)).RunOnce(context.Background()); err == nil {
			t.Fatal("RunOnce hid the failed mark")
		}
		clk.Add(mail.DefaultLease + time.Second)
		runOnce(t, mail.NewWorker(db, mustSender(t, srv), nil, mail.WithClock(clk.Now)), 1)

		got := srv.WaitFor(t, 2, 5*time.Second)
		want := "<" + m.ID + "@acme.test>"
		for i, r := range got {
			if id := r.Header.Get("Message-Id"); id != want {
				t.Errorf("copy %d has Message-ID %q, want %q", i+1, id, want)
			}
		}
		if r := row(t, db, org.ID, m.ID); r.Status != fieldportal.OutboxSent || r.Attempts != 2 {
			t.Errorf("status %s after %d attempts, want sent after 2", r.Status, r.Attempts)
		}
	})
}
