package sqlstore_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// A report saved over the version read (the API's If-Match): of two saves
// over the same version at once exactly one is written, and a photo added
// or removed since the read is a change the save must not write over (the
// report's ETag covers its photos; found by review: a photo did not move
// the report's updated_at, so the save's check let it through).
func TestVisitReportSaveOverVersion(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustMessageWorld(t, db)
		db.Now = time.Now
		sys := fieldportal.SystemViewer(w.orgID, "test")
		mustMoneyExec(t, db, `UPDATE jobs SET stage = 'complete' WHERE id = $1`, w.job)
		MustVisitReport(t, db, sys, w.job)
		read := func(t *testing.T) *fieldportal.VisitReport {
			t.Helper()
			r, err := db.FindVisitReport(ctx, sys, w.job)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		save := func(over time.Time, notes string) error {
			_, err := db.SaveVisitReport(ctx, sys, &fieldportal.VisitReport{JobID: w.job, Notes: notes, IfUpdatedAt: over})
			return err
		}

		t.Run("two saves over one version at once: one is written", func(t *testing.T) {
			over := read(t).UpdatedAt
			const n = 4
			var wg sync.WaitGroup
			errs := make(chan error, n)
			start := make(chan struct{})
			for i := range n {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs <- save(over, string(rune('A'+i)))
				}()
			}
			close(start)
			wg.Wait()
			close(errs)
			won := 0
			for err := range errs {
				switch {
				case err == nil:
					won++
				case !errors.Is(err, fieldportal.ErrChanged):
					t.Errorf("a save over a changed version: %v, want ErrChanged", err)
				}
			}
			if won != 1 {
				t.Errorf("%d saves over one version written, want 1", won)
			}
		})

		t.Run("a photo added since the read", func(t *testing.T) {
			r := read(t)
			MustVisitPhoto(t, db, sys, w.job, "added after the read")
			if err := save(r.UpdatedAt, "over the photo"); !errors.Is(err, fieldportal.ErrChanged) {
				t.Errorf("save over the version before a photo: %v, want ErrChanged", err)
			}
		})

		t.Run("a photo removed since the read", func(t *testing.T) {
			r := read(t)
			if len(r.Photos) == 0 {
				t.Fatal("no photo to remove")
			}
			if err := db.DeleteVisitPhoto(ctx, sys, w.job, r.Photos[0].ID); err != nil {
				t.Fatal(err)
			}
			if err := save(r.UpdatedAt, "over the removal"); !errors.Is(err, fieldportal.ErrChanged) {
				t.Errorf("save over the version before a photo's removal: %v, want ErrChanged", err)
			}
		})

		t.Run("a save over the version read is written", func(t *testing.T) {
			if err := save(read(t).UpdatedAt, "current"); err != nil {
				t.Fatal(err)
			}
			if got := read(t).Notes; got != "current" {
				t.Errorf("notes = %q", got)
			}
		})
	})
}
