package sqlstore_test

import (
	"context"
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/blob"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Migration 00325 makes every file kept in the database before the sweep
// a candidate from the migration's time, except the logos and staff
// photos: a day later the sweep deletes those nothing names and keeps
// the rest.
func TestMigrationSeedsBlobSweep(t *testing.T) {
	src, err := os.ReadFile("migrations/00325_blob_sweep.sql")
	if err != nil {
		t.Fatal(err)
	}
	seed, _, ok := strings.Cut(string(src), "-- +goose Down")
	if _, seed, ok = strings.Cut(seed, "-- Bytes kept in the database before"); !ok {
		t.Fatal("the migration's seeding is not where the test looks")
	}
	seed = "--" + seed
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		org := MustOrg(t, db, "Alpha")
		staff := fieldportal.SystemViewer(org.ID, "test")
		c := MustCustomer(t, db, staff, &fieldportal.Customer{Name: "Customer"})
		named := MustDocument(t, db, staff, &fieldportal.Document{Name: "named.pdf", AttachedTo: "customer", CustomerID: c.ID, SHA256: strings.Repeat("1", 64)})
		keys := map[string]string{
			"named":        named.StorageKey,
			"orphan":       "old/" + strings.Repeat("2", 64),
			"chunk orphan": blob.KeyFor(org.ID, strings.Repeat("3", 64)),
			"logo":         fieldportal.LogoStorageKey(org.ID, strings.Repeat("4", 64)),
			"staff photo":  fieldportal.StaffPhotoStorageKey(org.ID, "s1", strings.Repeat("5", 64)),
		}
		for name, key := range keys {
			if name == "chunk orphan" {
				if err := db.Blobs().Put(ctx, org.ID, key, strings.NewReader("chunk"), 5); err != nil {
					t.Fatal(err)
				}
			} else if err := db.PutBlob(ctx, org.ID, key, []byte(name)); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.SQL().ExecContext(ctx, seed); err != nil {
			t.Fatal(err)
		}
		var got []string
		rows, err := db.SQL().QueryContext(ctx, `SELECT storage_key FROM blob_sweep ORDER BY storage_key`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			got = append(got, k)
		}
		rows.Close()
		want := []string{keys["chunk orphan"], keys["named"], keys["orphan"]}
		if diff := cmp.Diff(slices.Sorted(slices.Values(want)), got); diff != "" {
			t.Errorf("candidates (-want +got):\n%s", diff)
		}
		left := func(t *testing.T) []string {
			t.Helper()
			var out []string
			for name, key := range keys {
				rc, err := db.Blobs().Open(ctx, org.ID, key)
				if err == nil {
					rc.Close()
					out = append(out, name)
				} else if !errors.Is(err, blob.ErrNotFound) {
					t.Fatal(err)
				}
			}
			return slices.Sorted(slices.Values(out))
		}
		for _, c := range []struct {
			after time.Duration
			left  []string
		}{
			{23 * time.Hour, []string{"chunk orphan", "logo", "named", "orphan", "staff photo"}},
			{25 * time.Hour, []string{"logo", "named", "staff photo"}},
		} {
			db.Now = func() time.Time { return time.Now().Add(c.after) }
			if _, err := db.SweepBlobs(ctx, sqlstore.BlobGrace, 100); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.left, left(t)); diff != "" {
				t.Errorf("files left %s after the migration (-want +got):\n%s", c.after, diff)
			}
		}
	})
}
