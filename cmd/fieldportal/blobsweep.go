package main

import (
	"context"
	"log/slog"
	"time"

	"github.com/fieldportal/fieldportal/sqlstore"
)

// blobSweepInterval is how often an instance sweeps the file store of
// bytes nothing names any more, and blobSweepBatch how many candidates
// one run settles at most (each a short transaction of its own, so a run
// never holds the database long): 500 every 5 minutes is 144,000 a day,
// more than the uploads and deletes of a large install. Every instance
// runs the loop; the store makes sure each key is settled by one.
const (
	blobSweepInterval = 5 * time.Minute
	blobSweepBatch    = 500
)

// runBlobSweep deletes the bytes of deleted files once the grace period
// is over (sqlstore.SweepBlobs), every interval until ctx ends.
func runBlobSweep(ctx context.Context, db *sqlstore.DB, interval time.Duration, logger *slog.Logger) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		run, err := db.SweepBlobs(ctx, sqlstore.BlobGrace, blobSweepBatch)
		if err != nil && ctx.Err() == nil {
			logger.Warn("file sweep: pass failed", "err", err, "deleted", run.Deleted, "failed", run.Failed)
		} else if run != (sqlstore.BlobSweep{}) {
			logger.Info("file sweep", "deleted", run.Deleted, "still named", run.Kept, "failed", run.Failed)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}
