package api

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/google/go-cmp/cmp"
)

// syncRow is a record or a tombstone of the fake store: its time and id.
type syncRow struct {
	at time.Time
	id string
}

// walkAfter is what a store's walk by (time, id) returns of rows (in that
// order) for a page: the rows after the cursor, at most the page's size,
// and the cursor of the next page.
func walkAfter(tb testing.TB, rows []syncRow, p fieldportal.Page) ([]syncRow, string) {
	tb.Helper()
	var out []syncRow
	for _, r := range rows {
		if p.After != "" {
			b, err := base64.RawURLEncoding.DecodeString(p.After)
			var key []string
			if err != nil || json.Unmarshal(b, &key) != nil || len(key) != 2 {
				tb.Fatalf("cursor %q", p.After)
			}
			at, _ := time.Parse(time.RFC3339Nano, key[0][2:])
			if !before(at, key[1], r.at, r.id) {
				continue
			}
		}
		out = append(out, r)
	}
	if len(out) > p.Size() {
		out = out[:p.Size()]
		last := out[len(out)-1]
		return out, fieldportal.SyncAfter(last.at, last.id)
	}
	return out, ""
}

type fakeTombstones struct {
	tb   testing.TB
	rows []syncRow
}

func (f fakeTombstones) FindTombstones(_ context.Context, _ fieldportal.Viewer, tf fieldportal.TombstoneFilter) ([]*fieldportal.Tombstone, string, error) {
	rows, next := walkAfter(f.tb, f.rows, tf.Page)
	var out []*fieldportal.Tombstone
	for _, r := range rows {
		out = append(out, &fieldportal.Tombstone{Kind: tf.Kind, ID: r.id, DeletedAt: r.at})
	}
	return out, next, nil
}

// TestSyncPageMerges walks records and tombstones that share times, a
// page of one, two and all at a time, and with a horizon inside them.
func TestSyncPageMerges(t *testing.T) {
	at := func(min int) time.Time { return time.Date(2026, 3, 2, 10, min, 0, 0, time.UTC) }
	records := []syncRow{{at(0), "b"}, {at(1), "a"}}
	tombs := []syncRow{{at(0), "a"}, {at(0), "c"}, {at(2), "d"}}
	a := &API{svc: Services{Tombstones: fakeTombstones{t, tombs}}}
	walk := func(t *testing.T, limit int, horizon time.Time) []string {
		t.Helper()
		var got []string
		cursor := ""
		for range 20 {
			lq := listQuery{UpdatedSince: at(0), Page: fieldportal.Page{Limit: limit, After: cursor}}
			rows, next := walkAfter(t, records, lq.Page)
			r := httptest.NewRequest("GET", "/api/v1/tasks", nil)
			out, err := syncPage(r, a, fieldportal.KindTask, lq, rows, next, horizon,
				func(x syncRow) time.Time { return x.at }, func(x syncRow) string { return x.id }, func(x syncRow) string { return x.id })
			if err != nil {
				t.Fatal(err)
			}
			for _, item := range out.Data {
				if item.Tombstone != nil {
					got = append(got, "-"+item.Tombstone.ID)
				} else {
					got = append(got, *item.Record)
				}
			}
			if out.NextCursor == nil {
				return got
			}
			if cursor, err = openCursor(*out.NextCursor, true); err != nil {
				t.Fatal(err)
			}
		}
		t.Fatal("the walk did not end")
		return nil
	}
	all := []string{"-a", "b", "-c", "a", "-d"}
	for _, limit := range []int{1, 2, 3, 50} {
		if diff := cmp.Diff(all, walk(t, limit, at(10))); diff != "" {
			t.Errorf("%d a page (-want +got):\n%s", limit, diff)
		}
	}
	t.Run("the walk stops at the horizon", func(t *testing.T) {
		for _, limit := range []int{1, 50} {
			if diff := cmp.Diff(all[:4], walk(t, limit, at(2))); diff != "" {
				t.Errorf("%d a page (-want +got):\n%s", limit, diff)
			}
		}
	})
	t.Run("a tombstone's JSON", func(t *testing.T) {
		ext := "T-1"
		b, err := json.Marshal(Synced[Task]{Tombstone: &Tombstone{ID: "x", ExternalID: &ext, DeletedAt: at(0), Deleted: true}})
		if err != nil {
			t.Fatal(err)
		}
		if want := `{"id":"x","external_id":"T-1","deleted_at":"2026-03-02T10:00:00Z","deleted":true}`; string(b) != want {
			t.Errorf("= %s, want %s", b, want)
		}
	})
}
