package api

import (
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// mustTestAPI builds the API's router and document without a kit, with
// services that are never called.
func mustTestAPI(tb testing.TB) *API {
	tb.Helper()
	a := &API{svc: Services{Sites: unusedSites{}, Contacts: unusedContacts{}, Work: unusedWork{}, Diary: unusedDiary{}, Equipment: unusedEquipment{},
		Webhooks: unusedWebhooks{}, Messages: unusedMessages{}, VisitReports: unusedVisitReports{}}, log: slog.New(slog.DiscardHandler), mux: http.NewServeMux()}
	a.routes()
	doc, err := a.openAPI()
	if err != nil {
		tb.Fatal(err)
	}
	a.doc = doc
	return a
}

type unusedSites struct{ fieldportal.SiteService }

type unusedContacts struct{ fieldportal.AccessService }

type unusedWork struct{ fieldportal.WorkService }

type unusedDiary struct{ fieldportal.DiaryService }

// unusedVisitReports serves the jobs' visit report routes in the
// document's tests, never called.
type unusedVisitReports struct{ fieldportal.VisitReportService }

// unusedEquipment serves the assets' and certificates' routes in the
// document's tests, never called.
type unusedEquipment struct{ fieldportal.EquipmentService }

// unusedWebhooks serves the webhook endpoints' routes in the document's
// tests, never called.
type unusedWebhooks struct{ fieldportal.WebhookService }

// unusedMessages serves the messages' routes in the document's tests,
// never called.
type unusedMessages struct{ fieldportal.MessageService }

// TestOpenAPIMatchesTheRouter walks the document and the routes the
// router registered: each operation of one is served or described by the
// other, and a request to a documented path reaches its route, not the
// catch-all.
func TestOpenAPIMatchesTheRouter(t *testing.T) {
	a := mustTestAPI(t)
	var doc struct {
		OpenAPI string                               `json:"openapi"`
		Paths   map[string]map[string]map[string]any `json:"paths"`
	}
	if err := json.Unmarshal(a.doc, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Errorf("openapi = %q", doc.OpenAPI)
	}
	documented := map[string]bool{}
	for path, item := range doc.Paths {
		for method := range item {
			op := strings.ToUpper(method) + " " + path
			documented[op] = true
			req := httptest.NewRequest(strings.ToUpper(method), Prefix+fillPath(path), nil)
			_, pattern := a.mux.Handler(req)
			want := strings.ToUpper(method) + " " + Prefix + path
			if path == "/" {
				want = "GET " + Prefix + "/{$}"
			}
			if pattern != want {
				t.Errorf("%s is documented but reaches %q", op, pattern)
			}
		}
	}
	served := map[string]bool{}
	for _, rt := range a.routeTable {
		op := rt.Method + " " + rt.Path
		served[op] = true
		if !documented[op] {
			t.Errorf("%s is served but not documented", op)
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("%s is documented but not served", op)
		}
	}
	for _, want := range []string{"GET /customers", "POST /customers", "GET /customers/{id}", "PATCH /customers/{id}",
		"PUT /customers/by-external-id/{external_id}", "GET /sites", "PUT /sites/by-external-id/{external_id}", "GET /openapi.json",
		"GET /contacts", "POST /contacts", "GET /contacts/{id}", "PATCH /contacts/{id}", "PUT /contacts/by-external-id/{external_id}"} {
		if !served[want] {
			t.Errorf("%s is missing", want)
		}
	}
}

// fillPath puts a value in each path parameter.
func fillPath(path string) string {
	parts := strings.Split(path, "/")
	for i, p := range parts {
		if strings.HasPrefix(p, "{") {
			parts[i] = "x1"
		}
	}
	return strings.Join(parts, "/")
}

// TestOpenAPIListParameters checks every list takes the query parameters
// its document describes, and refuses one it does not.
func TestOpenAPIListParameters(t *testing.T) {
	a := mustTestAPI(t)
	for _, rt := range a.routeTable {
		if len(rt.Query) == 0 {
			continue
		}
		t.Run(rt.ID, func(t *testing.T) {
			var q []string
			for _, p := range rt.Query {
				if p.Name != "cursor" && p.Name != "updated_since" {
					q = append(q, p.Name+"=1")
				}
			}
			if _, err := parseList(httptest.NewRequest("GET", "/?"+strings.Join(q, "&"), nil), filterNames(rt.Query)...); err != nil {
				t.Errorf("documented parameters refused: %v", err)
			}
			if _, err := parseList(httptest.NewRequest("GET", "/?undocumented=1", nil), filterNames(rt.Query)...); err == nil {
				t.Error("an undocumented parameter is taken")
			}
		})
	}
}

// TestOpenAPIDocumentIsValid checks the document against the OpenAPI 3.1
// schema with a maintained library, and that each operation is complete.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	a := mustTestAPI(t)
	d, err := libopenapi.NewDocument(a.doc)
	if err != nil {
		t.Fatal(err)
	}
	v, errs := validator.NewValidator(d)
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	if ok, verrs := v.ValidateDocument(); !ok {
		for _, e := range verrs {
			t.Errorf("%s: %s", e.Message, e.Reason)
			for _, se := range e.SchemaValidationErrors {
				t.Errorf("  %s at %s (%s)", se.Reason, se.FieldPath, se.KeywordLocation)
			}
		}
	}
	model, merrs := d.BuildV3Model()
	if merrs != nil {
		t.Fatal(merrs)
	}
	ids := map[string]bool{}
	for path, item := range model.Model.Paths.PathItems.FromOldest() {
		for method, op := range item.GetOperations().FromOldest() {
			if op.OperationId == "" || ids[op.OperationId] {
				t.Errorf("%s %s: operationId %q empty or twice", method, path, op.OperationId)
			}
			ids[op.OperationId] = true
			if op.Responses == nil || op.Responses.Default == nil {
				t.Errorf("%s %s: no problem response", method, path)
			}
			var params []string
			for _, p := range op.Parameters {
				if p.In == "path" {
					params = append(params, p.Name)
				}
			}
			for _, seg := range strings.Split(path, "/") {
				if name, ok := strings.CutPrefix(seg, "{"); ok && !slices.Contains(params, strings.TrimSuffix(name, "}")) {
					t.Errorf("%s %s: path parameter %s undocumented", method, path, name)
				}
			}
		}
	}
}

// A method an address does not take is a 405 naming those it does; an
// address of nothing is a 404.
func TestUnknownRoutes(t *testing.T) {
	a := mustTestAPI(t)
	for _, tc := range []struct {
		method, path string
		status       int
		allow        string
	}{
		{"DELETE", "/customers/c1", http.StatusMethodNotAllowed, "GET, PATCH"},
		{"POST", "/customers/by-external-id/x", http.StatusMethodNotAllowed, "PUT"},
		{"PATCH", "/sites", http.StatusMethodNotAllowed, "GET, POST"},
		{"PUT", "/webhook-endpoints/w1", http.StatusMethodNotAllowed, "GET, PATCH, DELETE"},
		{"PUT", "/webhook-endpoints/by-external-id/x", http.StatusNotFound, ""},
		{"DELETE", "/items/i1", http.StatusMethodNotAllowed, "GET, PATCH"},
		{"GET", "/no-such-thing", http.StatusNotFound, ""},
	} {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			w := httptest.NewRecorder()
			a.mux.ServeHTTP(w, httptest.NewRequest(tc.method, Prefix+tc.path, nil))
			if w.Code != tc.status || w.Header().Get("Allow") != tc.allow {
				t.Errorf("= %d Allow %q, want %d %q", w.Code, w.Header().Get("Allow"), tc.status, tc.allow)
			}
		})
	}
}

// Every field of every schema is snake_case, and every representation
// carries its id as a string: the contract's naming holds as types grow.
func TestOpenAPINaming(t *testing.T) {
	a := mustTestAPI(t)
	var doc struct {
		Components struct {
			Schemas map[string]struct {
				Properties map[string]map[string]any `json:"properties"`
			} `json:"schemas"`
		} `json:"components"`
	}
	if err := json.Unmarshal(a.doc, &doc); err != nil {
		t.Fatal(err)
	}
	snake := regexp.MustCompile(`^[a-z][a-z0-9]*(_[a-z0-9]+)*$`)
	for name, s := range doc.Components.Schemas {
		for prop, schema := range s.Properties {
			if !snake.MatchString(prop) {
				t.Errorf("%s.%s is not snake_case", name, prop)
			}
			if (prop == "id" || strings.HasSuffix(prop, "_id")) && !strings.Contains(fmt.Sprint(schema["type"]), "string") {
				t.Errorf("%s.%s is an id that is not a string: %v", name, prop, schema)
			}
		}
	}
	if len(doc.Components.Schemas) < 5 {
		t.Errorf("only %d schemas", len(doc.Components.Schemas))
	}
}

// TestOpenAPIDescribesTheDoorsRefusals checks every operation documents
// what the API's door answers before any handler: 401 without a valid
// key, 429 with Retry-After over the rate, 403 for a read key writing,
// and the Idempotency-Key a POST honours; a write under If-Match its 412
// (a create reads no If-Match, so it documents none).
func TestOpenAPIDescribesTheDoorsRefusals(t *testing.T) {
	a := mustTestAPI(t)
	var doc struct {
		Paths map[string]map[string]struct {
			Parameters []struct{ Name, In string } `json:"parameters"`
			Responses  map[string]struct {
				Ref     string         `json:"$ref"`
				Headers map[string]any `json:"headers"`
			} `json:"responses"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(a.doc, &doc); err != nil {
		t.Fatal(err)
	}
	for _, rt := range a.routeTable {
		t.Run(rt.ID, func(t *testing.T) {
			op := doc.Paths[rt.Path][strings.ToLower(rt.Method)]
			var headers []string
			for _, p := range op.Parameters {
				if p.In == "header" {
					headers = append(headers, p.Name)
				}
			}
			if rt.Public {
				// Served without a key (TestOpenAPIIsPublic): no door refuses it.
				if len(op.Responses) == 0 {
					t.Error("no responses")
				}
				for _, status := range []string{"401", "403", "429"} {
					if _, ok := op.Responses[status]; ok {
						t.Errorf("a public route documents %s", status)
					}
				}
				return
			}
			want := []string{"401", "429"}
			if rt.Method != http.MethodGet {
				want = append(want, "403")
			}
			// If-Match is read by the writes over a record, not by a create.
			ifMatch := rt.ETag && (rt.Method == http.MethodPatch || rt.Method == http.MethodPut || rt.Method == http.MethodDelete)
			if ifMatch {
				want = append(want, "412")
			}
			if got := slices.Contains(headers, "If-Match"); got != ifMatch {
				t.Errorf("If-Match documented = %v, want %v", got, ifMatch)
			}
			for _, status := range want {
				if _, ok := op.Responses[status]; !ok {
					t.Errorf("no %s response", status)
				}
			}
			if _, ok := op.Responses["429"].Headers["Retry-After"]; !ok {
				t.Error("the 429 response has no Retry-After header")
			}
			if got := slices.Contains(headers, "Idempotency-Key"); got != (rt.Method == http.MethodPost) {
				t.Errorf("Idempotency-Key documented = %v, want %v (header parameters %v)", got, rt.Method == http.MethodPost, headers)
			}
		})
	}
}
