package server

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestAPIIdempotencyKey checks Idempotency-Key end to end, through the
// store's records: the router has no POST resource yet in this test, so
// the request is one the router refuses (404), whose answer is kept and
// replayed like any other.
func TestAPIIdempotencyKey(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		key, _, err := db.CreateAPIKey(t.Context(), f.sys, "Back office", fieldportal.APIKeyWrite)
		if err != nil {
			t.Fatal(err)
		}
		post := func(body, idem string) (*http.Response, string) {
			req, _ := http.NewRequest("POST", f.srv.URL+"/api/v1/orders", strings.NewReader(body))
			req.Header.Set("Authorization", "Bearer "+key)
			req.Header.Set("Content-Type", "application/json")
			req.Header.Set("Idempotency-Key", idem)
			res, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer res.Body.Close()
			b, _ := io.ReadAll(res.Body)
			return res, string(b)
		}
		first, firstBody := post(`{"ref":"A"}`, "order-A")
		if first.Header.Get("Idempotent-Replayed") != "" {
			t.Fatalf("the first request is a replay")
		}
		t.Run("the same request is replayed from the store", func(t *testing.T) {
			res, body := post(`{"ref":"A"}`, "order-A")
			if res.StatusCode != first.StatusCode || body != firstBody || res.Header.Get("Idempotent-Replayed") != "true" ||
				res.Header.Get("Content-Type") != first.Header.Get("Content-Type") {
				t.Errorf("= %d %v:\n%s\nwant %d:\n%s", res.StatusCode, res.Header, body, first.StatusCode, firstBody)
			}
		})
		t.Run("another body with the key is a 422 naming the header", func(t *testing.T) {
			res, body := post(`{"ref":"B"}`, "order-A")
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"Idempotency-Key"`) {
				t.Errorf("= %d:\n%s", res.StatusCode, body)
			}
		})
		t.Run("a bad header is a 422 naming it", func(t *testing.T) {
			res, body := post(`{"ref":"A"}`, strings.Repeat("k", 256))
			if res.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `"field":"Idempotency-Key"`) {
				t.Errorf("= %d:\n%s", res.StatusCode, body)
			}
		})
	})
}
