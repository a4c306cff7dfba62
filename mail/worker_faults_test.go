package mail_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

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

// A worker that stops midway through a batch hands the messages it has
// not tried back at once, so that another instance need not wait out the
// lease for them; a message whose record failed stays claimed, as it may
// have gone out.
func TestWorkerReleasesTheRestOfABatch(t *testing.T) {
	for _, tc := range []struct {
		name string
		// fault makes the first worker stop after its first send; it
		// returns the store that worker uses.
		fault func(db *sqlstore.DB, stop context.CancelFunc) mail.OutboxStore
		// firstKept: the first message stays claimed (its record failed).
		firstKept bool
	}{
		{name: "the mark of a sent mail fails", firstKept: true, fault: func(db *sqlstore.DB, _ context.CancelFunc) mail.OutboxStore {
			o := &crashOutbox{OutboxStore: db}
			o.crashes.Store(1)
			return o
		}},
		{name: "the worker is stopped", fault: func(db *sqlstore.DB, stop context.CancelFunc) mail.OutboxStore {
			return &stopAfterSend{OutboxStore: db, stop: stop}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
				clk := fakeClock(db)
				srv := smtptest.Start(t)
				org := mustOrg(t, db)
				var ids []string
				for i := range 3 {
					ids = append(ids, mustEnqueue(t, db, org.ID, "ann@example.test", fmt.Sprintf("Mail %d", i), "x\n").ID)
				}
				ctx, stop := context.WithCancel(context.Background())
				defer stop()
				first := mail.NewWorker(tc.fault(db, stop), mustSender(t, srv), nil, mail.WithClock(clk.Now))
				if n, _ := first.RunOnce(ctx); n != 1 {
					t.Fatalf("the first worker sent %d, want 1 before it stopped", n)
				}
				// Which message went first is up to the claim's order; its
				// Message-ID says.
				sent := srv.WaitFor(t, 1, 5*time.Second)[0].Header.Get("Message-Id")
				tried := strings.TrimSuffix(strings.TrimPrefix(sent, "<"), "@acme.test>")
				untried := slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == tried })
				if len(untried) != 2 {
					t.Fatalf("the first worker sent %s, not one of %v", sent, ids)
				}
				// No time passes: only released messages can be claimed.
				got, err := db.ClaimOutbox(context.Background(), mail.Kind, "other-worker", 10, mail.DefaultLease)
				if err != nil {
					t.Fatal(err)
				}
				var claimed []string
				for _, m := range got {
					claimed = append(claimed, m.ID)
				}
				if diff := cmp.Diff(untried, claimed, cmpopts.SortSlices(func(a, b string) bool { return a < b })); diff != "" {
					t.Errorf("another worker could claim (-want +got):\n%s", diff)
				}
				wantFirst := fieldportal.OutboxSent
				if tc.firstKept {
					wantFirst = fieldportal.OutboxPending // and claimed, or the other worker would have it
				}
				if r := row(t, db, org.ID, tried); r.Status != wantFirst {
					t.Errorf("the first message is %s, want %s", r.Status, wantFirst)
				}
				if n := len(srv.Messages()); n != 1 {
					t.Errorf("the server got %d messages, want 1", n)
				}
			})
		})
	}
}

// stopAfterSend stops the worker (cancels its context) once its first
// mail is marked sent, as a signal arriving then would.
type stopAfterSend struct {
	mail.OutboxStore
	stop context.CancelFunc
}

func (o *stopAfterSend) MarkOutboxSent(ctx context.Context, id, worker string) error {
	defer o.stop()
	return o.OutboxStore.MarkOutboxSent(ctx, id, worker)
}

// A worker restarted under its instance's id takes back at once what its
// previous process had claimed and left unsent, instead of waiting out
// the lease; claims of other instances it leaves alone.
func TestWorkerRestartTakesBackItsClaims(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		clk := fakeClock(db)
		srv := smtptest.Start(t)
		org := mustOrg(t, db)
		ctx := context.Background()
		other := mustEnqueue(t, db, org.ID, "bob@example.test", "Other instance's", "x\n")
		if got, err := db.ClaimOutbox(ctx, mail.Kind, "instance-2", 10, mail.DefaultLease); err != nil || len(got) != 1 {
			t.Fatalf("instance-2's claim: %v, %d messages", err, len(got))
		}
		for i := range 3 {
			mustEnqueue(t, db, org.ID, "ann@example.test", fmt.Sprintf("Mail %d", i), "x\n")
		}
		// The previous process of instance-1 claimed them and died.
		if got, err := db.ClaimOutbox(ctx, mail.Kind, "instance-1", 10, mail.DefaultLease); err != nil || len(got) != 3 {
			t.Fatalf("instance-1's claim: %v, %d messages", err, len(got))
		}

		clk.Add(time.Second) // far inside the lease
		w := mail.NewWorker(db, mustSender(t, srv), testLogger(t), mail.WithID("instance-1"), mail.WithClock(clk.Now))
		runOnce(t, w, 3)
		runOnce(t, w, 0)
		if got := srv.WaitFor(t, 3, 5*time.Second); len(got) != 3 {
			t.Errorf("the server got %d messages, want 3", len(got))
		}
		if r := row(t, db, org.ID, other.ID); r.Status != fieldportal.OutboxPending {
			t.Errorf("instance-2's message is %s, want pending", r.Status)
		}
		if err := db.MarkOutboxSent(ctx, other.ID, "instance-2"); err != nil {
			t.Errorf("instance-2 lost its claim: %v", err)
		}
	})
}
