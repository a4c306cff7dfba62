package api

import (
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// TestRateLimit checks each key's request rate: over it, a 429 problem
// with Retry-After; other keys go on; the bucket refills with time. The
// limit is small, through the constructor's option.
func TestRateLimit(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	h, _ := newTestAPI(t, &stubKeys{}, WithRateLimit(3, time.Minute), withClock(func() time.Time { return now }))
	get := func(key string) int {
		return call(t, h, "GET", "/api/v1/", key, "192.0.2.1", "").Code
	}
	for i := range 3 {
		if got := get("fpk_write_1"); got != http.StatusOK {
			t.Fatalf("request %d = %d, want 200", i+1, got)
		}
	}
	t.Run("over the limit", func(t *testing.T) {
		rec := call(t, h, "GET", "/api/v1/", "fpk_write_1", "192.0.2.1", "")
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Content-Type") != "application/problem+json" {
			t.Fatalf("= %d %s:\n%s", rec.Code, rec.Header().Get("Content-Type"), rec.Body)
		}
		// 3 a minute: one every 20 s.
		if got := rec.Header().Get("Retry-After"); got != "20" {
			t.Errorf("Retry-After = %q, want 20", got)
		}
		var p Problem
		if err := json.Unmarshal(rec.Body.Bytes(), &p); err != nil || p.Code != fieldportal.ERATELIMIT || p.Status != 429 {
			t.Errorf("problem = %+v, %v", p, err)
		}
	})
	t.Run("other keys are not held back", func(t *testing.T) {
		if got := get("fpk_read_2"); got != http.StatusOK {
			t.Errorf("another key = %d", got)
		}
	})
	t.Run("the bucket refills", func(t *testing.T) {
		now = now.Add(19 * time.Second)
		if got := get("fpk_write_1"); got != http.StatusTooManyRequests {
			t.Errorf("after 19 s = %d, want 429", got)
		}
		now = now.Add(time.Second)
		if got := get("fpk_write_1"); got != http.StatusOK {
			t.Errorf("after 20 s = %d, want 200", got)
		}
	})
	t.Run("an address the key service throttles gets 429 with its wait", func(t *testing.T) {
		h, _ := newTestAPI(t, &stubKeys{throttled: "198.51.100.7"})
		rec := call(t, h, "GET", "/api/v1/", "fpk_write_1", "198.51.100.7", "")
		if rec.Code != http.StatusTooManyRequests || rec.Header().Get("Retry-After") != "3" {
			t.Errorf("= %d, Retry-After %q; want 429 and 3", rec.Code, rec.Header().Get("Retry-After"))
		}
		if rec.Header().Get("WWW-Authenticate") != "" {
			t.Error("a throttled address is told its key is bad")
		}
	})
}

// TestKeyLimitsPrune checks that full buckets are forgotten.
func TestKeyLimitsPrune(t *testing.T) {
	now := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	l := newKeyLimits(2, time.Minute, func() time.Time { return now })
	l.take("a")
	l.take("b")
	now = now.Add(2 * time.Minute)
	l.take("b")
	if _, ok := l.keys["a"]; ok || len(l.keys) != 1 {
		t.Errorf("kept %d buckets, a kept %v", len(l.keys), ok)
	}
}
