package sqlstore_test

import (
	"context"
	"os"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// Migration 00070 moves each logo's bytes from the install-wide key
// branding/logo/<sha> to its organisation's branding/<org>/logo/<sha>,
// where the store now reads them, and leaves every other file alone. Run
// again, it changes nothing.
func TestMigrationMovesLogoKeys(t *testing.T) {
	src, err := os.ReadFile("migrations/00070_logo_keys_per_org.sql")
	if err != nil {
		t.Fatal(err)
	}
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		a, b := MustOrg(t, db, "Alpha"), MustOrg(t, db, "Beta")
		sha := strings.Repeat("ab", 32)
		for _, row := range []struct{ key, org string }{
			{"branding/logo/" + sha, a.ID},
			{"branding/logo/" + strings.Repeat("cd", 32), b.ID},
			{"documents/" + a.ID + "/x.pdf", a.ID},
		} {
			if _, err := db.SQL().ExecContext(ctx, `INSERT INTO file_blobs (storage_key, org_id, data, created_at) VALUES ($1, $2, $3, $4)`,
				row.key, row.org, []byte("bytes"), db.Now().UTC()); err != nil {
				t.Fatal(err)
			}
		}
		for range 2 {
			if _, err := db.SQL().ExecContext(ctx, string(src)); err != nil {
				t.Fatal(err)
			}
		}
		rows, err := db.SQL().QueryContext(ctx, `SELECT storage_key FROM file_blobs ORDER BY storage_key`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var got []string
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			got = append(got, k)
		}
		want := map[string]bool{
			fieldportal.LogoStorageKey(a.ID, sha):                      true,
			fieldportal.LogoStorageKey(b.ID, strings.Repeat("cd", 32)): true,
			"documents/" + a.ID + "/x.pdf":                             true,
		}
		if len(got) != len(want) {
			t.Fatalf("keys %v", got)
		}
		for _, k := range got {
			if !want[k] {
				t.Errorf("unexpected key %q; all: %v", k, got)
			}
		}
		if data, err := db.GetBlob(ctx, a.ID, fieldportal.LogoStorageKey(a.ID, sha)); err != nil || string(data) != "bytes" {
			t.Errorf("the moved logo reads %q, %v", data, err)
		}
	})
}
