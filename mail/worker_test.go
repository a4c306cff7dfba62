package mail_test

import (
	"context"
	"fmt"
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

// The worker's narrow view of the outbox is what the store provides.
var _ mail.OutboxStore = (*sqlstore.DB)(nil)

// clock is a store clock the test moves by hand.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// testLogger shows the worker's warnings and errors in the test's log.
func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

func fakeClock(db *sqlstore.DB) *clock {
	c := &clock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}
	db.Now = c.Now
	return c
}

func mustSender(t *testing.T, srv *smtptest.Server) *mail.SMTP {
	t.Helper()
	s, err := mail.NewSMTP(mail.Config{Host: srv.Host(), Port: srv.Port(), From: "Acme Portal <portal@acme.test>",
		TLS: mail.TLSNone, Timeout: 5 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func mustOrg(t *testing.T, db *sqlstore.DB) *fieldportal.Organisation {
	t.Helper()
	o := &fieldportal.Organisation{Name: "Acme Fire & Security"}
	if err := db.CreateOrganisation(context.Background(), o); err != nil {
		t.Fatal(err)
	}
	return o
}

func mustEnqueue(t *testing.T, db *sqlstore.DB, orgID, to, subject, body string) *fieldportal.OutboxMessage {
	t.Helper()
	m := mail.Outbox(orgID, "test", mail.Message{To: to, Subject: subject, Text: body})
	if err := db.Enqueue(context.Background(), m); err != nil {
		t.Fatal(err)
	}
	return m
}

// row reads one outbox row back through the console's query.
func row(t *testing.T, db *sqlstore.DB, orgID, id string) *fieldportal.OutboxMessage {
	t.Helper()
	list, _, err := db.FindOutbox(context.Background(), fieldportal.SystemViewer(orgID, "test"), fieldportal.OutboxFilter{})
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range list {
		if m.ID == id {
			return m
		}
	}
	t.Fatalf("outbox row %s not found", id)
	return nil
}

func runOnce(t *testing.T, w *mail.Worker, want int) {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if n != want {
		t.Fatalf("RunOnce sent %d, want %d", n, want)
	}
}

func TestWorkerSends(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		srv := smtptest.Start(t)
		org := mustOrg(t, db)
		var ids []string
		for i := range 3 {
			m := mustEnqueue(t, db, org.ID, fmt.Sprintf("user%d@example.test", i), fmt.Sprintf("Subject %d", i),
				fmt.Sprintf("Hello %d,\n\nLine two.\n", i))
			ids = append(ids, m.ID)
		}
		hook := &fieldportal.OutboxMessage{OrgID: org.ID, Kind: "webhook", Topic: "job.created", Payload: "{}"}
		if err := db.Enqueue(context.Background(), hook); err != nil {
			t.Fatal(err)
		}

		w := mail.NewWorker(db, mustSender(t, srv), nil)
		runOnce(t, w, 3)
		got := srv.WaitFor(t, 3, 5*time.Second)
		if len(got) != 3 {
			t.Fatalf("server got %d messages, want 3", len(got))
		}
		bySubject := map[string]smtptest.Received{}
		for _, r := range got {
			bySubject[r.Subject] = r
		}
		for i := range 3 {
			r, ok := bySubject[fmt.Sprintf("Subject %d", i)]
			if !ok {
				t.Fatalf("no message with subject %d: %+v", i, got)
			}
			to := fmt.Sprintf("user%d@example.test", i)
			if len(r.To) != 1 || r.To[0] != to || !strings.Contains(r.Header.Get("To"), to) {
				t.Errorf("message %d went to %v (header %q), want %s", i, r.To, r.Header.Get("To"), to)
			}
			if r.From != "portal@acme.test" || !strings.Contains(r.Header.Get("From"), "Acme Portal") {
				t.Errorf("message %d from %q (header %q)", i, r.From, r.Header.Get("From"))
			}
			if want := fmt.Sprintf("Hello %d,\n\nLine two.\n", i); r.Text != want {
				t.Errorf("message %d body %q, want %q", i, r.Text, want)
			}
			if m := row(t, db, org.ID, ids[i]); m.Status != fieldportal.OutboxSent || m.SentAt.IsZero() || m.Attempts != 1 {
				t.Errorf("row %d: status %s, sent at %v, attempts %d", i, m.Status, m.SentAt, m.Attempts)
			}
		}
		// Nothing is left to send, and the webhook row was never touched.
		runOnce(t, w, 0)
		if len(srv.Messages()) != 3 {
			t.Errorf("server got %d messages after a second run, want 3", len(srv.Messages()))
		}
		if h := row(t, db, org.ID, hook.ID); h.Status != fieldportal.OutboxPending || h.Attempts != 0 {
			t.Errorf("the mail worker touched a webhook row: status %s, attempts %d", h.Status, h.Attempts)
		}
	})
}

func TestWorkerRetriesWithBackoff(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		clk := fakeClock(db)
		srv := smtptest.Start(t)
		srv.Stop() // the mail server is down
		org := mustOrg(t, db)
		m := mustEnqueue(t, db, org.ID, "ann@example.test", "Your invitation", "Welcome.\n")
		w := mail.NewWorker(db, mustSender(t, srv), nil, mail.WithClock(clk.Now))

		for i, wait := range []time.Duration{30 * time.Second, time.Minute, 2 * time.Minute} {
			runOnce(t, w, 0)
			r := row(t, db, org.ID, m.ID)
			if r.Status != fieldportal.OutboxPending || r.Attempts != i+1 || r.LastError == "" {
				t.Fatalf("after failure %d: status %s, attempts %d, last error %q", i+1, r.Status, r.Attempts, r.LastError)
			}
			if want := clk.Now().Add(wait); !r.NextAttemptAt.Equal(want) {
				t.Fatalf("after failure %d: next attempt %v, want %v", i+1, r.NextAttemptAt, want)
			}
			// Not due yet: nothing is claimed, no attempt counted.
			clk.Add(wait - time.Second)
			runOnce(t, w, 0)
			if r := row(t, db, org.ID, m.ID); r.Attempts != i+1 {
				t.Fatalf("a message not yet due was tried (attempts %d)", r.Attempts)
			}
			clk.Add(time.Second)
		}

		srv.Restart(t)
		runOnce(t, w, 1)
		got := srv.WaitFor(t, 1, 5*time.Second)
		if got[0].Subject != "Your invitation" || got[0].To[0] != "ann@example.test" {
			t.Errorf("delivered %q to %v", got[0].Subject, got[0].To)
		}
		r := row(t, db, org.ID, m.ID)
		if r.Status != fieldportal.OutboxSent || r.LastError != "" || r.Attempts != 4 || !r.SentAt.Equal(clk.Now()) {
			t.Errorf("after delivery: status %s, last error %q, attempts %d, sent at %v", r.Status, r.LastError, r.Attempts, r.SentAt)
		}
	})
}

func TestWorkerGivesUpAfterADay(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		clk := fakeClock(db)
		srv := smtptest.Start(t)
		srv.Stop()
		org := mustOrg(t, db)
		m := mustEnqueue(t, db, org.ID, "ann@example.test", "Receipt", "Paid.\n")
		w := mail.NewWorker(db, mustSender(t, srv), nil, mail.WithClock(clk.Now))

		// Fail now and then just before the day is up: still retried.
		runOnce(t, w, 0)
		clk.Add(mail.GiveUpAfter - time.Minute)
		runOnce(t, w, 0)
		r := row(t, db, org.ID, m.ID)
		if r.Status != fieldportal.OutboxPending {
			t.Fatalf("before a day: status %s, want pending", r.Status)
		}
		if want := clk.Now().Add(time.Minute); !r.NextAttemptAt.Equal(want) {
			t.Fatalf("second back-off: next %v, want %v", r.NextAttemptAt, want)
		}
		clk.Add(time.Minute)
		runOnce(t, w, 0)
		r = row(t, db, org.ID, m.ID)
		if r.Status != fieldportal.OutboxFailed || r.LastError == "" || r.Attempts != 3 {
			t.Fatalf("after a day: status %s, last error %q, attempts %d; want failed", r.Status, r.LastError, r.Attempts)
		}
		// A failed message is never tried again, even with the server back.
		srv.Restart(t)
		clk.Add(48 * time.Hour)
		runOnce(t, w, 0)
		if n := len(srv.Messages()); n != 0 {
			t.Errorf("a failed message was sent (%d messages)", n)
		}
	})
}

func TestWorkerGivesUpOnBadAddressAtOnce(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		srv := smtptest.Start(t)
		org := mustOrg(t, db)
		m := mustEnqueue(t, db, org.ID, "not an address", "Hi", "Hi.\n")
		runOnce(t, mail.NewWorker(db, mustSender(t, srv), nil), 0)
		if r := row(t, db, org.ID, m.ID); r.Status != fieldportal.OutboxFailed || !strings.Contains(r.LastError, "not an address") {
			t.Errorf("status %s, last error %q; want failed naming the address", r.Status, r.LastError)
		}
	})
}

// A message the server accepted before the connection dropped is marked
// sent, and not sent again.
func TestWorkerAcceptedThenDropped(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		clk := fakeClock(db)
		srv := smtptest.Start(t, smtptest.WithFaults(smtptest.Faults{DropAfterData: true}))
		org := mustOrg(t, db)
		m := mustEnqueue(t, db, org.ID, "ann@example.test", "Receipt", "Paid.\n")
		w := mail.NewWorker(db, mustSender(t, srv), testLogger(t), mail.WithClock(clk.Now))
		runOnce(t, w, 1)
		if r := row(t, db, org.ID, m.ID); r.Status != fieldportal.OutboxSent || r.Attempts != 1 || r.LastError != "" {
			t.Errorf("status %s, attempts %d, last error %q; want sent at the first attempt", r.Status, r.Attempts, r.LastError)
		}
		clk.Add(time.Hour) // past any back-off
		runOnce(t, w, 0)
		if n := len(srv.WaitFor(t, 1, 5*time.Second)); n != 1 {
			t.Errorf("server got %d copies, want 1", n)
		}
	})
}

// A server stuck in a phase cannot hold a send past the claim: the send
// is cut off and the message put back for a retry within half the lease,
// long before another instance may take it.
func TestWorkerSlowServerEndsWithinTheLease(t *testing.T) {
	for _, phase := range []smtptest.Phase{smtptest.PhaseHello, smtptest.PhaseData} {
		t.Run(string(phase), func(t *testing.T) {
			sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
				srv := smtptest.Start(t, smtptest.WithFaults(smtptest.Faults{Delay: map[smtptest.Phase]time.Duration{phase: time.Minute}}))
				org := mustOrg(t, db)
				m := mustEnqueue(t, db, org.ID, "ann@example.test", "Hi", "Hi.\n")
				// A short send timeout in a long lease: the room left
				// (2 s less 300 ms to send and 500 ms to record) keeps a
				// claim slowed by a loaded machine from releasing the
				// message untried.
				const lease = 4 * time.Second
				w := mail.NewWorker(db, mustSender(t, srv), nil, mail.WithLease(lease), mail.WithSendTimeout(300*time.Millisecond))
				start := time.Now()
				runOnce(t, w, 0)
				if took := time.Since(start); took > lease/2 {
					t.Errorf("the worker held the claim for %v of a %v lease", took, lease)
				}
				if r := row(t, db, org.ID, m.ID); r.Status != fieldportal.OutboxPending || r.Attempts != 1 || r.LastError == "" {
					t.Errorf("status %s, attempts %d, last error %q; want a retry", r.Status, r.Attempts, r.LastError)
				}
			})
		})
	}
}

func TestNewWorkerChecksItsOptions(t *testing.T) {
	for _, tc := range []struct {
		name      string
		opts      []mail.WorkerOption
		wantPanic bool
	}{
		{"defaults", nil, false},
		{"a short lease with the default send timeout", []mail.WorkerOption{mail.WithLease(40 * time.Millisecond)}, false},
		{"a send timeout that fits", []mail.WorkerOption{mail.WithLease(time.Minute), mail.WithSendTimeout(20 * time.Second)}, false},
		{"a send timeout as long as half the lease", []mail.WorkerOption{mail.WithLease(time.Minute), mail.WithSendTimeout(30 * time.Second)}, true},
		{"a send timeout longer than the lease", []mail.WorkerOption{mail.WithLease(time.Minute), mail.WithSendTimeout(2 * time.Minute)}, true},
		{"no lease", []mail.WorkerOption{mail.WithLease(0)}, true},
		{"an empty id", []mail.WorkerOption{mail.WithID("")}, true},
		{"an id", []mail.WorkerOption{mail.WithID("web-1/10.0.0.5:8080")}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if got := recover() != nil; got != tc.wantPanic {
					t.Errorf("panicked: %v, want %v", got, tc.wantPanic)
				}
			}()
			mail.NewWorker(nil, nil, nil, tc.opts...)
		})
	}
}

// A worker that dies holding a claim leaves the message to another
// worker once the lease has run out, and not before.
func TestWorkerTakesOverAnExpiredLease(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		clk := fakeClock(db)
		srv := smtptest.Start(t)
		org := mustOrg(t, db)
		m := mustEnqueue(t, db, org.ID, "ann@example.test", "Hi", "Hi.\n")
		if got, err := db.ClaimOutbox(context.Background(), mail.Kind, "dead-worker", 10, mail.DefaultLease); err != nil || len(got) != 1 {
			t.Fatalf("claim: %v, %d", err, len(got))
		}
		w := mail.NewWorker(db, mustSender(t, srv), nil, mail.WithClock(clk.Now))
		runOnce(t, w, 0)
		clk.Add(mail.DefaultLease + time.Second)
		runOnce(t, w, 1)
		// The dead worker's late report cannot undo the delivery.
		if err := db.MarkOutboxRetry(context.Background(), m.ID, "dead-worker", "late", clk.Now(), true); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
			t.Fatalf("late report: err = %v, want a conflict", err)
		}
		if r := row(t, db, org.ID, m.ID); r.Status != fieldportal.OutboxSent {
			t.Errorf("status %s, want sent", r.Status)
		}
	})
}

// Two workers running at once against one database deliver every
// message exactly once.
func TestTwoWorkersSendEachMessageOnce(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		srv := smtptest.Start(t)
		org := mustOrg(t, db)
		const n = 30
		for i := range n {
			mustEnqueue(t, db, org.ID, fmt.Sprintf("u%d@example.test", i), fmt.Sprintf("Message %d", i), "Body.\n")
		}
		ctx, cancel := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		senders := []*countingSender{{s: mustSender(t, srv)}, {s: mustSender(t, srv)}}
		for _, s := range senders {
			w := mail.NewWorker(db, s, testLogger(t), mail.WithInterval(20*time.Millisecond), mail.WithBatch(3))
			wg.Go(func() { w.Run(ctx) })
		}
		srv.WaitFor(t, n, 30*time.Second)
		// Wait until every row is marked, then stop the workers; a second
		// delivery would have to come from a row still pending.
		deadline := time.Now().Add(10 * time.Second)
		for {
			list, _, err := db.FindOutbox(context.Background(), fieldportal.SystemViewer(org.ID, "test"),
				fieldportal.OutboxFilter{Kind: mail.Kind, Status: fieldportal.OutboxSent, Page: fieldportal.Page{Limit: 100}})
			if err != nil {
				t.Fatal(err)
			}
			if len(list) == n {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d rows marked sent", len(list), n)
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(50 * time.Millisecond) // room for a stray duplicate to arrive
		cancel()
		wg.Wait()
		got := srv.Messages()
		count := map[string]int{}
		for _, r := range got {
			count[r.Subject]++
		}
		for i := range n {
			if c := count[fmt.Sprintf("Message %d", i)]; c != 1 {
				t.Errorf("message %d delivered %d times", i, c)
			}
		}
		if len(got) != n {
			t.Errorf("server got %d messages, want %d", len(got), n)
		}
		t.Logf("the workers sent %d and %d", senders[0].n.Load(), senders[1].n.Load())
	})
}

// countingSender counts what one worker sent, to show both took part.
type countingSender struct {
	s mail.Sender
	n atomic.Int64
}

func (c *countingSender) Send(ctx context.Context, m mail.Message) error {
	err := c.s.Send(ctx, m)
	if err == nil {
		c.n.Add(1)
	}
	return err
}

func TestBackoff(t *testing.T) {
	for attempts, want := range map[int]time.Duration{
		0: 30 * time.Second, 1: 30 * time.Second, 2: time.Minute, 3: 2 * time.Minute, 4: 4 * time.Minute,
		7: 32 * time.Minute, 8: time.Hour, 9: time.Hour, 1000: time.Hour,
	} {
		if got := mail.Backoff(attempts); got != want {
			t.Errorf("Backoff(%d) = %v, want %v", attempts, got, want)
		}
	}
}
