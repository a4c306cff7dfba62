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

// TestSweepBlobsKeepsWhatOthersName: the sweep never deletes bytes a
// record still needs when the record is of another kind than the one
// deleted (a visit photo's original and made sizes, a logo, a staff
// photo), nor another organisation's bytes when a record of this one
// names the same key string; on both engines, files in the database or
// on disk.
func TestSweepBlobsKeepsWhatOthersName(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		t.Run("database", func(t *testing.T) { testSweepKeeps(t, db, db.Blobs()) })
		t.Run("disk", func(t *testing.T) {
			db := sqltest.MustOpen(t, db.Dialect())
			disk, err := blob.NewDisk(t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			db.SetFileStore(disk)
			testSweepKeeps(t, db, disk)
		})
	})
}

func testSweepKeeps(t *testing.T, db *sqlstore.DB, store blob.Store) {
	ctx := context.Background()
	w := mustWorkWorld(t, db)
	base := time.Now().UTC()
	var now time.Time
	db.Now = func() time.Time { return now }
	at := func(i int) time.Time { return base.Add(time.Duration(i) * 1000 * time.Hour) }
	sweep := func(t *testing.T, when time.Time) sqlstore.BlobSweep {
		t.Helper()
		now = when
		run, err := db.SweepBlobs(ctx, sqlstore.BlobGrace, 1000)
		if err != nil {
			t.Fatalf("sweep: %v", err)
		}
		return run
	}
	has := func(t *testing.T, orgID, key string) bool {
		t.Helper()
		rc, err := store.Open(ctx, orgID, key)
		if errors.Is(err, blob.ErrNotFound) {
			return false
		} else if err != nil {
			t.Fatal(err)
		}
		rc.Close()
		return true
	}
	attach := func(t *testing.T, v fieldportal.Viewer, siteID, name string, data []byte) *fieldportal.Document {
		t.Helper()
		docs, err := db.AttachFiles(ctx, v, "site", siteID, []fieldportal.Upload{{Name: name, ContentType: "text/plain", Data: data}})
		if err != nil || len(docs) != 1 {
			t.Fatalf("attach %s: %v", name, err)
		}
		return docs[0]
	}
	del := func(t *testing.T, v fieldportal.Viewer, d *fieldportal.Document) {
		t.Helper()
		if err := db.DeleteDocument(ctx, v, d.ID, time.Time{}); err != nil {
			t.Fatalf("delete %s: %v", d.Name, err)
		}
	}

	t.Run("a visit photo's original, display and thumbnail stay when documents with the same bytes go", func(t *testing.T) {
		t0 := at(1)
		now = t0
		job := &fieldportal.Job{SiteID: w.SiteA.ID, Kind: fieldportal.JobService, Stage: fieldportal.StageComplete, Description: "Service"}
		if err := db.CreateJob(ctx, w.Staff, job); err != nil {
			t.Fatal(err)
		}
		MustVisitReport(t, db, w.Staff, job.ID)
		p := MustVisitPhoto(t, db, w.Staff, job.ID, "plant room")
		var keys [3]string
		if err := db.SQL().QueryRowContext(ctx, `SELECT storage_key, display_key, thumb_key FROM visit_photos WHERE id = $1`, p.ID).
			Scan(&keys[0], &keys[1], &keys[2]); err != nil {
			t.Fatal(err)
		}
		// MustVisitPhoto's bytes, sent again as documents: same keys.
		var docs []*fieldportal.Document
		for i, data := range []string{"original plant room", "display plant room", "thumb plant room"} {
			d := attach(t, w.Staff, w.SiteA.ID, "copy.txt", []byte(data))
			if d.StorageKey != keys[i] {
				t.Fatalf("document of %q has key %q, the photo's is %q", data, d.StorageKey, keys[i])
			}
			docs = append(docs, d)
		}
		now = t0.Add(time.Hour)
		for _, d := range docs {
			del(t, w.Staff, d)
		}
		if run := sweep(t, t0.Add(50*time.Hour)); run.Deleted != 0 {
			t.Errorf("sweep: %+v, want nothing deleted", run)
		}
		for i, what := range []string{"original", "display size", "thumbnail"} {
			if !has(t, w.Org.ID, keys[i]) {
				t.Errorf("the photo's %s was deleted", what)
			}
		}
	})

	t.Run("a logo and a staff photo stay even when their keys are candidates", func(t *testing.T) {
		t0 := at(2)
		now = t0
		logo := []byte("\x89PNG sweep logo")
		if err := db.SetLogo(ctx, w.Staff, logo, "image/png"); err != nil {
			t.Fatal(err)
		}
		u := &fieldportal.StaffUser{Email: "sweep.tech@op.test", Name: "Sweep Tech", Role: fieldportal.RoleStaff}
		if err := db.CreateStaffUser(ctx, w.Staff, u); err != nil {
			t.Fatal(err)
		}
		photo := []byte("\x89PNG sweep face")
		if err := db.SetStaffProfile(ctx, w.Staff, fieldportal.StaffProfile{StaffID: u.ID, Photo: photo, PhotoType: "image/png"}); err != nil {
			t.Fatal(err)
		}
		logoKey := fieldportal.LogoStorageKey(w.Org.ID, sha256Hex(logo))
		photoKey := fieldportal.StaffPhotoStorageKey(w.Org.ID, u.ID, sha256Hex(photo))
		// The same bytes as documents, deleted: their own keys go, the
		// logo's and the photo's stay.
		dl := attach(t, w.Staff, w.SiteA.ID, "logo.png", logo)
		dp := attach(t, w.Staff, w.SiteA.ID, "face.png", photo)
		now = t0.Add(time.Hour)
		del(t, w.Staff, dl)
		del(t, w.Staff, dp)
		// Whatever made them candidates (nothing does today), the sweep
		// must not take them: no table it checks names them.
		for _, k := range []string{logoKey, photoKey} {
			if _, err := db.SQL().ExecContext(ctx, `INSERT INTO blob_sweep (org_id, storage_key, since) VALUES ($1, $2, $3)`,
				w.Org.ID, k, t0); err != nil {
				t.Fatal(err)
			}
		}
		if run := sweep(t, t0.Add(50*time.Hour)); run.Deleted != 2 {
			t.Errorf("sweep: %+v, want the 2 documents' bytes deleted", run)
		}
		if has(t, w.Org.ID, dl.StorageKey) || has(t, w.Org.ID, dp.StorageKey) {
			t.Errorf("the deleted documents' bytes are still there")
		}
		if got, err := db.GetBlob(ctx, w.Org.ID, logoKey); err != nil || string(got) != string(logo) {
			t.Errorf("the logo reads %q, %v", got, err)
		}
		if got, err := db.GetBlob(ctx, w.Org.ID, photoKey); err != nil || string(got) != string(photo) {
			t.Errorf("the staff photo reads %q, %v", got, err)
		}
	})

	t.Run("a record naming another organisation's key string deletes nothing of theirs", func(t *testing.T) {
		t0 := at(3)
		now = t0
		theirs := attach(t, w.OtherStaff, w.OtherSite.ID, "their plan.txt", []byte("their plan"))
		mine := MustDocument(t, db, w.Staff, &fieldportal.Document{Name: "borrowed.txt", AttachedTo: "site", SiteID: w.SiteA.ID,
			SHA256: theirs.SHA256, StorageKey: theirs.StorageKey})
		now = t0.Add(time.Hour)
		del(t, w.Staff, mine)
		sweep(t, t0.Add(50*time.Hour))
		if !has(t, w.Other.ID, theirs.StorageKey) {
			t.Errorf("the other organisation's bytes were deleted")
		}
	})
}
