package api

import (
	"encoding/json"
	"net/http"
	"testing"
)

// TestOpenAPIIsPublic checks that the OpenAPI document is served without a
// key (a client generator reads it first), says so in itself, and that
// nothing else is: the index and any other address still need a key, and
// a write to the document's address is refused before a handler.
func TestOpenAPIIsPublic(t *testing.T) {
	h, _ := newTestAPI(t, &stubKeys{})
	t.Run("the document without a key", func(t *testing.T) {
		rec := call(t, h, "GET", "/api/v1/openapi.json", "", "192.0.2.1", "")
		if rec.Code != http.StatusOK {
			t.Fatalf("GET openapi.json without a key = %d, want 200", rec.Code)
		}
		var doc struct {
			Paths map[string]map[string]struct {
				Security  *[]any                    `json:"security"`
				Responses map[string]map[string]any `json:"responses"`
			} `json:"paths"`
		}
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			t.Fatal(err)
		}
		op := doc.Paths["/openapi.json"]["get"]
		if op.Security == nil || len(*op.Security) != 0 {
			t.Errorf("the document's own operation has security %v, want [] (no key)", op.Security)
		}
		if _, ok := op.Responses["401"]; ok {
			t.Error("the document's own operation lists a 401")
		}
		if index := doc.Paths["/"]["get"]; index.Security != nil {
			t.Errorf("the index has its own security %v, want the document's (a key)", *index.Security)
		}
		if rec := call(t, h, "HEAD", "/api/v1/openapi.json", "", "192.0.2.1", ""); rec.Code != http.StatusOK {
			t.Errorf("HEAD openapi.json without a key = %d, want 200", rec.Code)
		}
	})
	for _, c := range []struct{ method, path string }{
		{"GET", "/api/v1/"}, {"GET", "/api/v1/openapi.json/"},
		{"GET", "/api/v1/openapi.json2"}, {"POST", "/api/v1/openapi.json"}, {"DELETE", "/api/v1/openapi.json"},
	} {
		t.Run(c.method+" "+c.path+" needs a key", func(t *testing.T) {
			wantProblem(t, call(t, h, c.method, c.path, "", "192.0.2.1", ""), http.StatusUnauthorized, "")
		})
	}
}
