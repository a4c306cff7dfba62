package api

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// testOrders is a POST route registered only in this test: it makes an
// "order" from its body, counting how often it ran.
type testOrders struct {
	ran atomic.Int32
	// hold, when set, keeps a request running until it is closed.
	hold chan struct{}
	// fail answers 500 while set.
	fail atomic.Bool
}

func (o *testOrders) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	n := o.ran.Add(1)
	if o.hold != nil {
		<-o.hold
	}
	if o.fail.Load() {
		http.Error(w, "down", http.StatusInternalServerError)
		return
	}
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Location", "/api/v1/test-orders/"+string(rune('0'+n)))
	w.Header().Set("X-Not-Kept", "1")
	w.WriteHeader(http.StatusCreated)
	json.NewEncoder(w).Encode(map[string]any{"n": n, "body": string(body)})
}

// wantProblem fails the test unless rec is a problem of status naming
// field (none when "").
func wantProblem(t *testing.T, rec interface {
	Result() *http.Response
}, status int, field string) {
	t.Helper()
	res := rec.Result()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != status || res.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("= %d %s, want a %d problem:\n%s", res.StatusCode, res.Header.Get("Content-Type"), status, body)
	}
	var p Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Fatal(err)
	}
	if field != "" && (len(p.Errors) != 1 || p.Errors[0].Field != field) {
		t.Errorf("errors = %+v, want one on %s", p.Errors, field)
	}
}

func TestIdempotencyKey(t *testing.T) {
	keys := &stubKeys{}
	h, a := newTestAPI(t, keys)
	orders := &testOrders{}
	a.mux.Handle("POST "+Prefix+"/test-orders", orders)
	post := func(body string, header ...string) *http.Response {
		t.Helper()
		return call(t, h, "POST", "/api/v1/test-orders", "fpk_write_1", "192.0.2.1", body, header...).Result()
	}
	read := func(res *http.Response) string {
		b, _ := io.ReadAll(res.Body)
		return string(b)
	}

	t.Run("the same request again gets the first response", func(t *testing.T) {
		first := post(`{"ref":"A1"}`, "Idempotency-Key", "order-A1")
		firstBody := read(first)
		if first.StatusCode != http.StatusCreated || first.Header.Get("Idempotent-Replayed") != "" || !strings.Contains(firstBody, `\"ref\":\"A1\"`) {
			t.Fatalf("first = %d %v:\n%s", first.StatusCode, first.Header, firstBody)
		}
		again := post(`{"ref":"A1"}`, "Idempotency-Key", "order-A1")
		if got := read(again); got != firstBody {
			t.Errorf("replayed body %q, want %q", got, firstBody)
		}
		want := map[string]string{"Status": "201", "Idempotent-Replayed": "true", "Content-Type": "application/json",
			"Location": first.Header.Get("Location"), "X-Not-Kept": ""}
		got := map[string]string{"Status": again.Status[:3], "Idempotent-Replayed": again.Header.Get("Idempotent-Replayed"),
			"Content-Type": again.Header.Get("Content-Type"), "Location": again.Header.Get("Location"), "X-Not-Kept": again.Header.Get("X-Not-Kept")}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("replay (-want +got):\n%s", diff)
		}
		if n := orders.ran.Load(); n != 1 {
			t.Errorf("the handler ran %d times", n)
		}
	})
	t.Run("another request with the key is a 422 naming the header", func(t *testing.T) {
		rec := call(t, h, "POST", "/api/v1/test-orders", "fpk_write_1", "192.0.2.1", `{"ref":"B2"}`, "Idempotency-Key", "order-A1")
		wantProblem(t, rec, http.StatusUnprocessableEntity, "Idempotency-Key")
		if n := orders.ran.Load(); n != 1 {
			t.Errorf("the handler ran %d times", n)
		}
	})
	t.Run("another API key has keys of its own", func(t *testing.T) {
		res := call(t, h, "POST", "/api/v1/test-orders", "fpk_write_2", "192.0.2.1", `{"ref":"B2"}`, "Idempotency-Key", "order-A1").Result()
		if res.StatusCode != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("= %d, replayed %q", res.StatusCode, res.Header.Get("Idempotent-Replayed"))
		}
	})
	t.Run("without the header every request runs", func(t *testing.T) {
		before := orders.ran.Load()
		post(`{"ref":"C"}`)
		post(`{"ref":"C"}`)
		if n := orders.ran.Load() - before; n != 2 {
			t.Errorf("ran %d times", n)
		}
	})
	t.Run("a failure is not kept: the retry runs", func(t *testing.T) {
		orders.fail.Store(true)
		if res := post(`{"ref":"D"}`, "Idempotency-Key", "order-D"); res.StatusCode != http.StatusInternalServerError {
			t.Fatalf("= %d", res.StatusCode)
		}
		orders.fail.Store(false)
		if res := post(`{"ref":"D"}`, "Idempotency-Key", "order-D"); res.StatusCode != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "" {
			t.Errorf("retry = %d, replayed %q", res.StatusCode, res.Header.Get("Idempotent-Replayed"))
		}
	})
	for name, value := range map[string]string{
		"empty":          "",
		"too long":       strings.Repeat("k", 256),
		"not ASCII":      "commande-é",
		"a control char": "order\x01",
	} {
		t.Run("a bad header is a 422: "+name, func(t *testing.T) {
			before := orders.ran.Load()
			rec := call(t, h, "POST", "/api/v1/test-orders", "fpk_write_1", "192.0.2.1", `{}`, "Idempotency-Key", value)
			wantProblem(t, rec, http.StatusUnprocessableEntity, "Idempotency-Key")
			if orders.ran.Load() != before {
				t.Error("the handler ran")
			}
		})
	}
	t.Run("a key of 255 printable characters is fine", func(t *testing.T) {
		if res := post(`{}`, "Idempotency-Key", strings.Repeat("~", 255)); res.StatusCode != http.StatusCreated {
			t.Errorf("= %d", res.StatusCode)
		}
	})
	t.Run("GET ignores the header", func(t *testing.T) {
		for range 2 {
			res := call(t, h, "GET", "/api/v1/", "fpk_write_1", "192.0.2.1", "", "Idempotency-Key", "order-A1").Result()
			if res.StatusCode != http.StatusOK || res.Header.Get("Idempotent-Replayed") != "" {
				t.Errorf("GET = %d, replayed %q", res.StatusCode, res.Header.Get("Idempotent-Replayed"))
			}
		}
	})
}

// TestIdempotencyKeyInFlight checks that a duplicate sent while the first
// request still runs is a 409 problem, and the first then completes.
func TestIdempotencyKeyInFlight(t *testing.T) {
	h, a := newTestAPI(t, &stubKeys{})
	orders := &testOrders{hold: make(chan struct{})}
	a.mux.Handle("POST "+Prefix+"/test-orders", orders)
	var wg sync.WaitGroup
	var first *http.Response
	wg.Go(func() {
		first = call(t, h, "POST", "/api/v1/test-orders", "fpk_write_1", "192.0.2.1", `{"ref":"E"}`, "Idempotency-Key", "order-E").Result()
	})
	for deadline := time.Now().Add(60 * time.Second); orders.ran.Load() == 0; { // for a loaded machine
		if time.Now().After(deadline) {
			t.Fatal("the first request never reached the handler")
		}
		time.Sleep(time.Millisecond)
	}
	rec := call(t, h, "POST", "/api/v1/test-orders", "fpk_write_1", "192.0.2.1", `{"ref":"E"}`, "Idempotency-Key", "order-E")
	wantProblem(t, rec, http.StatusConflict, "")
	close(orders.hold)
	wg.Wait()
	if first.StatusCode != http.StatusCreated || orders.ran.Load() != 1 {
		t.Errorf("first = %d, ran %d times", first.StatusCode, orders.ran.Load())
	}
	res := call(t, h, "POST", "/api/v1/test-orders", "fpk_write_1", "192.0.2.1", `{"ref":"E"}`, "Idempotency-Key", "order-E").Result()
	if res.Header.Get("Idempotent-Replayed") != "true" || res.StatusCode != http.StatusCreated {
		t.Errorf("after it ran = %d, replayed %q", res.StatusCode, res.Header.Get("Idempotent-Replayed"))
	}
}

// TestIdempotencyKeyClientGone checks that a response is kept when the
// client has gone by the time the handler is done (its request context
// cancelled): that client is the one that will retry, and its retry must
// get the response, not a 409 and then, once the claim ages, a second run.
func TestIdempotencyKeyClientGone(t *testing.T) {
	h, a := newTestAPI(t, &stubKeys{})
	var ran atomic.Int32
	var gone context.CancelFunc
	a.mux.HandleFunc("POST "+Prefix+"/test-gone", func(w http.ResponseWriter, r *http.Request) {
		ran.Add(1)
		w.WriteHeader(http.StatusCreated)
		w.Write([]byte(`{"id":"1"}`))
		if gone != nil {
			gone() // the client hangs up as the answer goes out
		}
	})
	send := func(ctx context.Context) *http.Response {
		req := httptest.NewRequestWithContext(ctx, "POST", "/api/v1/test-gone", strings.NewReader(`{}`))
		req.Host, req.RemoteAddr = "portal.test", "192.0.2.1:5000"
		req.Header.Set("Authorization", "Bearer fpk_write_1")
		req.Header.Set("Idempotency-Key", "order-gone")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result()
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	gone = cancel
	send(ctx)
	gone = nil
	res := send(context.Background())
	if res.StatusCode != http.StatusCreated || res.Header.Get("Idempotent-Replayed") != "true" || ran.Load() != 1 {
		t.Errorf("retry = %d, replayed %q; the handler ran %d times", res.StatusCode, res.Header.Get("Idempotent-Replayed"), ran.Load())
	}
}
