package api

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/web"
)

// The API's own tests run it on a kit over stub services: one
// organisation, and keys named by their scope ("fpk_read_1" is a read
// key with id "read_1").

// stubOrgs serves one organisation for every host.
type stubOrgs struct {
	fieldportal.OrganisationService
}

func (stubOrgs) FindOrganisationForHost(context.Context, string) (*fieldportal.Organisation, error) {
	return &fieldportal.Organisation{ID: "org1", Name: "Acme", Currency: "GBP", TimeZone: "Europe/London"}, nil
}

func (stubOrgs) FindSettings(context.Context, string) (fieldportal.Settings, error) {
	return fieldportal.Settings{}, nil
}

func (stubOrgs) CountOrganisations(context.Context) (int, error) { return 1, nil }

type stubReady struct{}

func (stubReady) Ping(context.Context) error { return nil }

// stubKeys knows the keys fpk_read_* and fpk_write_*; a throttled address
// gets the error the store gives. It keeps Idempotency-Key records in
// memory, as the store does in the database (without their ageing).
type stubKeys struct {
	fieldportal.APIKeyService
	// throttled is the client address refused as over its limit.
	throttled string

	mu   sync.Mutex
	idem map[string]*stubIdem // API key id + " " + key
}

type stubIdem struct {
	hash string
	res  *fieldportal.IdempotentResponse // nil while running
}

func (s *stubKeys) BeginIdempotent(_ context.Context, v fieldportal.Viewer, key, hash string) (*fieldportal.IdempotentResponse, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.idem == nil {
		s.idem = map[string]*stubIdem{}
	}
	rec, ok := s.idem[v.APIKeyID+" "+key]
	switch {
	case !ok:
		s.idem[v.APIKeyID+" "+key] = &stubIdem{hash: hash}
		return nil, nil
	case rec.hash != hash:
		return nil, fieldportal.FieldErrorf("Idempotency-Key", "Idempotency-Key was already used for a different request.")
	case rec.res == nil:
		return nil, fieldportal.Errorf(fieldportal.ECONFLICT, "A request with this Idempotency-Key is still being processed.")
	}
	return rec.res, nil
}

func (s *stubKeys) FinishIdempotent(ctx context.Context, v fieldportal.Viewer, key, hash string, res *fieldportal.IdempotentResponse) error {
	if err := ctx.Err(); err != nil {
		return err // as database/sql refuses a cancelled context
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if res == nil {
		delete(s.idem, v.APIKeyID+" "+key)
		return nil
	}
	s.idem[v.APIKeyID+" "+key].res = res
	return nil
}

func (s *stubKeys) APIKeyViewer(_ context.Context, orgID, plain, addr string) (fieldportal.Viewer, error) {
	if addr == s.throttled {
		e := fieldportal.Errorf(fieldportal.ERATELIMIT, "Too many attempts.")
		e.RetryAfter = 2500e6 // 2.5 s
		return fieldportal.Viewer{}, e
	}
	id, ok := strings.CutPrefix(plain, "fpk_")
	switch {
	case ok && strings.HasPrefix(id, "read_"):
		return fieldportal.NewAPIKeyViewer(orgID, id, id, fieldportal.APIKeyRead), nil
	case ok && strings.HasPrefix(id, "write_"):
		return fieldportal.NewAPIKeyViewer(orgID, id, id, fieldportal.APIKeyWrite), nil
	}
	return fieldportal.Viewer{}, fieldportal.Errorf(fieldportal.EUNAUTHORIZED, "The API key is not valid.")
}

// newTestAPI builds the API on a fresh kit with the stub services and
// returns the kit's handler and the API.
func newTestAPI(t *testing.T, keys fieldportal.APIKeyService, opts ...Option) (http.Handler, *API) {
	t.Helper()
	kit, err := web.New(web.Config{BaseURL: "http://portal.test"}, web.Deps{Orgs: stubOrgs{}, Ready: stubReady{}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := New(kit, Services{Keys: keys}, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return kit.Handler(), a
}

// call sends one request with a key (none when empty) from an address.
func call(t *testing.T, h http.Handler, method, path, key, addr string, body string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	req := httptest.NewRequest(method, path, strings.NewReader(body))
	req.Host = "portal.test"
	req.RemoteAddr = addr + ":5000"
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}
