package sqlstore_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// mustTombstones lists every tombstone of a kind the viewer reads.
func mustTombstones(tb testing.TB, db *sqlstore.DB, v fieldportal.Viewer, kind string) []*fieldportal.Tombstone {
	tb.Helper()
	l, _, err := db.FindTombstones(context.Background(), v, fieldportal.TombstoneFilter{Kind: kind, Page: fieldportal.Page{Limit: fieldportal.MaxLimit}})
	if err != nil {
		tb.Fatal(err)
	}
	return l
}

// mustDeletedEvents returns the ids of the records in the <kind>.deleted
// events queued for the organisation's endpoints.
func mustDeletedEvents(tb testing.TB, db *sqlstore.DB, orgID, topic string) []string {
	tb.Helper()
	rows, err := db.SQL().QueryContext(context.Background(), `SELECT payload FROM outbox WHERE org_id = $1 AND kind = 'webhook' AND topic = $2 ORDER BY id`, orgID, topic)
	if err != nil {
		tb.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p string
		if err := rows.Scan(&p); err != nil {
			tb.Fatal(err)
		}
		var ev struct {
			Data struct {
				ID      string `json:"id"`
				Deleted bool   `json:"deleted"`
			} `json:"data"`
		}
		if err := json.Unmarshal([]byte(p), &ev); err != nil || !ev.Data.Deleted {
			tb.Fatalf("event %s: %v", p, err)
		}
		out = append(out, ev.Data.ID)
	}
	if err := rows.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

func TestDeleteLeavesATombstone(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		staff := w.Staff
		if _, err := db.CreateWebhookEndpoint(ctx, staff, fieldportal.WebhookEndpointInput{URL: "https://hooks.example.com/bo",
			Events: []string{"task.deleted", "appointment.deleted", "asset_test.deleted"}}); err != nil {
			t.Fatal(err)
		}
		task := func(ext string) *fieldportal.Task {
			t.Helper()
			x := &fieldportal.Task{SiteID: w.SiteB.ID, Subject: "Call back", Status: "open", ExternalID: ext}
			if err := db.CreateTask(ctx, staff, x); err != nil {
				t.Fatal(err)
			}
			return x
		}

		t.Run("a deleted task is gone and leaves its tombstone and event", func(t *testing.T) {
			x := task("T-9")
			if err := db.DeleteTask(ctx, staff, x.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FindTaskByID(ctx, staff, x.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("find after delete: %v", err)
			}
			got := mustTombstones(t, db, staff, fieldportal.KindTask)
			want := []*fieldportal.Tombstone{{OrgID: w.Org.ID, Kind: "task", ID: x.ID, ExternalID: "T-9"}}
			if diff := cmp.Diff(want, got, cmp.FilterPath(func(p cmp.Path) bool { return p.Last().String() == ".DeletedAt" }, cmp.Ignore())); diff != "" {
				t.Errorf("tombstones (-want +got):\n%s", diff)
			}
			if len(got) == 1 && got[0].DeletedAt.Before(x.UpdatedAt) {
				t.Errorf("deleted at %v, before the task's last change %v", got[0].DeletedAt, x.UpdatedAt)
			}
			if diff := cmp.Diff([]string{x.ID}, mustDeletedEvents(t, db, w.Org.ID, "task.deleted")); diff != "" {
				t.Errorf("task.deleted events (-want +got):\n%s", diff)
			}
		})
		t.Run("a stale version is not deleted", func(t *testing.T) {
			x := task("")
			err := db.DeleteTask(ctx, staff, x.ID, x.UpdatedAt.Add(-time.Second))
			if fieldportal.ErrorCode(err) != fieldportal.ErrorCode(fieldportal.ErrChanged) {
				t.Fatalf("delete of a stale version: %v", err)
			}
			if _, err := db.FindTaskByID(ctx, staff, x.ID); err != nil {
				t.Errorf("the task went: %v", err)
			}
			if err := db.DeleteTask(ctx, staff, x.ID, x.UpdatedAt); err != nil {
				t.Errorf("delete of the current version: %v", err)
			}
		})
		t.Run("another organisation's record is not found and stays", func(t *testing.T) {
			x := task("")
			if err := db.DeleteTask(ctx, w.OtherStaff, x.ID, time.Time{}); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("delete from another organisation: %v", err)
			}
			if n := len(mustTombstones(t, db, w.OtherStaff, fieldportal.KindTask)); n != 0 {
				t.Errorf("the other organisation reads %d tombstones", n)
			}
		})
		t.Run("a contact cannot delete nor read tombstones", func(t *testing.T) {
			x := task("")
			contact := mustWorkContact(t, db, w.Org.ID, w.Child.ID, fieldportal.AllModules, w.SiteB.ID)
			if err := db.DeleteTask(ctx, contact, x.ID, time.Time{}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("contact's delete: %v", err)
			}
			if _, _, err := db.FindTombstones(ctx, contact, fieldportal.TombstoneFilter{Kind: fieldportal.KindTask}); fieldportal.ErrorCode(err) != fieldportal.EFORBIDDEN {
				t.Errorf("contact's tombstones: %v", err)
			}
		})
		t.Run("a contact nothing names is deleted; one with a login is kept", func(t *testing.T) {
			c := &fieldportal.Contact{CustomerID: w.Child.ID, FirstName: "Temp", ExternalID: "CT-1"}
			if err := db.CreateContact(ctx, staff, c); err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteContact(ctx, staff, c.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FindContactByID(ctx, staff, c.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("contact after delete: %v", err)
			}
			if l := mustTombstones(t, db, staff, fieldportal.KindContact); len(l) != 1 || l[0].ID != c.ID || l[0].ExternalID != "CT-1" {
				t.Errorf("contact tombstones = %v", l)
			}
			login := mustWorkContact(t, db, w.Org.ID, w.Child.ID, nil, w.SiteB.ID)
			if err := db.DeleteContact(ctx, staff, login.ContactID, time.Time{}); fieldportal.ErrorCode(err) != fieldportal.ECONFLICT {
				t.Errorf("delete of a contact with a login: %v", err)
			}
			if _, err := db.FindContactByID(ctx, staff, login.ContactID); err != nil {
				t.Errorf("the contact with a login went: %v", err)
			}
		})
		t.Run("appointments and asset tests are deleted alike", func(t *testing.T) {
			at := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
			a := &fieldportal.Appointment{SiteID: w.SiteA.ID, StartsAt: at, EndsAt: at.Add(time.Hour), ExternalID: "A-1"}
			if err := db.CreateAppointment(ctx, staff, a); err != nil {
				t.Fatal(err)
			}
			test := MustAssetTest(t, db, staff, &fieldportal.AssetTest{AssetID: w.AssetA, TestedOn: day(time.April, 2), Result: fieldportal.TestPass})
			if err := db.DeleteAppointment(ctx, staff, a.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteAssetTest(ctx, staff, test.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			if _, err := db.FindAppointmentByID(ctx, staff, a.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("appointment after delete: %v", err)
			}
			if _, err := db.FindAssetTestByID(ctx, staff, test.ID); fieldportal.ErrorCode(err) != fieldportal.ENOTFOUND {
				t.Errorf("asset test after delete: %v", err)
			}
			for kind, id := range map[string]string{fieldportal.KindAppointment: a.ID, fieldportal.KindAssetTest: test.ID} {
				if l := mustTombstones(t, db, staff, kind); len(l) != 1 || l[0].ID != id {
					t.Errorf("%s tombstones = %v", kind, l)
				}
				if diff := cmp.Diff([]string{id}, mustDeletedEvents(t, db, w.Org.ID, kind+".deleted")); diff != "" {
					t.Errorf("%s.deleted events (-want +got):\n%s", kind, diff)
				}
			}
		})
	})
}

// TestTombstonesWalkLikeRecords: the tombstones page by (deleted_at, id)
// from a time and a cursor, the cursor the records' walks make
// (fieldportal.SyncAfter), and the clean-up prunes those past their keep.
func TestTombstonesWalkLikeRecords(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		w := mustWorkWorld(t, db)
		start := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
		clock := start
		db.Now = func() time.Time { return clock }
		var ids []string
		for i := range 3 {
			clock = start.Add(time.Duration(i) * time.Minute)
			x := &fieldportal.Task{SiteID: w.SiteA.ID, Subject: "Call", Status: "open"}
			if err := db.CreateTask(ctx, w.Staff, x); err != nil {
				t.Fatal(err)
			}
			if err := db.DeleteTask(ctx, w.Staff, x.ID, time.Time{}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, x.ID)
		}

		t.Run("the store's cursor of a sync walk is SyncAfter", func(t *testing.T) {
			kept := &fieldportal.Task{SiteID: w.SiteA.ID, Subject: "Kept", Status: "open"}
			other := &fieldportal.Task{SiteID: w.SiteA.ID, Subject: "Kept too", Status: "open"}
			for _, x := range []*fieldportal.Task{kept, other} {
				if err := db.CreateTask(ctx, w.Staff, x); err != nil {
					t.Fatal(err)
				}
			}
			l, next, err := db.FindTasks(ctx, w.Staff, fieldportal.TaskFilter{UpdatedSince: start.Add(-time.Hour), Page: fieldportal.Page{Limit: 1}})
			if err != nil || len(l) != 1 {
				t.Fatal(l, err)
			}
			if want := fieldportal.SyncAfter(l[0].UpdatedAt, l[0].ID); next != want {
				t.Errorf("tasks' cursor %q, SyncAfter %q", next, want)
			}
			tl, tnext, err := db.FindTombstones(ctx, w.Staff, fieldportal.TombstoneFilter{Kind: fieldportal.KindTask, Page: fieldportal.Page{Limit: 1}})
			if err != nil || len(tl) != 1 {
				t.Fatal(tl, err)
			}
			if want := fieldportal.SyncAfter(tl[0].DeletedAt, tl[0].ID); tnext != want {
				t.Errorf("tombstones' cursor %q, SyncAfter %q", tnext, want)
			}
		})
		t.Run("pages from a time and a cursor", func(t *testing.T) {
			got := pageAll(t, func(after string) ([]*fieldportal.Tombstone, string, error) {
				return db.FindTombstones(ctx, w.Staff, fieldportal.TombstoneFilter{Kind: fieldportal.KindTask, Since: start,
					Page: fieldportal.Page{After: after, Limit: 1}})
			}, func(x *fieldportal.Tombstone) string { return x.ID })
			if diff := cmp.Diff(ids[1:], got); diff != "" {
				t.Errorf("deleted after the first (-want +got):\n%s", diff)
			}
			after := fieldportal.SyncAfter(start.Add(time.Minute), ids[1])
			l, _, err := db.FindTombstones(ctx, w.Staff, fieldportal.TombstoneFilter{Kind: fieldportal.KindTask, Page: fieldportal.Page{After: after}})
			if err != nil || len(l) != 1 || l[0].ID != ids[2] {
				t.Errorf("after the second: %v, %v", l, err)
			}
		})
		t.Run("a forged cursor is refused", func(t *testing.T) {
			_, _, err := db.FindTombstones(ctx, w.Staff, fieldportal.TombstoneFilter{Kind: fieldportal.KindTask, Page: fieldportal.Page{After: "bm9wZQ"}})
			if fieldOf(err) != "after" {
				t.Errorf("forged cursor: %v", err)
			}
		})
		t.Run("the clean-up prunes tombstones past their keep", func(t *testing.T) {
			clock = start.Add(fieldportal.TombstoneKeep).Add(30 * time.Second)
			if err := db.DeleteExpired(ctx, clock.Add(-24*time.Hour)); err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, x := range mustTombstones(t, db, w.Staff, fieldportal.KindTask) {
				got = append(got, x.ID)
			}
			if diff := cmp.Diff(ids[1:], got); diff != "" {
				t.Errorf("kept (-want +got):\n%s", diff)
			}
		})
	})
}
