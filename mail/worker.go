package mail

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/outbox"
)

// Defaults of a Worker.
const (
	DefaultInterval = 5 * time.Second
	DefaultLease    = 2 * time.Minute
	DefaultBatch    = 10
	// GiveUpAfter is how long a message is retried, counted from when it
	// was queued; then it is marked failed and shown so in the mail log.
	GiveUpAfter = 24 * time.Hour

	firstRetry = 30 * time.Second
	maxRetry   = time.Hour
)

// OutboxStore is the outbox as the worker uses it, declared here so that
// mail does not depend on the store (*sqlstore.DB is one): the claim
// loop's outbox.Store, and MarkOutboxSent. Only the worker holding a
// message's claim may mark it.
type OutboxStore interface {
	outbox.Store
	// MarkOutboxSent records the delivery of a message worker holds.
	MarkOutboxSent(ctx context.Context, id, worker string) error
}

// Worker delivers the outbox's mail messages through a Sender, in the
// claim loop the outbox's workers share (outbox.Loop).
type Worker struct {
	db       OutboxStore
	sender   Sender
	now      func() time.Time
	log      *slog.Logger
	id       string
	interval time.Duration
	lease    time.Duration
	batch    int
	// sendTimeout bounds one whole send and markTimeout recording its
	// outcome; a send starts only if both fit in half the lease from the
	// claim (outbox.Loop).
	sendTimeout time.Duration
	markTimeout time.Duration
	loop        *outbox.Loop
}

// WorkerOption adjusts a Worker.
type WorkerOption func(*Worker)

// WithInterval sets how often Run looks for due messages (tests use a few
// milliseconds).
func WithInterval(d time.Duration) WorkerOption { return func(w *Worker) { w.interval = d } }

// WithLease sets how long a claim keeps other workers off a message.
func WithLease(d time.Duration) WorkerOption { return func(w *Worker) { w.lease = d } }

// WithSendTimeout bounds one whole send: connecting and every SMTP
// command. The default is a quarter of the lease.
func WithSendTimeout(d time.Duration) WorkerOption { return func(w *Worker) { w.sendTimeout = d } }

// WithBatch sets how many messages one claim takes.
func WithBatch(n int) WorkerOption { return func(w *Worker) { w.batch = n } }

// WithID sets the worker's claim id, which must be unique among the
// workers running against one database and should stay the same across
// restarts of one instance (see NewWorker).
func WithID(id string) WorkerOption { return func(w *Worker) { w.id = id } }

// WithClock sets the clock that retry times and the give-up age are
// reckoned by (time.Now by default); tests pass the store's fake clock so
// that both agree.
func WithClock(now func() time.Time) WorkerOption { return func(w *Worker) { w.now = now } }

// NewWorker returns a worker. It panics on an empty id, and if the
// options leave no room for a send and its record inside half the lease:
// a setting that would let a send outlive its claim is a mistake in the
// program.
//
// The worker's id tells its claims from those of the other instances
// sharing the database. By default it is random, and a restarted process
// cannot know its predecessor's claims: whatever that one had claimed and
// not finished waits out the lease. An instance should rather give a
// stable id (WithID): on its first run the worker then releases the
// claims still held under that id, which can only be its previous
// process's, and sends them at once. That is sound only if no two live
// workers share an id; cmd/fieldportal's default, the host name and the
// listening address, has that property, as two live processes cannot
// listen on one address of one host. A dead process's claims are never
// taken early otherwise: another instance cannot tell a dead holder from
// a slow one, which is what the lease is for.
func NewWorker(db OutboxStore, sender Sender, logger *slog.Logger, opts ...WorkerOption) *Worker {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	w := &Worker{db: db, sender: sender, now: time.Now, id: "mail-" + rand.Text(), interval: DefaultInterval, lease: DefaultLease, batch: DefaultBatch}
	for _, opt := range opts {
		opt(w)
	}
	if w.sendTimeout == 0 {
		w.sendTimeout = w.lease / 4
	}
	w.markTimeout = outbox.MarkTimeout(w.lease)
	w.log = logger.With("worker", w.id)
	w.loop = &outbox.Loop{Store: db, Kind: Kind, ID: w.id, Interval: w.interval, Lease: w.lease, Batch: w.batch,
		SendTimeout: w.sendTimeout, MarkTimeout: w.markTimeout, Now: w.now, Log: w.log, Deliver: w.deliver}
	if err := w.loop.Check(); err != nil {
		panic("mail: " + err.Error())
	}
	return w
}

// ID is the worker's claim id.
func (w *Worker) ID() string { return w.id }

// Run sends due messages until ctx ends (outbox.Loop.Run).
func (w *Worker) Run(ctx context.Context) { w.loop.Run(ctx) }

// RunOnce claims one batch of due messages and tries each; the first run
// first releases what a previous process left claimed under the worker's
// id. It returns how many went out; a failed send is not an error (it is
// recorded on the message for a retry), a database failure is.
func (w *Worker) RunOnce(ctx context.Context) (sent int, err error) { return w.loop.RunOnce(ctx) }

// deliver sends one claimed message and records the outcome. It reports
// a message that went out as sent even when recording that failed.
func (w *Worker) deliver(ctx context.Context, m *fieldportal.OutboxMessage) (bool, error) {
	sendCtx, cancel := context.WithTimeout(ctx, w.sendTimeout)
	// The row's id makes the Message-ID: a copy sent again after a crash
	// between the send and its record carries the same one.
	err := w.sender.Send(sendCtx, Message{ID: m.ID, To: m.Recipient, Subject: m.Subject, Text: m.Payload})
	cancel()
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), w.markTimeout)
	defer cancel()
	if err == nil {
		w.log.Info("mail sent", "id", m.ID, "topic", m.Topic, "attempts", m.Attempts)
		return true, markErr(m, true, w.db.MarkOutboxSent(mctx, m.ID, w.id))
	}
	if ctx.Err() != nil {
		// Stopping, not a failure of the mail: let the next run try now.
		return false, markErr(m, false, w.db.MarkOutboxRetry(mctx, m.ID, w.id, m.LastError, w.now(), false))
	}
	now := w.now()
	giveUp := IsPermanent(err) || now.Sub(m.CreatedAt) >= GiveUpAfter
	next := now.Add(Backoff(m.Attempts))
	if giveUp {
		w.log.Error("mail failed, giving up", "id", m.ID, "topic", m.Topic, "attempts", m.Attempts, "err", err)
	} else {
		w.log.Warn("mail not sent, will retry", "id", m.ID, "topic", m.Topic, "attempts", m.Attempts, "next", next, "err", err)
	}
	return false, markErr(m, false, w.db.MarkOutboxRetry(mctx, m.ID, w.id, err.Error(), next, giveUp))
}

// markErr explains a failure to record what became of m. A lost claim
// (the store's ECONFLICT) means this worker overran its lease and another
// has taken the message over: if it went out, it may go out twice.
func markErr(m *fieldportal.OutboxMessage, sent bool, err error) error {
	lost := fieldportal.ErrorCode(err) == fieldportal.ECONFLICT
	switch {
	case err == nil:
		return nil
	case sent && lost:
		return fmt.Errorf("mail %s went out, but its claim ran out and another worker took it over, which may send it again: %w", m.ID, err)
	case sent:
		return fmt.Errorf("mail %s went out, but marking it sent failed, so it goes out again when its claim runs out: %w", m.ID, err)
	case lost:
		return fmt.Errorf("mail %s was not sent, and its claim ran out meanwhile: another worker took it over: %w", m.ID, err)
	default:
		return fmt.Errorf("mail %s was not sent, and recording the attempt failed: %w", m.ID, err)
	}
}

// Backoff is the wait after the attempts-th failed attempt: 30 s, then
// doubling, at most an hour, so a short outage costs little delay and a
// long one few connections.
func Backoff(attempts int) time.Duration {
	d := firstRetry
	for i := 1; i < attempts && d < maxRetry; i++ {
		d *= 2
	}
	return min(d, maxRetry)
}
