// Package outbox is the claim loop the outbox's workers share (the mail
// worker, the webhook worker): it claims due messages of one kind with a
// lease, hands each to the worker's delivery, and starts a delivery only
// if it and its record end well inside the lease, so that two instances
// never hold, and so never send, one message at the same time. What a
// delivery is, and how its outcome is recorded, is the worker's.
package outbox

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/fieldportal/fieldportal"
)

// MaxMarkTimeout bounds recording an outcome, also after the worker's
// context has ended: a message that went out must be recorded even while
// the program stops, or another instance sends it again. A short lease
// cuts it to an eighth of the lease (MarkTimeout).
const MaxMarkTimeout = 10 * time.Second

// MarkTimeout is the time a worker with the lease gets to record an
// outcome.
func MarkTimeout(lease time.Duration) time.Duration { return min(MaxMarkTimeout, lease/8) }

// Store is the outbox as the loop uses it (*sqlstore.DB is one). Only the
// worker holding a message's claim may mark it.
type Store interface {
	// ClaimOutbox leases up to n due messages of kind to worker for lease.
	ClaimOutbox(ctx context.Context, kind, worker string, n int, lease time.Duration) ([]*fieldportal.OutboxMessage, error)
	// MarkOutboxRetry records a failed attempt at a message worker holds:
	// it is tried again at next, or marked failed when giveUp.
	MarkOutboxRetry(ctx context.Context, id, worker, lastError string, next time.Time, giveUp bool) error
	// ReleaseOutboxClaims hands back every pending message of kind that
	// worker holds, and says how many.
	ReleaseOutboxClaims(ctx context.Context, kind, worker string) (int, error)
}

// Loop claims and delivers the due messages of one kind. Its fields are
// set once, before the first run.
type Loop struct {
	Store Store
	Kind  string
	// ID is the claim id: unique among live workers, and the same across
	// restarts of one instance, so that the first run takes back at once
	// what the previous process claimed and never finished.
	ID       string
	Interval time.Duration
	Lease    time.Duration
	Batch    int
	// SendTimeout and MarkTimeout bound one delivery and its record; a
	// delivery starts only if both fit in half the lease from the claim.
	SendTimeout, MarkTimeout time.Duration
	// Now is the clock a released message is due again by.
	Now func() time.Time
	Log *slog.Logger
	// Deliver tries one claimed message and records its outcome; counted
	// says it is one RunOnce reports. An error (a failure to record) stops
	// the batch: the rest is released.
	Deliver func(ctx context.Context, m *fieldportal.OutboxMessage) (counted bool, err error)

	// started is set once the claims of this id's previous process are
	// released.
	started atomic.Bool
}

// Check reports a setting that leaves no room for a delivery and its
// record inside half the lease: a mistake in the program.
func (l *Loop) Check() error {
	if l.Lease <= 0 || l.SendTimeout <= 0 || l.SendTimeout+l.MarkTimeout > l.Lease/2 {
		return fmt.Errorf("a send timeout of %v and a mark timeout of %v do not fit in half the lease of %v", l.SendTimeout, l.MarkTimeout, l.Lease)
	}
	if l.ID == "" {
		return errors.New("a worker needs an id") // "" is the claim of no worker
	}
	return nil
}

// Run delivers due messages until ctx ends. After a full batch it goes on
// at once, as more are likely waiting; otherwise it waits for the
// interval.
func (l *Loop) Run(ctx context.Context) {
	t := time.NewTicker(l.Interval)
	defer t.Stop()
	for {
		n, err := l.RunOnce(ctx)
		// Being stopped is not worth a line; any other error is, also
		// while stopping: a lost claim means a message may go out twice.
		if err != nil && (ctx.Err() == nil || !errors.Is(err, ctx.Err())) {
			l.Log.Error(l.Kind+" outbox", "err", err)
		}
		if ctx.Err() != nil {
			return
		}
		if err == nil && n >= l.Batch {
			continue
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// RunOnce claims one batch of due messages and delivers each; the first
// run first releases what a previous process left claimed under the id.
// It returns how many deliveries counted; a database failure is an error.
func (l *Loop) RunOnce(ctx context.Context) (counted int, err error) {
	if !l.started.Load() {
		n, err := l.Store.ReleaseOutboxClaims(ctx, l.Kind, l.ID)
		if err != nil {
			return 0, fmt.Errorf("release the claims of this worker's previous run: %w", err)
		}
		if n > 0 {
			l.Log.Info(l.Kind+" outbox: took back the claims of this worker's previous run", "messages", n)
		}
		l.started.Store(true)
	}
	claimed := time.Now()
	msgs, err := l.Store.ClaimOutbox(ctx, l.Kind, l.ID, l.Batch, l.Lease)
	if err != nil {
		return 0, err
	}
	for i, m := range msgs {
		// Start a delivery only if it and its record end within half the
		// lease: past the lease another worker may take the message, and
		// the other half is margin for the clocks of other instances,
		// which judge the lease. time.Since is the real clock, so a test's
		// frozen store clock cannot stretch it.
		if ctx.Err() != nil || time.Since(claimed)+l.SendTimeout+l.MarkTimeout > l.Lease/2 {
			l.Release(ctx, msgs[i:])
			return counted, ctx.Err()
		}
		ok, err := l.Deliver(ctx, m)
		if ok {
			counted++
		}
		if err != nil {
			// Hand back the untried rest at once rather than leave it to
			// wait out the lease. m itself stays claimed: its record
			// failed, and it may have gone out.
			l.Release(ctx, msgs[i+1:])
			return counted, err
		}
	}
	return counted, nil
}

// Release hands claimed but untried messages back for an immediate retry,
// keeping their last error. One whose claim is lost already has another
// worker, which is all a release is for.
func (l *Loop) Release(ctx context.Context, msgs []*fieldportal.OutboxMessage) {
	mctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), l.MarkTimeout)
	defer cancel()
	for _, m := range msgs {
		if err := l.Store.MarkOutboxRetry(mctx, m.ID, l.ID, m.LastError, l.Now(), false); err != nil && fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
			l.Log.Error(l.Kind+" outbox release", "id", m.ID, "err", err)
		}
	}
}
