package api

import (
	"net/http"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestReadKeyNeverWrites checks that a read key reaches a handler with GET
// and HEAD only: every other method, whatever its spelling, is a 403
// problem before any handler runs, and no header or parameter turns a GET
// into another method.
func TestReadKeyNeverWrites(t *testing.T) {
	h, a := newTestAPI(t, &stubKeys{})
	var ran []string
	a.mux.HandleFunc(Prefix+"/test-any", func(w http.ResponseWriter, r *http.Request) {
		ran = append(ran, r.Method)
	})
	for _, method := range []string{"POST", "PUT", "PATCH", "DELETE", "OPTIONS", "TRACE", "post", "Get", "PROPFIND"} {
		t.Run(method, func(t *testing.T) {
			ran = nil
			rec := call(t, h, method, "/api/v1/test-any", "fpk_read_1", "192.0.2.1", `{}`)
			wantProblem(t, rec, http.StatusForbidden, "")
			if ran != nil {
				t.Errorf("the handler ran for %v", ran)
			}
			ran = nil
			if rec := call(t, h, method, "/api/v1/test-any", "fpk_write_1", "192.0.2.1", `{}`); rec.Code == http.StatusForbidden || len(ran) != 1 {
				t.Errorf("a write key = %d, ran %v", rec.Code, ran)
			}
		})
	}
	t.Run("GET and HEAD, and no override", func(t *testing.T) {
		ran = nil
		call(t, h, "GET", "/api/v1/test-any", "fpk_read_1", "192.0.2.1", "")
		call(t, h, "HEAD", "/api/v1/test-any", "fpk_read_1", "192.0.2.1", "")
		call(t, h, "GET", "/api/v1/test-any?_method=DELETE", "fpk_read_1", "192.0.2.1", "",
			"X-HTTP-Method-Override", "DELETE", "X-HTTP-Method", "DELETE", "X-Method-Override", "DELETE")
		if diff := cmp.Diff([]string{"GET", "HEAD", "GET"}, ran); diff != "" {
			t.Errorf("methods the handler saw (-want +got):\n%s", diff)
		}
	})
}
