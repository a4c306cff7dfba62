package webhook

import (
	"context"
	crand "crypto/rand"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/outbox"
)

// Kind is the outbox kind of webhook deliveries.
const Kind = "webhook"

// Defaults of a Worker.
const (
	DefaultInterval = 5 * time.Second
	DefaultLease    = 2 * time.Minute
	DefaultBatch    = 10
	// DefaultTimeout bounds one POST, from connecting to the answer.
	DefaultTimeout = 15 * time.Second
	// GiveUpAfter is how long a delivery is retried, counted from when
	// it was queued (SPEC §6: a day); then it is marked failed.
	GiveUpAfter = 24 * time.Hour

	firstRetry = 30 * time.Second
	maxRetry   = time.Hour
)

// Store is the outbox and the endpoints as the worker uses them, declared
// here so that webhook does not depend on the store (*sqlstore.DB is
// one). Only the worker holding a message's claim may record on it.
type Store interface {
	outbox.Store
	// WebhookTarget is a delivery's endpoint with its secret; ENOTFOUND
	// once deleted.
	WebhookTarget(ctx context.Context, endpointID string) (*fieldportal.WebhookEndpoint, error)
	// RecordWebhookAttempt records an attempt and its outcome on a
	// message worker holds, in one transaction; ECONFLICT without the
	// claim, ENOTFOUND once the message is deleted with its endpoint.
	RecordWebhookAttempt(ctx context.Context, worker string, a *fieldportal.WebhookAttempt, o fieldportal.WebhookOutcome) error
}

// Worker delivers the outbox's webhook messages through a Sender, in the
// claim loop the outbox's workers share (outbox.Loop).
type Worker struct {
	db          Store
	sender      Sender
	now         func() time.Time
	log         *slog.Logger
	id          string
	interval    time.Duration
	lease       time.Duration
	batch       int
	sendTimeout time.Duration
	markTimeout time.Duration
	giveUpAfter time.Duration
	backoff     func(attempts int) time.Duration
	loop        *outbox.Loop
}

// Option adjusts a Worker.
type Option func(*Worker)

// WithID sets the worker's claim id: unique among live workers, the same
// across restarts of one instance (as mail.WithID).
func WithID(id string) Option { return func(w *Worker) { w.id = id } }

// WithInterval sets how often Run looks for due deliveries.
func WithInterval(d time.Duration) Option { return func(w *Worker) { w.interval = d } }

// WithLease sets how long a claim keeps other workers off a delivery.
func WithLease(d time.Duration) Option { return func(w *Worker) { w.lease = d } }

// WithTimeout bounds one POST (DefaultTimeout, at most a quarter of the
// lease).
func WithTimeout(d time.Duration) Option { return func(w *Worker) { w.sendTimeout = d } }

// WithBatch sets how many deliveries one claim takes.
func WithBatch(n int) Option { return func(w *Worker) { w.batch = n } }

// WithClock sets the clock retry times and the give-up age are reckoned
// by; tests pass the store's clock.
func WithClock(now func() time.Time) Option { return func(w *Worker) { w.now = now } }

// WithBackoff replaces the wait after the attempts-th failed attempt
// (Backoff); tests make it short.
func WithBackoff(f func(attempts int) time.Duration) Option { return func(w *Worker) { w.backoff = f } }

// WithGiveUpAfter sets how long a delivery is retried (GiveUpAfter).
func WithGiveUpAfter(d time.Duration) Option { return func(w *Worker) { w.giveUpAfter = d } }

// NewWorker returns a worker. Like mail.NewWorker it panics when the
// options leave no room for a POST and its record inside half the lease.
func NewWorker(db Store, sender Sender, logger *slog.Logger, opts ...Option) *Worker {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Worker{db: db, sender: sender, now: time.Now, id: "webhook-" + crand.Text(), interval: DefaultInterval,
		lease: DefaultLease, batch: DefaultBatch, giveUpAfter: GiveUpAfter, backoff: Backoff}
	for _, opt := range opts {
		opt(w)
	}
	if w.sendTimeout == 0 {
		w.sendTimeout = min(DefaultTimeout, w.lease/4)
	}
	w.markTimeout = outbox.MarkTimeout(w.lease)
	w.log = logger.With("worker", w.id)
	w.loop = &outbox.Loop{Store: db, Kind: Kind, ID: w.id, Interval: w.interval, Lease: w.lease, Batch: w.batch,
		SendTimeout: w.sendTimeout, MarkTimeout: w.markTimeout, Now: w.now, Log: w.log,
		Deliver: func(ctx context.Context, m *fieldportal.OutboxMessage) (bool, error) { return true, w.deliver(ctx, m) }}
	if err := w.loop.Check(); err != nil {
		panic("webhook: " + err.Error())
	}
	return w
}

// ID is the worker's claim id.
func (w *Worker) ID() string { return w.id }

// Run delivers due events until ctx ends (outbox.Loop.Run).
func (w *Worker) Run(ctx context.Context) { w.loop.Run(ctx) }

// RunOnce claims one batch of due deliveries and tries each, after, on
// the first run, releasing what a previous process left claimed under
// the worker's id. It returns how many were tried; a receiver's failure
// is recorded on the delivery, not returned; a database failure is.
func (w *Worker) RunOnce(ctx context.Context) (tried int, err error) { return w.loop.RunOnce(ctx) }

// deliver POSTs one claimed delivery and records the attempt.
func (w *Worker) deliver(ctx context.Context, m *fieldportal.OutboxMessage) error {
	a := &fieldportal.WebhookAttempt{DeliveryID: m.ID}
	target, err := w.db.WebhookTarget(ctx, m.EndpointID)
	if err != nil && fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
		w.loop.Release(ctx, []*fieldportal.OutboxMessage{m})
		return err
	}
	if err != nil || !target.Active {
		// Turned off (or deleted) after the event was queued: nothing
		// to try, and nothing that waiting mends; a replay sends it
		// once the endpoint is back on.
		a.Error = "the endpoint is turned off"
		a.AttemptedAt = w.now()
		return w.record(ctx, m, a, fieldportal.WebhookOutcome{Next: a.AttemptedAt, GiveUp: true})
	}
	// The attempt's duration starts before its deadline does, so a POST
	// cut off by the timeout is recorded as lasting at least the timeout.
	start := time.Now()
	sendCtx, cancel := context.WithTimeout(ctx, w.sendTimeout)
	a.AttemptedAt = w.now()
	res, sendErr := w.sender.Post(sendCtx, target.URL, []byte(m.Payload), Sign(target.Secret, a.AttemptedAt, []byte(m.Payload)))
	a.Duration = time.Since(start)
	cancel()
	a.StatusCode, a.Response = res.StatusCode, res.Body
	delivered := sendErr == nil && res.StatusCode >= 200 && res.StatusCode < 300
	if sendErr != nil {
		a.Error = sendErr.Error()
	}
	now := w.now()
	o := fieldportal.WebhookOutcome{Delivered: delivered, Next: now.Add(w.backoff(m.Attempts))}
	switch {
	case delivered:
		w.log.Info("webhook delivered", "id", m.ID, "topic", m.Topic, "status", res.StatusCode, "attempts", m.Attempts)
	case sendErr != nil && ctx.Err() != nil:
		// Stopping cut the POST short, not the receiver's failure: the
		// next run tries now. An answer that arrived is the receiver's.
		o.Next = now
	case now.Sub(m.CreatedAt) >= w.giveUpAfter:
		o.GiveUp, o.DisableEndpoint = true, true
		w.log.Error("webhook failed, giving up", "id", m.ID, "topic", m.Topic, "attempts", m.Attempts, "status", res.StatusCode, "err", sendErr)
	default:
		w.log.Warn("webhook not delivered, will retry", "id", m.ID, "topic", m.Topic, "attempts", m.Attempts, "status", res.StatusCode,
			"next", o.Next, "err", sendErr)
	}
	return w.record(ctx, m, a, o)
}

// record stores an attempt, also after ctx ended, explaining a failure.
func (w *Worker) record(ctx context.Context, m *fieldportal.OutboxMessage, a *fieldportal.WebhookAttempt, o fieldportal.WebhookOutcome) error {
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.markTimeout)
	defer cancel()
	err := w.db.RecordWebhookAttempt(mctx, w.id, a, o)
	switch {
	case err == nil:
		return nil
	case fieldportal.ErrorCode(err) == fieldportal.ENOTFOUND:
		// Deleted with its endpoint meanwhile: nothing left to record.
		w.log.Info("webhook delivery deleted with its endpoint", "id", m.ID, "topic", m.Topic)
		return nil
	case fieldportal.ErrorCode(err) == fieldportal.ECONFLICT:
		return fmt.Errorf("webhook %s: the claim ran out before the attempt was recorded; another worker took it over and may deliver it again: %w", m.ID, err)
	default:
		return fmt.Errorf("webhook %s: recording the attempt failed, so it is tried again when its claim runs out: %w", m.ID, err)
	}
}

// Backoff is the wait after the attempts-th failed attempt: 30 s, then
// doubling up to an hour, each drawn at random from its upper half, so
// that the deliveries of one outage do not all come back at once.
func Backoff(attempts int) time.Duration {
	d := firstRetry
	for i := 1; i < attempts && d < maxRetry; i++ {
		d *= 2
	}
	d = min(d, maxRetry)
	return d/2 + rand.N(d/2+1)
}
