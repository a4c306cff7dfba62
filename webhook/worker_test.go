package webhook_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/fieldportal/fieldportal/webhook"
)

// The worker's narrow view of the store is what the store provides.
var _ webhook.Store = (*sqlstore.DB)(nil)

// testPolicy lets the tests' receivers on 127.0.0.1 be reached; the
// production default refuses them (TestGuard).
var testPolicy = fieldportal.WebhookURLPolicy{AllowHTTP: true, AllowPrivate: true}

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

func fakeClock(db *sqlstore.DB) *clock {
	c := &clock{t: time.Now().UTC().Truncate(time.Second)}
	db.Now = c.Now
	return c
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
}

// Delivery is one POST a Receiver got.
type Delivery struct {
	EventID, Type, Source string
	Body                  []byte
	Verified              error
}

// Receiver is a back office's endpoint on loopback: it verifies each
// delivery's signature and answers with the status fail gives (200 when
// nil) after hold.
type Receiver struct {
	*httptest.Server
	Secret string
	mu     sync.Mutex
	got    []Delivery
	fail   func(n int) int
	hold   time.Duration
	// inFlight counts the POSTs of each event being answered now, and
	// overlap is set when one event was being delivered twice at once.
	inFlight map[string]int
	overlap  atomic.Bool
}

func MustReceiver(tb testing.TB, fail func(n int) int, hold time.Duration) *Receiver {
	tb.Helper()
	r := &Receiver{fail: fail, hold: hold, inFlight: map[string]int{}}
	r.Server = httptest.NewServer(http.HandlerFunc(r.serve))
	tb.Cleanup(r.Close)
	return r
}

func (r *Receiver) serve(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var ev struct{ ID, Type, Source string }
	_ = json.Unmarshal(body, &ev)
	r.mu.Lock()
	r.inFlight[ev.ID]++
	if r.inFlight[ev.ID] > 1 {
		r.overlap.Store(true)
	}
	n := len(r.got)
	r.got = append(r.got, Delivery{EventID: ev.ID, Type: ev.Type, Source: ev.Source, Body: body,
		Verified: webhook.Verify(r.Secret, req.Header.Get(webhook.SignatureHeader), body, time.Now(), 0)})
	r.mu.Unlock()
	time.Sleep(r.hold)
	r.mu.Lock()
	r.inFlight[ev.ID]--
	r.mu.Unlock()
	status := http.StatusOK
	if r.fail != nil {
		status = r.fail(n)
	}
	w.WriteHeader(status)
	fmt.Fprintf(w, "answer %d", n)
}

// Got returns the deliveries so far.
func (r *Receiver) Got() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.got...)
}

// MustEndpoint registers the receiver for every event of a new
// organisation and returns the organisation's id.
func MustEndpoint(tb testing.TB, db *sqlstore.DB, r *Receiver) (orgID string, e *fieldportal.WebhookEndpoint) {
	tb.Helper()
	ctx := context.Background()
	db.WebhookURLs = testPolicy
	org := &fieldportal.Organisation{Name: "Acme Fire & Security"}
	if err := db.CreateOrganisation(ctx, org); err != nil {
		tb.Fatal(err)
	}
	e, err := db.CreateWebhookEndpoint(ctx, fieldportal.SystemViewer(org.ID, "test"),
		fieldportal.WebhookEndpointInput{URL: r.URL + "/hooks", Events: []string{"*"}})
	if err != nil {
		tb.Fatal(err)
	}
	r.mu.Lock()
	r.Secret = e.Secret
	r.mu.Unlock()
	return org.ID, e
}

// MustQueue queues one event for the endpoint, as the store's emitEvent
// does.
func MustQueue(tb testing.TB, db *sqlstore.DB, orgID, endpointID, eventID string) *fieldportal.OutboxMessage {
	tb.Helper()
	body := fmt.Sprintf(`{"id":%q,"type":"issue.created","created_at":"2026-03-02T09:00:00Z","source":"portal","data":{}}`, eventID)
	m := &fieldportal.OutboxMessage{OrgID: orgID, Kind: webhook.Kind, Topic: "issue.created", Payload: body, EndpointID: endpointID}
	if err := db.Enqueue(context.Background(), m); err != nil {
		tb.Fatal(err)
	}
	return m
}

// MustDeliveries reads an endpoint's deliveries as the console does.
func MustDeliveries(tb testing.TB, db *sqlstore.DB, orgID, endpointID string) []*fieldportal.WebhookDelivery {
	tb.Helper()
	list, _, err := db.FindWebhookDeliveries(context.Background(), fieldportal.SystemViewer(orgID, "test"), endpointID, fieldportal.Page{Limit: 500})
	if err != nil {
		tb.Fatal(err)
	}
	return list
}

func mustRunOnce(t *testing.T, w *webhook.Worker, want int) {
	t.Helper()
	n, err := w.RunOnce(context.Background())
	if err != nil {
		t.Fatalf("RunOnce: %v", err)
	}
	if n != want {
		t.Fatalf("RunOnce tried %d deliveries, want %d", n, want)
	}
}

func statuses(d *fieldportal.WebhookDelivery) []int {
	var out []int
	for _, a := range d.Attempts {
		out = append([]int{a.StatusCode}, out...) // oldest first
	}
	return out
}

func TestWorkerDeliversSigned(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		r := MustReceiver(t, nil, 0)
		orgID, e := MustEndpoint(t, db, r)
		m := MustQueue(t, db, orgID, e.ID, "ev-1")
		w := webhook.NewWorker(db, webhook.NewHTTPSender(testPolicy), testLogger(t))
		mustRunOnce(t, w, 1)
		mustRunOnce(t, w, 0) // delivered: not sent again

		got := r.Got()
		if len(got) != 1 || got[0].EventID != "ev-1" || got[0].Verified != nil {
			t.Fatalf("receiver got %+v, want ev-1 once with a good signature", got)
		}
		ds := MustDeliveries(t, db, orgID, e.ID)
		if len(ds) != 1 || ds[0].ID != m.ID || ds[0].Status != fieldportal.OutboxSent {
			t.Fatalf("deliveries = %+v, want %s sent", ds, m.ID)
		}
		a := ds[0].Attempts
		if len(a) != 1 || a[0].StatusCode != 200 || a[0].Response != "answer 0" || a[0].Error != "" {
			t.Errorf("attempts = %+v, want one 200 with the answer", a)
		}
	})
}

// A receiver that fails three times then succeeds gets the event on the
// fourth attempt, each attempt logged, the same event id every time.
func TestWorkerRetriesUntilDelivered(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		r := MustReceiver(t, func(n int) int {
			if n < 3 {
				return http.StatusServiceUnavailable
			}
			return http.StatusNoContent
		}, 0)
		orgID, e := MustEndpoint(t, db, r)
		MustQueue(t, db, orgID, e.ID, "ev-retry")
		var waits []int
		w := webhook.NewWorker(db, webhook.NewHTTPSender(testPolicy), testLogger(t),
			webhook.WithBackoff(func(attempts int) time.Duration { waits = append(waits, attempts); return 0 }))
		for range 4 {
			mustRunOnce(t, w, 1)
		}
		mustRunOnce(t, w, 0)
		ds := MustDeliveries(t, db, orgID, e.ID)
		if diff := cmp.Diff([]int{503, 503, 503, 204}, statuses(ds[0])); diff != "" {
			t.Errorf("attempts' statuses (-want +got):\n%s", diff)
		}
		if ds[0].Status != fieldportal.OutboxSent || ds[0].OutboxMessage.Attempts != 4 {
			t.Errorf("delivery %s after %d attempts, want sent after 4", ds[0].Status, ds[0].OutboxMessage.Attempts)
		}
		if diff := cmp.Diff([]int{1, 2, 3, 4}, waits); diff != "" {
			t.Errorf("back-off asked for attempts (-want +got):\n%s", diff)
		}
		for _, d := range r.Got() {
			if d.EventID != "ev-retry" || d.Verified != nil {
				t.Errorf("receiver got %q (signature: %v), want ev-retry signed", d.EventID, d.Verified)
			}
		}
	})
}

// A restart during back-off loses no event: the delivery waits in the
// outbox, and a new worker (a new process) sends it once it is due.
func TestWorkerRestartDuringBackoff(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		var fails atomic.Bool
		fails.Store(true)
		r := MustReceiver(t, func(int) int {
			if fails.Load() {
				return http.StatusBadGateway
			}
			return http.StatusOK
		}, 0)
		orgID, e := MustEndpoint(t, db, r)
		clk := fakeClock(db)
		MustQueue(t, db, orgID, e.ID, "ev-restart")

		ctx, stop := context.WithCancel(context.Background())
		first := webhook.NewWorker(db, webhook.NewHTTPSender(testPolicy), testLogger(t), webhook.WithID("host/a"),
			webhook.WithClock(clk.Now), webhook.WithInterval(5*time.Millisecond))
		done := make(chan struct{})
		go func() { first.Run(ctx); close(done) }()
		// Stop once the failed attempt is recorded: a stop that cuts the
		// POST short is retried at once, not backed off. (A deadline for
		// a loaded machine, not a speed test.)
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(5 * time.Millisecond) {
			if ds := MustDeliveries(t, db, orgID, e.ID); len(ds) == 1 && len(ds[0].Attempts) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the first worker never tried the delivery")
			}
		}
		stop()
		<-done
		fails.Store(false)

		second := webhook.NewWorker(db, webhook.NewHTTPSender(testPolicy), testLogger(t), webhook.WithID("host/a"), webhook.WithClock(clk.Now))
		mustRunOnce(t, second, 0) // still backing off
		clk.Add(2 * time.Minute)  // past the first back-off (at most 30 s)
		mustRunOnce(t, second, 1)
		ds := MustDeliveries(t, db, orgID, e.ID)
		if diff := cmp.Diff([]int{502, 200}, statuses(ds[0])); diff != "" || ds[0].Status != fieldportal.OutboxSent {
			t.Errorf("delivery %s, statuses (-want +got):\n%s", ds[0].Status, diff)
		}
	})
}

// Workers racing over one outbox never deliver one event twice at the
// same time, and deliver every event.
func TestWorkersNeverOverlap(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		r := MustReceiver(t, nil, 20*time.Millisecond)
		orgID, e := MustEndpoint(t, db, r)
		const events = 12
		for i := range events {
			MustQueue(t, db, orgID, e.ID, fmt.Sprintf("ev-%02d", i))
		}
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		// A long timeout in a long lease: a POST to the 20 ms receiver
		// cut off on a loaded machine would be posted again after its
		// back-off, and counted twice below though no worker died.
		for i := range 3 {
			w := webhook.NewWorker(db, webhook.NewHTTPSender(testPolicy), testLogger(t), webhook.WithID(fmt.Sprintf("w%d", i)),
				webhook.WithBatch(2), webhook.WithInterval(2*time.Millisecond), webhook.WithLease(30*time.Second), webhook.WithTimeout(10*time.Second))
			wg.Go(func() { w.Run(ctx) })
		}
		// A deadline for a loaded machine, not a speed test.
		for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(10 * time.Millisecond) {
			n := 0
			for _, d := range MustDeliveries(t, db, orgID, e.ID) {
				if d.Status == fieldportal.OutboxSent {
					n++
				}
			}
			if n == events {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("%d of %d events delivered", n, events)
			}
		}
		stop()
		wg.Wait()
		if r.overlap.Load() {
			t.Error("one event was being delivered twice at the same time")
		}
		seen := map[string]int{}
		for _, d := range r.Got() {
			seen[d.EventID]++
		}
		if len(seen) != events {
			t.Errorf("receiver got %d distinct events, want %d", len(seen), events)
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("event %s delivered %d times, want once (no worker died)", id, n)
			}
		}
	})
}

// An endpoint that failed every attempt for the whole retry period is
// turned off, its admins mailed in the same transaction; one that
// answered meanwhile is kept.
func TestWorkerDisablesFailingEndpoint(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		var ok atomic.Bool
		r := MustReceiver(t, func(int) int {
			if ok.Load() {
				return http.StatusOK
			}
			return http.StatusInternalServerError
		}, 0)
		orgID, e := MustEndpoint(t, db, r)
		sys := fieldportal.SystemViewer(orgID, "test")
		if err := db.CreateStaffUser(ctx, sys, &fieldportal.StaffUser{Email: "boss@acme.test", Name: "Boss", Role: fieldportal.RoleAdmin}); err != nil {
			t.Fatal(err)
		}
		clk := fakeClock(db)
		w := webhook.NewWorker(db, webhook.NewHTTPSender(testPolicy), testLogger(t), webhook.WithClock(clk.Now),
			webhook.WithBackoff(func(int) time.Duration { return time.Minute }))

		first := MustQueue(t, db, orgID, e.ID, "ev-a")
		mustRunOnce(t, w, 1)
		clk.Add(time.Hour)
		ok.Store(true)
		MustQueue(t, db, orgID, e.ID, "ev-b")
		mustRunOnce(t, w, 2) // ev-a's retry and ev-b both go out
		ok.Store(false)
		clk.Add(webhook.GiveUpAfter)
		third := MustQueue(t, db, orgID, e.ID, "ev-c")
		mustRunOnce(t, w, 1) // ev-c fails once
		got, err := db.FindWebhookEndpoint(ctx, sys, e.ID)
		if err != nil || !got.Active {
			t.Fatalf("endpoint after one failure: %+v, %v; want on", got, err)
		}
		clk.Add(webhook.GiveUpAfter)
		mustRunOnce(t, w, 1) // ev-c given up: every attempt since it was queued failed
		got, err = db.FindWebhookEndpoint(ctx, sys, e.ID)
		if err != nil || got.Active || got.DisabledReason == "" {
			t.Fatalf("endpoint after a day of failures: %+v, %v; want off with a reason", got, err)
		}
		mails, _, err := db.FindOutbox(ctx, sys, fieldportal.OutboxFilter{Kind: "mail"})
		if err != nil || len(mails) != 1 || mails[0].Recipient != "boss@acme.test" || mails[0].Topic != "webhook_disabled" {
			t.Fatalf("mails = %+v, %v; want one webhook_disabled to boss@acme.test", mails, err)
		}
		for _, d := range MustDeliveries(t, db, orgID, e.ID) {
			want := map[string]string{first.ID: fieldportal.OutboxSent, third.ID: fieldportal.OutboxFailed}[d.ID]
			if want != "" && d.Status != want {
				t.Errorf("delivery %s is %s, want %s", d.ID, d.Status, want)
			}
		}
		// A turned-off endpoint gets nothing: a new event is given up at
		// once, with the reason in its attempt.
		MustQueue(t, db, orgID, e.ID, "ev-d")
		n := len(r.Got())
		mustRunOnce(t, w, 1)
		if len(r.Got()) != n {
			t.Error("a turned-off endpoint was posted to")
		}
	})
}

// A receiver's answer is kept whatever bytes it holds: PostgreSQL's text
// takes no NUL, and an answer with one made the attempt's record fail, so
// a delivered event was never marked sent and went out again after every
// lease, for ever, with nothing in the log.
func TestWorkerKeepsAnswerWithNUL(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		r := &Receiver{Server: httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.WriteHeader(http.StatusOK)
			io.WriteString(w, "ok\x00done")
		}))}
		t.Cleanup(r.Close)
		orgID, e := MustEndpoint(t, db, r)
		MustQueue(t, db, orgID, e.ID, "ev-nul")
		w := webhook.NewWorker(db, webhook.NewHTTPSender(testPolicy), testLogger(t))
		mustRunOnce(t, w, 1)
		ds := MustDeliveries(t, db, orgID, e.ID)
		if len(ds) != 1 || ds[0].Status != fieldportal.OutboxSent || len(ds[0].Attempts) != 1 {
			t.Fatalf("deliveries = %+v, want one sent after one attempt", ds)
		}
		if got := ds[0].Attempts[0].Response; got != "ok\uFFFDdone" {
			t.Errorf("attempt's answer = %q, want the NUL shown as U+FFFD", got)
		}
	})
}

// A receiver that does not answer within the timeout is an attempt too:
// logged with no status and the error, and the delivery kept for a
// retry after its back-off.
func TestWorkerRecordsATimeout(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		r := MustReceiver(t, nil, 600*time.Millisecond)
		orgID, e := MustEndpoint(t, db, r)
		clk := fakeClock(db)
		MustQueue(t, db, orgID, e.ID, "ev-slow")
		w := webhook.NewWorker(db, webhook.NewHTTPSender(testPolicy), testLogger(t), webhook.WithClock(clk.Now),
			webhook.WithLease(4*time.Second), webhook.WithTimeout(100*time.Millisecond))
		mustRunOnce(t, w, 1)
		mustRunOnce(t, w, 0) // backing off
		ds := MustDeliveries(t, db, orgID, e.ID)
		if len(ds) != 1 || ds[0].Status != fieldportal.OutboxPending || !ds[0].NextAttemptAt.After(clk.Now()) {
			t.Fatalf("deliveries = %+v, want one pending with a later retry", ds)
		}
		a := ds[0].Attempts
		if len(a) != 1 || a[0].StatusCode != 0 || a[0].Error == "" || a[0].Duration < 100*time.Millisecond {
			t.Errorf("attempts = %+v, want one with no status, the timeout's error and its duration", a)
		}
	})
}

// A replay queues the event again only when no delivery of it to the
// endpoint is pending: two rows of one event, both due, would let two
// workers post it at the same time.
func TestReplayWaitsForThePendingDelivery(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		r := MustReceiver(t, nil, 0)
		orgID, e := MustEndpoint(t, db, r)
		admin := fieldportal.SystemViewer(orgID, "test")
		m := MustQueue(t, db, orgID, e.ID, "ev-replay")
		if _, err := db.ReplayWebhookDelivery(ctx, admin, e.ID, m.ID); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
			t.Errorf("replay while pending: %v, want ECONFLICT", err)
		}
		w := webhook.NewWorker(db, webhook.NewHTTPSender(testPolicy), testLogger(t))
		mustRunOnce(t, w, 1)
		again, err := db.ReplayWebhookDelivery(ctx, admin, e.ID, m.ID)
		if err != nil {
			t.Fatalf("replay once sent: %v", err)
		}
		if _, err := db.ReplayWebhookDelivery(ctx, admin, e.ID, m.ID); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
			t.Errorf("second replay while the first is pending: %v, want ECONFLICT", err)
		}
		if got := len(MustDeliveries(t, db, orgID, e.ID)); got != 2 {
			t.Errorf("%d deliveries, want the event and one replay", got)
		}
		mustRunOnce(t, w, 1)
		if again.Payload != m.Payload {
			t.Errorf("replay body %s, want %s", again.Payload, m.Payload)
		}
		if got := r.Got(); len(got) != 2 || got[1].EventID != "ev-replay" {
			t.Errorf("receiver got %+v, want ev-replay twice", got)
		}
	})
}

// An endpoint deleted while one of its events is being posted takes the
// delivery with it: the worker has nothing to record and goes on, with no
// error claiming another worker may deliver it again.
func TestWorkerEndpointDeletedDuringPost(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		var orgID, endpointID string
		r := MustReceiver(t, func(int) int {
			if err := db.DeleteWebhookEndpoint(context.Background(), fieldportal.SystemViewer(orgID, "test"), endpointID); err != nil {
				t.Errorf("delete during the POST: %v", err)
			}
			return http.StatusOK
		}, 0)
		var e *fieldportal.WebhookEndpoint
		orgID, e = MustEndpoint(t, db, r)
		endpointID = e.ID
		MustQueue(t, db, orgID, e.ID, "ev-gone")
		w := webhook.NewWorker(db, webhook.NewHTTPSender(testPolicy), testLogger(t))
		mustRunOnce(t, w, 1)
		mustRunOnce(t, w, 0)
		if len(r.Got()) != 1 {
			t.Errorf("receiver got %d posts, want 1", len(r.Got()))
		}
	})
}

// senderFunc is a Sender of a test.
type senderFunc func(ctx context.Context) (webhook.Result, error)

func (f senderFunc) Post(ctx context.Context, _ string, _ []byte, _ string) (webhook.Result, error) {
	return f(ctx)
}

// A receiver's failing answer is its failure even when the worker is told
// to stop as it arrives: the delivery backs off, rather than being tried
// again at once by the next process as if the stop had cut it short.
func TestWorkerStoppingAfterAnAnswer(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		r := MustReceiver(t, nil, 0)
		orgID, e := MustEndpoint(t, db, r)
		clk := fakeClock(db)
		MustQueue(t, db, orgID, e.ID, "ev-stop")
		ctx, stop := context.WithCancel(context.Background())
		defer stop()
		w := webhook.NewWorker(db, senderFunc(func(context.Context) (webhook.Result, error) {
			stop() // the program stops just as the answer arrives
			return webhook.Result{StatusCode: http.StatusBadGateway}, nil
		}), testLogger(t), webhook.WithClock(clk.Now))
		if _, err := w.RunOnce(ctx); err != nil {
			t.Fatal(err)
		}
		ds := MustDeliveries(t, db, orgID, e.ID)
		if len(ds) != 1 || len(ds[0].Attempts) != 1 || !ds[0].NextAttemptAt.After(clk.Now()) {
			t.Fatalf("deliveries = %+v, want one attempt and a retry after a back-off", ds)
		}
	})
}
