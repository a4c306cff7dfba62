package sqlstore_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// mustKeyViewer makes an API key of the admin's organisation and returns
// its viewer.
func mustKeyViewer(t *testing.T, db *sqlstore.DB, f *accounts, name string) fieldportal.Viewer {
	t.Helper()
	plain, _, err := db.CreateAPIKey(context.Background(), f.admin, name, fieldportal.APIKeyWrite)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.APIKeyViewer(context.Background(), f.orgA, plain, "")
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestIdempotency checks the Idempotency-Key records: claimed once,
// replayed to the same request, refused to another, held while running,
// per API key, and taken over when abandoned or a day old.
func TestIdempotency(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		ctx := context.Background()
		f := mustAccounts(t, db)
		k1, k2 := mustKeyViewer(t, db, f, "One"), mustKeyViewer(t, db, f, "Two")
		done := &fieldportal.IdempotentResponse{Status: 201, Header: map[string]string{"Content-Type": "application/json", "Location": "/api/v1/jobs/j1"},
			Body: []byte(`{"id":"j1"}` + "\n")}
		begin := func(t *testing.T, v fieldportal.Viewer, key, hash string) (*fieldportal.IdempotentResponse, error) {
			t.Helper()
			return db.BeginIdempotent(ctx, v, key, hash)
		}
		wantCode := func(t *testing.T, err error, want, field string) {
			t.Helper()
			var e *fieldportal.Error
			if !errors.As(err, &e) || e.Code != want || e.Field != field {
				t.Errorf("err = %v, want %s on %q", err, want, field)
			}
		}

		t.Run("the first request runs; a retry while it runs is told so", func(t *testing.T) {
			if got, err := begin(t, k1, "order-1", "h1"); got != nil || err != nil {
				t.Fatalf("claim = %+v, %v", got, err)
			}
			_, err := begin(t, k1, "order-1", "h1")
			wantCode(t, err, fieldportal.ECONFLICT, "")
		})
		t.Run("once it has run, the same request gets its response", func(t *testing.T) {
			if err := db.FinishIdempotent(ctx, k1, "order-1", "h1", done); err != nil {
				t.Fatal(err)
			}
			got, err := begin(t, k1, "order-1", "h1")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(done, got); diff != "" {
				t.Errorf("replay (-want +got):\n%s", diff)
			}
		})
		t.Run("the response kept for replay is sealed at rest", func(t *testing.T) {
			// A webhook endpoint's create answers its signing secret once;
			// its replay must not leave it readable in the database.
			secret := &fieldportal.IdempotentResponse{Status: 201, Body: []byte(`{"secret":"whsec_do-not-store-me"}`)}
			if got, err := begin(t, k1, "hook-1", "h9"); got != nil || err != nil {
				t.Fatalf("claim = %+v, %v", got, err)
			}
			if err := db.FinishIdempotent(ctx, k1, "hook-1", "h9", secret); err != nil {
				t.Fatal(err)
			}
			var stored []byte
			if err := db.SQL().QueryRowContext(ctx, `SELECT response_body FROM idempotency_keys WHERE idem_key = 'hook-1'`).Scan(&stored); err != nil {
				t.Fatal(err)
			}
			if len(stored) == 0 || strings.Contains(string(stored), "whsec_") || strings.Contains(string(stored), "secret") {
				t.Errorf("stored body %q holds the response in the clear", stored)
			}
			got, err := begin(t, k1, "hook-1", "h9")
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(secret.Body, got.Body); diff != "" {
				t.Errorf("replayed body (-want +got):\n%s", diff)
			}
		})
		t.Run("another request with the key is refused, naming the header", func(t *testing.T) {
			_, err := begin(t, k1, "order-1", "h2")
			wantCode(t, err, fieldportal.EINVALID, "Idempotency-Key")
		})
		t.Run("keys are per API key", func(t *testing.T) {
			if got, err := begin(t, k2, "order-1", "h2"); got != nil || err != nil {
				t.Errorf("another API key's claim = %+v, %v", got, err)
			}
		})
		t.Run("of requests sent at once, one runs", func(t *testing.T) {
			const n = 6
			errs := make(chan error, n)
			for range n {
				go func() {
					got, err := db.BeginIdempotent(ctx, k1, "burst", "h1")
					if got != nil {
						err = errors.New("a replay before any response")
					}
					errs <- err
				}()
			}
			ran := 0
			for range n {
				switch err := <-errs; fieldportal.ErrorCode(err) {
				case "":
					ran++
				case fieldportal.ECONFLICT:
				default:
					t.Errorf("err = %v", err)
				}
			}
			if ran != 1 {
				t.Errorf("%d of %d ran", ran, n)
			}
		})
		t.Run("a failure releases the claim", func(t *testing.T) {
			begin(t, k1, "order-2", "h1")
			if err := db.FinishIdempotent(ctx, k1, "order-2", "h1", nil); err != nil {
				t.Fatal(err)
			}
			if got, err := begin(t, k1, "order-2", "h1"); got != nil || err != nil {
				t.Errorf("claim after release = %+v, %v", got, err)
			}
		})
		t.Run("an abandoned claim is taken over after five minutes", func(t *testing.T) {
			begin(t, k1, "order-3", "h1")
			f.clk.now = f.clk.now.Add(4 * time.Minute)
			_, err := begin(t, k1, "order-3", "h1")
			wantCode(t, err, fieldportal.ECONFLICT, "")
			f.clk.now = f.clk.now.Add(time.Minute)
			if got, err := begin(t, k1, "order-3", "h1"); got != nil || err != nil {
				t.Errorf("take-over = %+v, %v", got, err)
			}
			_, err = begin(t, k1, "order-3", "h1")
			wantCode(t, err, fieldportal.ECONFLICT, "")
		})
		t.Run("after a day the key is free again and cleaned up", func(t *testing.T) {
			f.clk.now = f.clk.now.Add(24*time.Hour + time.Second)
			if err := db.DeleteExpired(ctx, f.clk.now); err != nil {
				t.Fatal(err)
			}
			if n := countRows(t, db, "idempotency_keys", "org_id = $1", f.orgA); n != 0 {
				t.Errorf("%d records left", n)
			}
			begin(t, k1, "order-4", "h1")
			db.FinishIdempotent(ctx, k1, "order-4", "h1", done)
			f.clk.now = f.clk.now.Add(24 * time.Hour)
			if got, err := begin(t, k1, "order-4", "h9"); got != nil || err != nil {
				t.Errorf("a day-old key for a new request = %+v, %v", got, err)
			}
		})
		t.Run("only API keys use them", func(t *testing.T) {
			for name, v := range map[string]fieldportal.Viewer{"admin": f.admin, "staff": f.staff, "system": f.sys} {
				t.Run(name, func(t *testing.T) {
					_, err := begin(t, v, "x", "h")
					wantCode(t, err, fieldportal.EFORBIDDEN, "")
					wantCode(t, db.FinishIdempotent(ctx, v, "x", "h", done), fieldportal.EFORBIDDEN, "")
				})
			}
		})
	})
}
