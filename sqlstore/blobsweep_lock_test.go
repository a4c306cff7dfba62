package sqlstore_test

import (
	"context"
	"errors"
	"io"
	"sync"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/blob"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// slowDelete is an outside file store whose Delete waits until release
// is closed (S3 slow or out of reach), saying so on entered.
type slowDelete struct {
	blob.Store
	entered, release chan struct{}
	once             sync.Once
}

func (s *slowDelete) Delete(ctx context.Context, orgID, key string) error {
	s.once.Do(func() { close(s.entered) })
	select {
	case <-s.release:
	case <-ctx.Done():
		return ctx.Err()
	}
	return s.Store.Delete(ctx, orgID, key)
}

func (s *slowDelete) Put(ctx context.Context, orgID, key string, r io.Reader, size int64) error {
	return s.Store.Put(ctx, orgID, key, r, size)
}

// TestSweepWaitingOnTheFileStore: while the sweep waits on the outside
// store's delete (S3 may take seconds, or minutes when out of reach), the
// portal's other writes go on (on SQLite the sweep must not hold the one
// write lock meanwhile), and an upload of the same bytes still waits for
// the delete and writes them again.
func TestSweepWaitingOnTheFileStore(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		disk, err := blob.NewDisk(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		slow := &slowDelete{Store: disk, entered: make(chan struct{}), release: make(chan struct{})}
		db.SetFileStore(slow)
		org := MustOrg(t, db, "Alpha")
		staff := fieldportal.SystemViewer(org.ID, "test")
		c := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Customer"})
		upload := func(ctx context.Context) (*fieldportal.Document, error) {
			docs, err := db.AttachFiles(ctx, staff, "customer", c.ID, []fieldportal.Upload{{Name: "plan.txt", ContentType: "text/plain", Data: []byte("the plan")}})
			if err != nil {
				return nil, err
			}
			return docs[0], nil
		}
		d, err := upload(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.DeleteDocument(ctx, staff, d.ID, time.Time{}); err != nil {
			t.Fatal(err)
		}
		later := time.Now().Add(sqlstore.BlobGrace + time.Hour)
		db.Now = func() time.Time { return later }
		swept := make(chan sqlstore.BlobSweep, 1)
		go func() {
			run, err := db.SweepBlobs(ctx, sqlstore.BlobGrace, 100)
			if err != nil {
				t.Errorf("sweep: %v", err)
			}
			swept <- run
		}()
		<-slow.entered

		// Far longer than a write takes, even under the race detector on
		// a loaded machine: held by the sweep, it would wait to the end.
		wctx, cancel := context.WithTimeout(ctx, 60*time.Second)
		defer cancel()
		if err := db.CreateCustomer(wctx, staff, &fieldportal.Customer{Name: "Another"}); err != nil {
			t.Errorf("a write while the sweep waits on the file store: %v", err)
		}
		uploaded := make(chan *fieldportal.Document, 1)
		go func() {
			again, err := upload(ctx)
			if err != nil {
				t.Errorf("upload of the same bytes: %v", err)
			}
			uploaded <- again
		}()
		// The upload runs as far as it may while the sweep deletes.
		time.Sleep(300 * time.Millisecond)
		close(slow.release)
		if run := <-swept; run.Deleted != 1 {
			t.Errorf("sweep: %+v, want the deleted document's bytes deleted", run)
		}
		again := <-uploaded
		if again == nil {
			return
		}
		_, data, err := openBytes(db.OpenDocument(ctx, staff, again.ID))
		if err != nil || string(data) != "the plan" {
			t.Errorf("the document uploaded during the sweep reads %q, %v", data, err)
		}
		if rc, err := disk.Open(ctx, org.ID, again.StorageKey); errors.Is(err, blob.ErrNotFound) {
			t.Errorf("the bytes uploaded during the sweep are gone from the store")
		} else if err == nil {
			rc.Close()
		}
	})
}
