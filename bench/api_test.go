package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/server"
	"github.com/google/go-cmp/cmp"
)

// The services a sync entry of the collections with tombstones calls,
// answering empty pages; the rest of each interface is never called.
type (
	fakeAccess struct{ fieldportal.AccessService }
	fakeDiary  struct{ fieldportal.DiaryService }
	fakeEquip  struct{ fieldportal.EquipmentService }
	fakeTombs  struct{ asked map[string]string }
)

func (fakeAccess) FindContacts(context.Context, fieldportal.Viewer, fieldportal.ContactFilter) ([]*fieldportal.ContactListing, string, error) {
	return nil, "", nil
}

func (fakeDiary) FindAppointments(context.Context, fieldportal.Viewer, fieldportal.AppointmentFilter) ([]*fieldportal.Appointment, string, error) {
	return nil, "", nil
}

func (fakeDiary) FindTasks(context.Context, fieldportal.Viewer, fieldportal.TaskFilter) ([]*fieldportal.Task, string, error) {
	return nil, "", nil
}

func (fakeEquip) FindAssetTests(context.Context, fieldportal.Viewer, fieldportal.AssetTestFilter) ([]*fieldportal.AssetTest, string, error) {
	return nil, "", nil
}

func (fakeEquip) FindCertificates(context.Context, fieldportal.Viewer, fieldportal.CertificateFilter) ([]*fieldportal.Certificate, string, error) {
	return nil, "", nil
}

func (fakeEquip) FindDocuments(context.Context, fieldportal.Viewer, fieldportal.DocumentFilter) ([]*fieldportal.Document, string, error) {
	return nil, "", nil
}

func (fakeEquip) FindAssetTransferPage(context.Context, fieldportal.Viewer, fieldportal.AssetTransferFilter) ([]*fieldportal.AssetTransfer, string, error) {
	return nil, "", nil
}

func (f *fakeTombs) FindTombstones(_ context.Context, _ fieldportal.Viewer, tf fieldportal.TombstoneFilter) ([]*fieldportal.Tombstone, string, error) {
	f.asked[tf.Kind] = tf.Since.String()
	return nil, "", nil
}

// TestAPISyncEntriesReadTombstones checks that the sync entry of each
// collection whose deletions leave tombstones reads them, as the list's
// handler does (api.syncPage), from the same updated_since.
func TestAPISyncEntriesReadTombstones(t *testing.T) {
	want := map[string]string{"/contacts": fieldportal.KindContact, "/appointments": fieldportal.KindAppointment,
		"/tasks": fieldportal.KindTask, "/asset-tests": fieldportal.KindAssetTest,
		"/certificates": fieldportal.KindCertificate, "/documents": fieldportal.KindDocument,
		"/asset-transfers": fieldportal.KindAssetTransfer}
	tombs := &fakeTombs{asked: map[string]string{}}
	svc := server.Services{Access: fakeAccess{}, Diary: fakeDiary{}, Equipment: fakeEquip{}, Tombstones: tombs}
	got := map[string]string{}
	for _, e := range apiEntries() {
		for path, kind := range want {
			if e.Name != "API "+path+" sync" {
				continue
			}
			clear(tombs.asked)
			if err := e.SQL(t.Context(), svc, fieldportal.SystemViewer("org", "test"), &IDs{}); err != nil {
				t.Fatalf("%s: %v", e.Name, err)
			}
			if tombs.asked[kind] != syncSince.String() {
				t.Errorf("%s read the tombstones %v, want of %s since %v", e.Name, tombs.asked, kind, syncSince)
			}
			got[path] = kind
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("sync entries (-want +got):\n%s", diff)
	}
}

// TestWalkTakesTombstonesTimes checks that a sync walk's next
// updated_since is the greatest time of what it read, a tombstone's
// deleted_at included, and that it follows next_cursor to the end.
func TestWalkTakesTombstonesTimes(t *testing.T) {
	pages := map[string]string{
		"": `{"data":[{"id":"a","updated_at":"2026-01-01T10:00:00Z"}],"next_cursor":"c1"}`,
		"c1": `{"data":[{"id":"b","deleted_at":"2026-01-01T11:00:00Z","deleted":true},
			{"id":"c","updated_at":"2026-01-01T10:30:00Z"}],"next_cursor":null}`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := pages[r.URL.Query().Get("cursor")]
		if !ok || r.URL.Path != "/api/v1/tasks" || r.URL.Query().Get("updated_since") == "" {
			http.Error(w, "unexpected "+r.URL.String(), http.StatusBadRequest)
			return
		}
		w.Write([]byte(body))
	}))
	defer srv.Close()
	var seen []string
	records, n, _, last, err := walk(t.Context(), srv.Client(), srv.URL, "Bearer k", "/tasks", syncSince,
		func(id string) { seen = append(seen, id) })
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2026, 1, 1, 11, 0, 0, 0, time.UTC); records != 3 || n != 2 || !last.Equal(want) {
		t.Errorf("walk = %d records, %d pages, last %v; want 3, 2, %v", records, n, last, want)
	}
	if diff := cmp.Diff([]string{"a", "b", "c"}, seen); diff != "" {
		t.Errorf("seen (-want +got):\n%s", diff)
	}
}
