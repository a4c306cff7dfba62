package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// TestAPIDoor checks the API's door: a key of the organisation gets in,
// anything else is a 401 problem, and every error is RFC 9457 problem
// details with no internal text.
func TestAPIDoor(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		key, _, err := db.CreateAPIKey(t.Context(), f.sys, "Back office", fieldportal.APIKeyWrite)
		if err != nil {
			t.Fatal(err)
		}
		h := f.s.Handler()
		host := "portal.test"
		call := func(path, auth string) (*http.Response, string) {
			req := httptest.NewRequest("GET", path, nil)
			req.Host = host
			if auth != "" {
				req.Header.Set("Authorization", auth)
			}
			return do(t, h, req)
		}
		problem := func(t *testing.T, res *http.Response, body string, status int, code string) {
			t.Helper()
			if res.StatusCode != status || res.Header.Get("Content-Type") != "application/problem+json" {
				t.Fatalf("= %d %s, want %d application/problem+json:\n%s", res.StatusCode, res.Header.Get("Content-Type"), status, body)
			}
			var p api.Problem
			if err := json.Unmarshal([]byte(body), &p); err != nil {
				t.Fatalf("not JSON: %v\n%s", err, body)
			}
			if p.Status != status || p.Code != code || p.Type == "" || p.Title == "" {
				t.Errorf("problem = %+v, want status %d code %s", p, status, code)
			}
		}
		t.Run("a key of the organisation gets the index", func(t *testing.T) {
			res, body := call("/api/v1/", "Bearer "+key)
			if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "application/json" {
				t.Fatalf("index = %d %s:\n%s", res.StatusCode, res.Header.Get("Content-Type"), body)
			}
			var idx struct {
				Version   string         `json:"version"`
				Resources []api.Resource `json:"resources"`
			}
			if err := json.Unmarshal([]byte(body), &idx); err != nil || idx.Version != "v1" || idx.Resources == nil {
				t.Errorf("index = %+v (%v)", idx, err)
			}
		})
		t.Run("no key", func(t *testing.T) {
			res, body := call("/api/v1/", "")
			problem(t, res, body, http.StatusUnauthorized, fieldportal.EUNAUTHORIZED)
			if !strings.HasPrefix(res.Header.Get("WWW-Authenticate"), "Bearer") {
				t.Errorf("WWW-Authenticate = %q", res.Header.Get("WWW-Authenticate"))
			}
		})
		for name, auth := range map[string]string{
			"a wrong key":                      "Bearer fpk_not-a-key",
			"a key in the wrong scheme":        "Basic " + key,
			"a session cookie is not a bearer": "Bearer ",
		} {
			t.Run(name, func(t *testing.T) {
				res, body := call("/api/v1/", auth)
				problem(t, res, body, http.StatusUnauthorized, fieldportal.EUNAUTHORIZED)
			})
		}
		t.Run("a cross-site request is refused as a problem", func(t *testing.T) {
			req := httptest.NewRequest("POST", "/api/v1/", strings.NewReader("{}"))
			req.Host = host
			req.Header.Set("Sec-Fetch-Site", "cross-site")
			req.Header.Set("Authorization", "Bearer "+key)
			res, body := do(t, h, req)
			problem(t, res, body, http.StatusForbidden, fieldportal.EFORBIDDEN)
		})
		t.Run("a read key reads but may not write", func(t *testing.T) {
			readKey, _, err := db.CreateAPIKey(t.Context(), f.sys, "Reporting", fieldportal.APIKeyRead)
			if err != nil {
				t.Fatal(err)
			}
			if res, body := call("/api/v1/", "Bearer "+readKey); res.StatusCode != http.StatusOK {
				t.Fatalf("GET with a read key = %d:\n%s", res.StatusCode, body)
			}
			for _, method := range []string{"POST", "PUT", "PATCH", "DELETE"} {
				t.Run(method, func(t *testing.T) {
					// The index has no such route: a write key gets past the
					// guard to the router's answer, a read key never does.
					send := func(key string) (*http.Response, string) {
						req := httptest.NewRequest(method, "/api/v1/", strings.NewReader("{}"))
						req.Host = host
						req.Header.Set("Authorization", "Bearer "+key)
						return do(t, h, req)
					}
					res, body := send(readKey)
					problem(t, res, body, http.StatusForbidden, fieldportal.EFORBIDDEN)
					if !strings.Contains(body, "write scope") {
						t.Errorf("the problem does not say why:\n%s", body)
					}
					if res, body := send(key); res.StatusCode == http.StatusForbidden {
						t.Errorf("a write key = %d:\n%s", res.StatusCode, body)
					}
				})
			}
		})
		t.Run("an unknown resource is a 404 problem", func(t *testing.T) {
			res, body := call("/api/v1/no-such-thing", "Bearer "+key)
			problem(t, res, body, http.StatusNotFound, fieldportal.ENOTFOUND)
		})
		t.Run("a revoked key is refused", func(t *testing.T) {
			k2, rec, err := db.CreateAPIKey(t.Context(), f.sys, "Old system", fieldportal.APIKeyWrite)
			if err != nil {
				t.Fatal(err)
			}
			if res, _ := call("/api/v1/", "Bearer "+k2); res.StatusCode != http.StatusOK {
				t.Fatalf("a new key = %d", res.StatusCode)
			}
			if err := db.RevokeAPIKey(t.Context(), f.sys, rec.ID); err != nil {
				t.Fatal(err)
			}
			res, body := call("/api/v1/", "Bearer "+k2)
			problem(t, res, body, http.StatusUnauthorized, fieldportal.EUNAUTHORIZED)
		})
		t.Run("a key answers for its organisation alone", func(t *testing.T) {
			other := mustOrg(t, db, "Other Org", "other.example.test")
			otherKey, _, err := db.CreateAPIKey(t.Context(), fieldportal.SystemViewer(other.ID, "test"), "Theirs", fieldportal.APIKeyWrite)
			if err != nil {
				t.Fatal(err)
			}
			host = "other.example.test"
			if res, body := call("/api/v1/", "Bearer "+otherKey); res.StatusCode != http.StatusOK {
				t.Fatalf("the other organisation's own key = %d:\n%s", res.StatusCode, body)
			}
			res, body := call("/api/v1/", "Bearer "+key)
			problem(t, res, body, http.StatusUnauthorized, fieldportal.EUNAUTHORIZED)
		})
	})
}

func TestProblemFor(t *testing.T) {
	p := api.ProblemFor(fieldportal.FieldErrorf("name", "Name is too long."))
	if p.Status != http.StatusUnprocessableEntity || p.Code != fieldportal.EINVALID || len(p.Errors) != 1 || p.Errors[0].Field != "name" {
		t.Errorf("validation problem = %+v", p)
	}
	p = api.ProblemFor(errString("pq: relation secret_table does not exist"))
	if p.Status != http.StatusInternalServerError || strings.Contains(p.Detail, "secret_table") {
		t.Errorf("internal problem = %+v", p)
	}
}

type errString string

func (e errString) Error() string { return string(e) }
