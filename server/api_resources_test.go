package server

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
	"github.com/pb33f/libopenapi"
	validator "github.com/pb33f/libopenapi-validator"
)

// apiClient calls the API of one organisation with one key, through the
// whole handler.
type apiClient struct {
	t          *testing.T
	h          http.Handler
	host, key  string
	onResponse func(req *http.Request, res *http.Response, body string)
	// validate checks a response against the OpenAPI document
	// (checkResponses) and returns what failed.
	validate func(req *http.Request, res *http.Response, body string) []string
}

// mustAPIClient makes a key of the organisation and a client with it.
func mustAPIClient(t *testing.T, f *fixture, orgID, host string) *apiClient {
	t.Helper()
	key, _, err := f.db.CreateAPIKey(t.Context(), fieldportal.SystemViewer(orgID, "test"), "Back office", fieldportal.APIKeyWrite)
	if err != nil {
		t.Fatal(err)
	}
	return &apiClient{t: t, h: f.s.Handler(), host: host, key: key}
}

// checkResponses makes the client validate every response it gets
// against the API's own OpenAPI document (pb33f/libopenapi-validator):
// status, content type and body schema, problems included. A request to
// an address the document does not have (a test of a 404) is not checked.
func (c *apiClient) checkResponses() {
	c.t.Helper()
	res, body := c.call("GET", "/api/v1/openapi.json", "")
	if res.StatusCode != http.StatusOK {
		c.t.Fatalf("openapi.json = %d", res.StatusCode)
	}
	doc, err := libopenapi.NewDocument([]byte(body))
	if err != nil {
		c.t.Fatal(err)
	}
	v, errs := validator.NewValidator(doc)
	if len(errs) > 0 {
		c.t.Fatal(errs)
	}
	c.validate = func(req *http.Request, res *http.Response, body string) []string {
		res.Body = io.NopCloser(strings.NewReader(body))
		var out []string
		if ok, verrs := v.ValidateHttpResponse(req, res); !ok {
			for _, e := range verrs {
				if e.ValidationType == "path" {
					continue
				}
				out = append(out, e.Message+": "+e.Reason)
				for _, se := range e.SchemaValidationErrors {
					out = append(out, "  "+se.Reason+" at "+se.FieldPath)
				}
			}
		}
		return out
	}
	c.onResponse = func(req *http.Request, res *http.Response, body string) {
		c.t.Helper()
		for _, e := range c.validate(req, res, body) {
			c.t.Errorf("%s %s = %d does not match the document: %s", req.Method, req.URL, res.StatusCode, e)
		}
	}
}

func mustJSON(tb testing.TB, v any) string {
	tb.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// call sends a request; body "" sends none, else JSON. header are name,
// value pairs.
func (c *apiClient) call(method, path, body string, header ...string) (*http.Response, string) {
	c.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req := httptest.NewRequest(method, path, rd)
	req.Host = c.host
	req.Header.Set("Authorization", "Bearer "+c.key)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	res, out := do(c.t, c.h, req)
	if c.onResponse != nil {
		c.onResponse(req, res, out)
	}
	return res, out
}

// must calls and fails the test unless the status is want; it decodes
// the body into v (when not nil).
func (c *apiClient) must(want int, v any, method, path, body string, header ...string) *http.Response {
	c.t.Helper()
	res, out := c.call(method, path, body, header...)
	if res.StatusCode != want {
		c.t.Fatalf("%s %s = %d, want %d:\n%s", method, path, res.StatusCode, want, out)
	}
	if v != nil {
		if err := json.Unmarshal([]byte(out), v); err != nil {
			c.t.Fatalf("%s %s: %v\n%s", method, path, err, out)
		}
	}
	return res
}

// problem calls and checks the answer is a problem of status naming the
// fields given (in order).
func (c *apiClient) problem(status int, fields []string, method, path, body string, header ...string) api.Problem {
	c.t.Helper()
	res, out := c.call(method, path, body, header...)
	var p api.Problem
	if res.StatusCode != status || res.Header.Get("Content-Type") != "application/problem+json" {
		c.t.Fatalf("%s %s = %d %s, want %d problem:\n%s", method, path, res.StatusCode, res.Header.Get("Content-Type"), status, out)
	}
	if err := json.Unmarshal([]byte(out), &p); err != nil {
		c.t.Fatal(err)
	}
	var got []string
	for _, e := range p.Errors {
		got = append(got, e.Field)
	}
	if diff := cmp.Diff(fields, got); diff != "" {
		c.t.Errorf("%s %s: fields named (-want +got):\n%s\n%s", method, path, diff, out)
	}
	return p
}

// TestAPICustomersAndSites walks the customers and sites resources end to
// end with a real key, on both engines.
func TestAPICustomersAndSites(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()

		var made api.Customer
		res := c.must(201, &made, "POST", "/api/v1/customers",
			`{"name":"Quay Estates","external_id":"BO-1","phone":"0117 000","billing_address":{"line1":"1 Quay","postcode":"BS1 1AA"}}`)
		t.Run("create answers the record with its address and version", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/customers/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			if made.ExternalID == nil || *made.ExternalID != "BO-1" || made.ParentID != nil || made.BillingAddress.Postcode != "BS1 1AA" ||
				made.CreatedAt.Location() != time.UTC {
				t.Errorf("customer = %+v", made)
			}
		})
		t.Run("get answers the same record and version", func(t *testing.T) {
			var got api.Customer
			res := c.must(200, &got, "GET", "/api/v1/customers/"+made.ID, "")
			if diff := cmp.Diff(made, got); diff != "" {
				t.Errorf("(-created +got):\n%s", diff)
			}
			if res.Header.Get("ETag") == "" || res.Header.Get("ETag") != etagOfCreate(t, c, made.ID) {
				t.Errorf("ETag = %q", res.Header.Get("ETag"))
			}
		})
		t.Run("patch changes only the fields sent", func(t *testing.T) {
			var got api.Customer
			c.must(200, &got, "PATCH", "/api/v1/customers/"+made.ID, `{"name":"Quay Estates Ltd","billing_address":{"city":"Bristol"}}`)
			if got.Name != "Quay Estates Ltd" || got.Phone != "0117 000" || got.BillingAddress.Line1 != "1 Quay" ||
				got.BillingAddress.City != "Bristol" || *got.ExternalID != "BO-1" || !got.UpdatedAt.After(made.UpdatedAt) && !got.UpdatedAt.Equal(made.UpdatedAt) {
				t.Errorf("customer = %+v", got)
			}
		})
		t.Run("a PATCH may be sent as a JSON merge patch", func(t *testing.T) {
			var got api.Customer
			c.must(200, &got, "PATCH", "/api/v1/customers/"+made.ID, `{"tax_number":"GB123"}`, "Content-Type", "application/merge-patch+json")
			if got.TaxNumber != "GB123" {
				t.Errorf("customer = %+v", got)
			}
		})
		t.Run("If-Match: a stale version is refused, the current one goes", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/customers/"+made.ID, "").Header.Get("ETag")
			c.must(200, nil, "PATCH", "/api/v1/customers/"+made.ID, `{"phone":"0117 111"}`, "If-Match", stale)
			c.problem(412, nil, "PATCH", "/api/v1/customers/"+made.ID, `{"phone":"0117 222"}`, "If-Match", stale)
			var got api.Customer
			cur := c.must(200, &got, "GET", "/api/v1/customers/"+made.ID, "").Header.Get("ETag")
			if got.Phone != "0117 111" {
				t.Errorf("the refused write was saved: %+v", got)
			}
			c.must(200, nil, "PATCH", "/api/v1/customers/"+made.ID, `{"phone":"0117 333"}`, "If-Match", cur)
			c.problem(412, nil, "PUT", "/api/v1/customers/by-external-id/BO-1", `{"name":"Quay"}`, "If-Match", stale)
			c.problem(412, nil, "PUT", "/api/v1/customers/by-external-id/BO-NEW", `{"name":"New"}`, "If-Match", "*")
		})
		t.Run("null clears a field, a nested object's fields too", func(t *testing.T) {
			var got api.Customer
			c.must(200, &got, "PATCH", "/api/v1/customers/"+made.ID, `{"phone":null,"billing_address":null}`)
			if got.Phone != "" || got.BillingAddress != (api.Address{}) || got.Name != "Quay Estates Ltd" {
				t.Errorf("customer = %+v", got)
			}
		})
		t.Run("a method the address does not take", func(t *testing.T) {
			p := c.problem(405, nil, "DELETE", "/api/v1/customers/"+made.ID, "")
			if p.Code != api.CodeMethodNotAllowed {
				t.Errorf("problem = %+v", p)
			}
		})
		t.Run("upsert by external id twice leaves one record", func(t *testing.T) {
			body := `{"name":"Harbour Group","parent_external_id":"BO-1","email":"ops@harbour.test"}`
			var first, second api.Customer
			c.must(201, &first, "PUT", "/api/v1/customers/by-external-id/BO-2", body)
			c.must(200, &second, "PUT", "/api/v1/customers/by-external-id/BO-2", body)
			if first.ID != second.ID || second.ParentID == nil || *second.ParentID != made.ID {
				t.Errorf("first %+v, second %+v", first, second)
			}
			var list api.List[api.Customer]
			c.must(200, &list, "GET", "/api/v1/customers?external_id=BO-2", "")
			if len(list.Data) != 1 || list.Data[0].ID != first.ID || list.NextCursor != nil {
				t.Errorf("list = %+v", list)
			}
			c.must(200, &list, "GET", "/api/v1/customers?parent_id="+made.ID, "")
			if len(list.Data) != 1 || list.Data[0].ID != first.ID {
				t.Errorf("children = %+v", list)
			}
		})
		t.Run("a site refers to its customer by external id", func(t *testing.T) {
			var s api.Site
			c.must(201, &s, "POST", "/api/v1/sites",
				`{"name":"Quay Store","customer_external_id":"BO-1","address":{"line1":"2 Quay","postcode":"bs1 9zz"},"uprn":"100012345"}`)
			if s.CustomerID != made.ID || s.ContractorID != nil || s.UPRN != "100012345" {
				t.Errorf("site = %+v", s)
			}
			var list api.List[api.Site]
			c.must(200, &list, "GET", "/api/v1/sites?postcode=BS19ZZ", "")
			if len(list.Data) != 1 || list.Data[0].ID != s.ID {
				t.Errorf("by postcode = %+v", list)
			}
			var put1, put2 api.Site
			body := `{"name":"Quay Yard","customer_id":"` + made.ID + `","address":{"line1":"3 Quay"}}`
			c.must(201, &put1, "PUT", "/api/v1/sites/by-external-id/S-1", body)
			c.must(200, &put2, "PUT", "/api/v1/sites/by-external-id/S-1", body)
			c.must(200, &list, "GET", "/api/v1/sites?external_id=S-1", "")
			if put1.ID != put2.ID || len(list.Data) != 1 {
				t.Errorf("upserts %s %s, list %+v", put1.ID, put2.ID, list)
			}
			var patched api.Site
			c.must(200, &patched, "PATCH", "/api/v1/sites/"+s.ID, `{"notes":"Gate code 1234","company_site":true}`)
			if patched.Notes != "Gate code 1234" || !patched.CompanySite || patched.Name != "Quay Store" || patched.Address.Line1 != "2 Quay" {
				t.Errorf("patched = %+v", patched)
			}
		})
		t.Run("contacts: create, patch, upsert twice, list", func(t *testing.T) {
			var ct api.Contact
			c.must(201, &ct, "POST", "/api/v1/contacts",
				`{"first_name":" Dana ","last_name":"Quay","email":"dana@quay.test","customer_external_id":"BO-1","invoice_contact":true}`)
			if ct.CustomerID != made.ID || ct.FirstName != "Dana" || !ct.InvoiceContact || ct.CreatedInPortal {
				t.Errorf("contact = %+v", ct)
			}
			var patched api.Contact
			c.must(200, &patched, "PATCH", "/api/v1/contacts/"+ct.ID, `{"position":"Facilities","invoice_contact":false}`)
			if patched.Position != "Facilities" || patched.InvoiceContact || patched.Email != "dana@quay.test" {
				t.Errorf("patched = %+v", patched)
			}
			body := `{"first_name":"Sam","customer_external_id":"BO-1","job_contact":true}`
			var first, second api.Contact
			c.must(201, &first, "PUT", "/api/v1/contacts/by-external-id/P-1", body)
			c.must(200, &second, "PUT", "/api/v1/contacts/by-external-id/P-1", body)
			var list api.List[api.Contact]
			c.must(200, &list, "GET", "/api/v1/contacts?customer_id="+made.ID, "")
			if first.ID != second.ID || len(list.Data) != 2 {
				t.Errorf("upserts %s %s, list %+v", first.ID, second.ID, list)
			}
			c.problem(422, []string{"first_name", "customer_id"}, "POST", "/api/v1/contacts", `{"email":"x@y.test"}`)
			c.problem(422, []string{"email"}, "PATCH", "/api/v1/contacts/"+ct.ID, `{"email":"not an address"}`)
		})
		t.Run("lists page by cursor without repeats", func(t *testing.T) {
			for i := range 5 {
				c.must(201, nil, "POST", "/api/v1/sites", fmt.Sprintf(`{"name":"Unit %d","customer_id":"%s","address":{"line1":"%d Dock"}}`, i, made.ID, i))
			}
			seen := map[string]bool{}
			path, pages := "/api/v1/sites?limit=2&customer_id="+made.ID, 0
			for path != "" {
				var list api.List[api.Site]
				c.must(200, &list, "GET", path, "")
				pages++
				for _, s := range list.Data {
					if seen[s.ID] || s.CustomerID != made.ID {
						t.Errorf("site %s twice or of another customer", s.ID)
					}
					seen[s.ID] = true
				}
				path = ""
				if list.NextCursor != nil {
					path = "/api/v1/sites?limit=2&customer_id=" + made.ID + "&cursor=" + url.QueryEscape(*list.NextCursor)
				}
			}
			// Quay Store, Quay Yard and the five units.
			if len(seen) != 7 || pages != 4 {
				t.Errorf("%d sites in %d pages, want 7 in 4", len(seen), pages)
			}
		})
		t.Run("bad requests name what failed", func(t *testing.T) {
			c.problem(400, []string{"colour"}, "POST", "/api/v1/customers", `{"name":"X","colour":"red"}`)
			c.problem(400, []string{"name"}, "POST", "/api/v1/customers", "{\"name\":\"Caf\xe9\"}")
			c.problem(400, []string{"billing_address"}, "PATCH", "/api/v1/customers/"+made.ID, `{"billing_address":"1 High St"}`)
			c.problem(400, []string{"limit"}, "GET", "/api/v1/customers?limit=0", "")
			c.problem(400, []string{"limit"}, "GET", "/api/v1/sites?limit=501", "")
			c.problem(400, []string{"cursor"}, "GET", "/api/v1/sites?cursor=nonsense", "")
			c.problem(400, []string{"updated_since"}, "GET", "/api/v1/sites?updated_since=yesterday", "")
			c.problem(400, []string{"customer_id"}, "GET", "/api/v1/sites?customer_id=%ff", "")
			c.problem(415, nil, "POST", "/api/v1/customers", `{"name":"X"}`, "Content-Type", "text/plain")
			c.problem(422, []string{"name"}, "POST", "/api/v1/customers", `{"name":" "}`)
			c.problem(422, []string{"name", "customer_id", "address.line1"}, "POST", "/api/v1/sites", `{}`)
			c.problem(422, []string{"customer_external_id"}, "POST", "/api/v1/sites",
				`{"name":"X","customer_external_id":"NOPE","address":{"line1":"1"}}`)
			c.problem(422, []string{"external_id"}, "PUT", "/api/v1/sites/by-external-id/S-1", `{"external_id":"S-2"}`)
			c.problem(404, nil, "GET", "/api/v1/sites/%ff", "")
			c.problem(404, nil, "GET", "/api/v1/customers/no-such-id", "")
		})
		t.Run("a forged cursor of the right kind is a bad request, not a fault", func(t *testing.T) {
			for _, store := range []string{`["not a time","x"]`, `["t:not a time","x"]`, `[1,2]`} {
				forged := forgeCursor(store, true)
				res, body := c.call("GET", "/api/v1/sites?updated_since=2026-01-01T00:00:00Z&cursor="+forged, "")
				if res.StatusCode >= 500 {
					t.Errorf("cursor %s = %d:\n%s", store, res.StatusCode, body)
				}
			}
			for _, store := range []string{`[1,2]`, `["t:2026-01-01T00:00:00Z","x"]`, `["a",1.5]`} {
				for _, path := range []string{"/api/v1/sites", "/api/v1/customers", "/api/v1/contacts"} {
					res, body := c.call("GET", path+"?cursor="+forgeCursor(store, false), "")
					if res.StatusCode >= 500 {
						t.Errorf("%s cursor %s = %d:\n%s", path, store, res.StatusCode, body)
					}
				}
			}
		})
		t.Run("the check of responses catches one that breaks the document", func(t *testing.T) {
			var failures []string
			req := httptest.NewRequest("GET", "/api/v1/customers/"+made.ID, nil)
			req.Host = c.host
			bad := map[string]string{
				"a wrong type":     `{"id":5}`,
				"an unknown field": strings.Replace(mustJSON(t, made), `"name"`, `"colour":"red","name"`, 1),
			}
			for name, body := range bad {
				res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: req}
				if len(c.validate(req, res, body)) == 0 {
					failures = append(failures, name)
				}
			}
			if len(failures) > 0 {
				t.Errorf("passed the check: %v", failures)
			}
			res := &http.Response{StatusCode: 200, Header: http.Header{"Content-Type": {"application/json"}}, Request: req}
			if errs := c.validate(req, res, mustJSON(t, made)); len(errs) > 0 {
				t.Errorf("a good response fails the check: %v", errs)
			}
		})
		t.Run("the index lists the resources", func(t *testing.T) {
			var idx struct {
				Resources []api.Resource `json:"resources"`
			}
			c.must(200, &idx, "GET", "/api/v1/", "")
			want := []api.Resource{{Name: "customers", URL: "/api/v1/customers"}, {Name: "sites", URL: "/api/v1/sites"},
				{Name: "contacts", URL: "/api/v1/contacts"}, {Name: "jobs", URL: "/api/v1/jobs"},
				{Name: "issues", URL: "/api/v1/issues"}, {Name: "quotes", URL: "/api/v1/quotes"},
				{Name: "job-reports", URL: "/api/v1/job-reports"},
				{Name: "appointments", URL: "/api/v1/appointments"},
				{Name: "tasks", URL: "/api/v1/tasks"},
				{Name: "certificates", URL: "/api/v1/certificates"},
				{Name: "assets", URL: "/api/v1/assets"}, {Name: "asset-tests", URL: "/api/v1/asset-tests"},
				{Name: "asset-transfers", URL: "/api/v1/asset-transfers"}, {Name: "documents", URL: "/api/v1/documents"},
				{Name: "contractors", URL: "/api/v1/contractors"}, {Name: "items", URL: "/api/v1/items"},
				{Name: "scripts", URL: "/api/v1/scripts"}, {Name: "webhook-endpoints", URL: "/api/v1/webhook-endpoints"},
				{Name: "invoices", URL: "/api/v1/invoices"}, {Name: "payments", URL: "/api/v1/payments"},
				{Name: "recurring-invoices", URL: "/api/v1/recurring-invoices"},
				{Name: "messages", URL: "/api/v1/messages"}}
			if diff := cmp.Diff(want, idx.Resources); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
		})
	})
}

// etagOfCreate reads a customer's ETag again (a second GET gives the same).
func etagOfCreate(t *testing.T, c *apiClient, id string) string {
	t.Helper()
	return c.must(200, nil, "GET", "/api/v1/customers/"+id, "").Header.Get("ETag")
}

// forgeCursor makes a cursor as the API seals one around a store cursor
// of the raw JSON given.
func forgeCursor(storeJSON string, sync bool) string {
	inner := base64URL([]byte(storeJSON))
	b, _ := json.Marshal(map[string]any{"s": sync, "a": inner})
	return base64URL(b)
}

// TestAPIUpdatedSince checks the sync walk: records changed at or after
// updated_since, oldest change first, paged, and none changed in the last
// few seconds (api.SyncLag), which come in the next sync.
func TestAPIUpdatedSince(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		base := time.Now().UTC().Add(-time.Hour).Truncate(time.Second)
		at := base
		db.Now = func() time.Time { return at }
		t.Cleanup(func() { db.Now = time.Now })
		var ids []string
		for i := range 4 {
			at = base.Add(time.Duration(i) * time.Minute)
			var cu api.Customer
			c.must(201, &cu, "POST", "/api/v1/customers", fmt.Sprintf(`{"name":"Sync %d"}`, i))
			ids = append(ids, cu.ID)
		}
		// The first one changes after the others: it comes last.
		at = base.Add(10 * time.Minute)
		c.must(200, nil, "PATCH", "/api/v1/customers/"+ids[0], `{"phone":"1"}`)
		// One changed just now is beyond the horizon.
		db.Now = time.Now
		var late api.Customer
		c.must(201, &late, "POST", "/api/v1/customers", `{"name":"Sync late"}`)

		since := base.Add(time.Minute).Format(time.RFC3339) // at or after: Sync 1 is in
		var got []string
		path := "/api/v1/customers?limit=2&updated_since=" + since
		for path != "" {
			var list api.List[api.Customer]
			c.must(200, &list, "GET", path, "")
			for _, cu := range list.Data {
				// The fixture's own customers were made at the real
				// time, before this test's: on a loaded machine they are
				// past the horizon by now and come too, so only this
				// test's (and the late one, which must not) are kept.
				if slices.Contains(ids, cu.ID) || cu.ID == late.ID {
					got = append(got, cu.ID)
				}
			}
			path = ""
			if list.NextCursor != nil {
				path = "/api/v1/customers?limit=2&updated_since=" + since + "&cursor=" + url.QueryEscape(*list.NextCursor)
			}
		}
		if diff := cmp.Diff([]string{ids[1], ids[2], ids[3], ids[0]}, got); diff != "" {
			t.Errorf("synced (-want +got):\n%s", diff)
		}
		t.Run("a cursor of the sync walk is refused without updated_since", func(t *testing.T) {
			var list api.List[api.Customer]
			c.must(200, &list, "GET", "/api/v1/customers?limit=1&updated_since="+since, "")
			c.problem(400, []string{"cursor"}, "GET", "/api/v1/customers?cursor="+url.QueryEscape(*list.NextCursor), "")
		})
	})
}

// TestAPIOtherOrganisation checks a key reaches its own organisation's
// records alone: the other's are not found, by id, by external id or as
// a reference.
func TestAPIOtherOrganisation(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		// Once there are organisations with hosts, each is reached at its own.
		ours := mustAPIClient(t, f, mustOrg(t, db, "Our Org", "ours.example.test").ID, "ours.example.test")
		other := mustOrg(t, db, "Other Org", "other.example.test")
		theirs := mustAPIClient(t, f, other.ID, "other.example.test")
		ours.checkResponses()
		theirs.checkResponses()

		var cu api.Customer
		ours.must(201, &cu, "POST", "/api/v1/customers", `{"name":"Ours","external_id":"SHARED"}`)
		var s api.Site
		ours.must(201, &s, "POST", "/api/v1/sites", `{"name":"Our site","customer_id":"`+cu.ID+`","address":{"line1":"1"}}`)

		theirs.problem(404, nil, "GET", "/api/v1/customers/"+cu.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/customers/"+cu.ID, `{"name":"Taken"}`)
		theirs.problem(404, nil, "GET", "/api/v1/sites/"+s.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/sites/"+s.ID, `{"name":"Taken"}`)
		var ct api.Contact
		ours.must(201, &ct, "POST", "/api/v1/contacts", `{"first_name":"Our","customer_id":"`+cu.ID+`"}`)
		theirs.problem(404, nil, "GET", "/api/v1/contacts/"+ct.ID, "")
		theirs.problem(404, nil, "PATCH", "/api/v1/contacts/"+ct.ID, `{"first_name":"Taken"}`)
		theirs.problem(422, []string{"customer_id"}, "POST", "/api/v1/contacts", `{"first_name":"X","customer_id":"`+cu.ID+`"}`)
		theirs.problem(422, []string{"customer_id"}, "POST", "/api/v1/sites", `{"name":"X","customer_id":"`+cu.ID+`","address":{"line1":"1"}}`)
		theirs.problem(422, []string{"parent_id"}, "POST", "/api/v1/customers", `{"name":"X","parent_id":"`+cu.ID+`"}`)
		theirs.problem(422, []string{"parent_external_id"}, "POST", "/api/v1/customers", `{"name":"X","parent_external_id":"SHARED"}`)
		// Another organisation's customer by its external id, and fields
		// a client must not set (the organisation, ids, times, flags).
		theirs.problem(422, []string{"customer_external_id"}, "POST", "/api/v1/sites",
			`{"name":"X","customer_external_id":"SHARED","address":{"line1":"1"}}`)
		theirs.problem(422, []string{"customer_external_id"}, "POST", "/api/v1/contacts", `{"first_name":"X","customer_external_id":"SHARED"}`)
		theirs.problem(400, []string{"created_at", "created_in_portal", "id", "org_id"}, "POST", "/api/v1/contacts",
			`{"first_name":"X","org_id":"`+other.ID+`","id":"mine","created_at":"2020-01-01T00:00:00Z","created_in_portal":true}`)
		var list api.List[api.Customer]
		theirs.must(200, &list, "GET", "/api/v1/customers?external_id=SHARED", "")
		if len(list.Data) != 0 {
			t.Errorf("their list shows ours: %+v", list)
		}
		var theirsCu api.Customer
		theirs.must(201, &theirsCu, "PUT", "/api/v1/customers/by-external-id/SHARED", `{"name":"Theirs"}`)
		var again api.Customer
		ours.must(200, &again, "GET", "/api/v1/customers/"+cu.ID, "")
		if theirsCu.ID == cu.ID || again.Name != "Ours" {
			t.Errorf("their upsert touched ours: %+v / %+v", theirsCu, again)
		}
		// Our records cannot be moved under their customer.
		ours.problem(422, []string{"customer_id"}, "PATCH", "/api/v1/contacts/"+ct.ID, `{"customer_id":"`+theirsCu.ID+`"}`)
		ours.problem(422, []string{"customer_id"}, "PATCH", "/api/v1/sites/"+s.ID, `{"customer_id":"`+theirsCu.ID+`"}`)
		ours.problem(422, []string{"parent_id"}, "PATCH", "/api/v1/customers/"+cu.ID, `{"parent_id":"`+theirsCu.ID+`"}`)
	})
}

func base64URL(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
