package sqlstore_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/blob"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// refusingDelete is an outside file store that refuses to delete one key
// (a bucket whose policy allows uploads and downloads, not deletes).
type refusingDelete struct {
	blob.Store
	refused string
}

func (s *refusingDelete) Delete(ctx context.Context, orgID, key string) error {
	if key == s.refused {
		return errors.New("access denied")
	}
	return s.Store.Delete(ctx, orgID, key)
}

// TestSweepFailingKeyWaitsItsTurn: a key whose delete fails is retried
// later, behind the keys due meanwhile, so a key that can never be
// deleted does not hold up every run (a run takes the oldest first).
func TestSweepFailingKeyWaitsItsTurn(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		disk, err := blob.NewDisk(t.TempDir())
		if err != nil {
			t.Fatal(err)
		}
		store := &refusingDelete{Store: disk}
		db.SetFileStore(store)
		org := MustOrg(t, db, "Alpha")
		staff := fieldportal.SystemViewer(org.ID, "test")
		c := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Customer"})
		base := time.Now().UTC()
		now := base
		db.Now = func() time.Time { return now }
		var docs []*fieldportal.Document
		for i, content := range []string{"stuck bytes", "free bytes"} {
			now = base.Add(time.Duration(i) * time.Minute) // the stuck key is the older candidate
			got, err := db.AttachFiles(ctx, staff, "customer", c.ID, []fieldportal.Upload{{Name: "f.txt", ContentType: "text/plain", Data: []byte(content)}})
			if err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteDocument(ctx, staff, got[0].ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			docs = append(docs, got[0])
		}
		store.refused = docs[0].StorageKey
		sweep := func(when time.Time) sqlstore.BlobSweep {
			now = when
			run, _ := db.SweepBlobs(ctx, sqlstore.BlobGrace, 1)
			return run
		}
		due := base.Add(sqlstore.BlobGrace + time.Hour)
		if run := sweep(due); run.Failed != 1 || run.Deleted != 0 {
			t.Fatalf("first run: %+v, want the stuck key failed", run)
		}
		if run := sweep(due.Add(time.Minute)); run.Deleted != 1 || run.Failed != 0 {
			t.Errorf("second run: %+v, want the free key deleted, not the stuck one tried again", run)
		}
		store.refused = ""
		if run := sweep(due.Add(2 * time.Hour)); run.Deleted != 1 {
			t.Errorf("a run an hour later: %+v, want the stuck key retried and deleted", run)
		}
	})
}
