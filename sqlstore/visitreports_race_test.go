package sqlstore_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Photos sent at once to one report (found by review): each upload read
// the report's last position and added one, so on PostgreSQL two uploads
// took the same position and the second was refused as a conflict
// ("Visit photo already exists"). Every upload must be kept, each at a
// place of its own.
func TestVisitPhotosAddedAtOnce(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustMessageWorld(t, db)
		sys := fieldportal.SystemViewer(w.orgID, "test")
		mustMoneyExec(t, db, `UPDATE jobs SET stage = 'complete' WHERE id = $1`, w.job)
		MustVisitReport(t, db, sys, w.job)
		const n = 6
		var wg sync.WaitGroup
		errs := make(chan error, n)
		start := make(chan struct{})
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				caption := fmt.Sprintf("photo %d", i)
				errs <- db.AddVisitPhoto(ctx, sys, &fieldportal.VisitPhoto{JobID: w.job, Caption: caption, Width: 4, Height: 3},
					fieldportal.PhotoFiles{Original: fieldportal.Upload{Name: "site.png", ContentType: "image/png", Data: []byte("original " + caption)},
						Display: []byte("display " + caption), Thumb: []byte("thumb " + caption)})
			}()
		}
		close(start)
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Errorf("an upload at the same time as others: %v", err)
			}
		}
		r, err := db.FindVisitReport(ctx, sys, w.job)
		if err != nil {
			t.Fatal(err)
		}
		var places []int
		for _, p := range r.Photos {
			places = append(places, p.Position)
		}
		if want := []int{1, 2, 3, 4, 5, 6}; !slices.Equal(places, want) {
			t.Fatalf("the report's photos are at %v, want %v", places, want)
		}
	})
}
