package server

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
	"github.com/google/go-cmp/cmp"
)

// apiFile is a file part of an upload; its data nil sends none.
type apiFile struct {
	name string
	data []byte
}

// mustMultipart is an upload's body and its Content-Type: the fields
// (name, value pairs, in order) and the files under "file".
func mustMultipart(tb testing.TB, files []apiFile, fields ...string) (body, contentType string) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			tb.Fatal(err)
		}
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile("file", f.name)
		if err != nil {
			tb.Fatal(err)
		}
		fw.Write(f.data)
	}
	if err := mw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.String(), mw.FormDataContentType()
}

// upload posts an upload and expects status; v (when not nil) gets the
// document made.
func (c *apiClient) upload(want int, v any, files []apiFile, fields ...string) *http.Response {
	c.t.Helper()
	body, ctype := mustMultipart(c.t, files, fields...)
	return c.must(want, v, "POST", "/api/v1/documents", body, "Content-Type", ctype)
}

// uploadProblem posts an upload and expects a problem naming fields.
func (c *apiClient) uploadProblem(status int, fields []string, files []apiFile, form ...string) api.Problem {
	c.t.Helper()
	body, ctype := mustMultipart(c.t, files, form...)
	return c.problem(status, fields, "POST", "/api/v1/documents", body, "Content-Type", ctype)
}

// TestAPIDocuments walks the documents resource on both engines: uploads
// by multipart (by id and by external id, within the organisation's limit,
// checked by content), byte-exact downloads, PATCH under If-Match, the
// filters, a read key and another organisation's key.
func TestAPIDocuments(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		// Reached at its own host, as another organisation is below.
		f.org.Host = "portal.test"
		if err := db.UpdateOrganisation(t.Context(), f.sys, f.org); err != nil {
			t.Fatal(err)
		}
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		cu, site := mustAPICustomerSite(t, c, "C-1", "S-1")
		pdf := []byte("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")
		sum := sha256.Sum256(pdf)

		var made api.Document
		res := c.upload(201, &made, []apiFile{{"plan.pdf", pdf}}, "attached_to", "site", "site_external_id", "S-1",
			"external_id", "D-1")
		t.Run("an upload attaches the file to the record named", func(t *testing.T) {
			if res.Header.Get("Location") != "/api/v1/documents/"+made.ID || res.Header.Get("ETag") == "" {
				t.Errorf("headers = %v", res.Header)
			}
			want := api.Document{ID: made.ID, ExternalID: ptr("D-1"), Name: "plan.pdf", ContentType: "application/pdf",
				Type: "pdf", Size: int64(len(pdf)), SHA256: hex.EncodeToString(sum[:]), AttachedTo: "site", CustomerID: cu.ID,
				SiteID: ptr(site.ID), ContentURL: "/api/v1/documents/" + made.ID + "/content",
				CreatedAt: made.CreatedAt, UpdatedAt: made.UpdatedAt}
			if diff := cmp.Diff(want, made); diff != "" {
				t.Errorf("(-want +got):\n%s", diff)
			}
			var got api.Document
			c.must(200, &got, "GET", "/api/v1/documents/"+made.ID, "")
			if diff := cmp.Diff(made, got); diff != "" {
				t.Errorf("(-uploaded +got):\n%s", diff)
			}
		})
		t.Run("the download is the bytes uploaded, as an attachment", func(t *testing.T) {
			// The file is not visible to customers: the organisation's key
			// reads it all the same.
			res, body := c.call("GET", "/api/v1/documents/"+made.ID+"/content", "")
			if res.StatusCode != 200 || body != string(pdf) {
				t.Fatalf("= %d %q", res.StatusCode, body)
			}
			for h, want := range map[string]string{"Content-Type": "application/pdf", "X-Content-Type-Options": "nosniff",
				"Content-Disposition": `attachment; filename=plan.pdf`} {
				if got := res.Header.Get(h); got != want {
					t.Errorf("%s = %q, want %q", h, got, want)
				}
			}
		})
		t.Run("by customer external id, with a name and visible", func(t *testing.T) {
			var d api.Document
			c.upload(201, &d, []apiFile{{"scan.pdf", pdf}}, "attached_to", "customer", "customer_external_id", "C-1",
				"name", "Contract 2026.pdf", "visible_to_customer", "true")
			if d.Name != "Contract 2026.pdf" || !d.VisibleToCustomer || d.AttachedTo != "customer" || d.SiteID != nil || d.CustomerID != cu.ID {
				t.Errorf("document = %+v", d)
			}
		})
		t.Run("to a job by its external id", func(t *testing.T) {
			var j api.Job
			c.must(201, &j, "POST", "/api/v1/jobs", `{"site_id":"`+site.ID+`","kind":"service","external_id":"J-1"}`)
			var d api.Document
			c.upload(201, &d, []apiFile{{"report.pdf", pdf}}, "attached_to", "job", "job_external_id", "J-1")
			if d.JobID == nil || *d.JobID != j.ID || d.SiteID == nil || *d.SiteID != site.ID {
				t.Errorf("document = %+v", d)
			}
		})
		t.Run("to an invoice by its external id", func(t *testing.T) {
			var inv api.Invoice
			c.must(201, &inv, "POST", "/api/v1/invoices", `{"site_id":"`+site.ID+`","external_id":"I-7",
				"issue_date":"2026-03-01","due_date":"2026-03-31","lines":[{"description":"Call-out","quantity":1,"unit_price":6000}]}`)
			var d api.Document
			c.upload(201, &d, []apiFile{{"invoice.pdf", pdf}}, "attached_to", "invoice", "invoice_external_id", "I-7")
			if d.InvoiceID == nil || *d.InvoiceID != inv.ID || d.AttachedTo != "invoice" {
				t.Errorf("document = %+v", d)
			}
		})
		t.Run("an upload sent again with its Idempotency-Key makes one document", func(t *testing.T) {
			body, ctype := mustMultipart(t, []apiFile{{"zed.pdf", pdf}}, "attached_to", "site", "site_id", site.ID)
			before := f.count("documents")
			var first, second api.Document
			c.must(201, &first, "POST", "/api/v1/documents", body, "Content-Type", ctype, "Idempotency-Key", "upload-1")
			res := c.must(201, &second, "POST", "/api/v1/documents", body, "Content-Type", ctype, "Idempotency-Key", "upload-1")
			if first.ID != second.ID || res.Header.Get("Idempotent-Replayed") == "" || f.count("documents") != before+1 {
				t.Errorf("first %s, second %s, replayed %q, documents %d → %d", first.ID, second.ID,
					res.Header.Get("Idempotent-Replayed"), before, f.count("documents"))
			}
		})
		t.Run("an upload over 32 MB goes with an Idempotency-Key too", func(t *testing.T) {
			st, err := db.FindSettings(t.Context(), f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			st.MaxUploadMB = 64
			if err := db.UpdateSettings(t.Context(), f.sys, st); err != nil {
				t.Fatal(err)
			}
			big := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("% padding\n"), 4<<20)...)
			body, ctype := mustMultipart(t, []apiFile{{"big.pdf", big}}, "attached_to", "site", "site_id", site.ID)
			before := f.count("documents")
			var first, second api.Document
			c.must(201, &first, "POST", "/api/v1/documents", body, "Content-Type", ctype, "Idempotency-Key", "upload-big")
			res := c.must(201, &second, "POST", "/api/v1/documents", body, "Content-Type", ctype, "Idempotency-Key", "upload-big")
			if first.ID != second.ID || res.Header.Get("Idempotent-Replayed") == "" || f.count("documents") != before+1 || first.Size != int64(len(big)) {
				t.Errorf("first %s (%d bytes), second %s, replayed %q, documents %d → %d", first.ID, first.Size, second.ID,
					res.Header.Get("Idempotent-Replayed"), before, f.count("documents"))
			}
			other, octype := mustMultipart(t, []apiFile{{"big.pdf", big[:len(big)-1]}}, "attached_to", "site", "site_id", site.ID)
			c.problem(422, []string{"Idempotency-Key"}, "POST", "/api/v1/documents", other, "Content-Type", octype, "Idempotency-Key", "upload-big")
		})
		t.Run("a file of the wrong content is refused naming file", func(t *testing.T) {
			before := f.count("documents")
			p := c.uploadProblem(422, []string{"file"}, []apiFile{{"invoice.pdf", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")}},
				"attached_to", "site", "site_id", site.ID)
			if !strings.Contains(p.Errors[0].Detail, "not a file type") {
				t.Errorf("problem = %+v", p)
			}
			c.uploadProblem(422, []string{"file"}, []apiFile{{"logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"></svg>`)}},
				"attached_to", "site", "site_id", site.ID)
			if f.count("documents") != before {
				t.Error("a refused file was saved")
			}
		})
		t.Run("a file over the organisation's limit is refused naming file", func(t *testing.T) {
			st, err := db.FindSettings(t.Context(), f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			st.MaxUploadMB = 1
			if err := db.UpdateSettings(t.Context(), f.sys, st); err != nil {
				t.Fatal(err)
			}
			big := append(append([]byte{}, pdf...), make([]byte, 1<<20)...)
			p := c.uploadProblem(422, []string{"file"}, []apiFile{{"big.pdf", big}}, "attached_to", "site", "site_id", site.ID)
			if !strings.Contains(p.Errors[0].Detail, "larger than 1 MB") {
				t.Errorf("problem = %+v", p)
			}
			c.upload(201, nil, []apiFile{{"small.pdf", big[:1<<20-1]}}, "attached_to", "site", "site_id", site.ID)
		})
		t.Run("bad uploads name the fields", func(t *testing.T) {
			good := []apiFile{{"a.pdf", pdf}}
			c.uploadProblem(422, []string{"file"}, nil, "attached_to", "site", "site_id", site.ID)
			c.uploadProblem(422, []string{"file"}, []apiFile{{"a.pdf", pdf}, {"b.pdf", pdf}}, "attached_to", "site", "site_id", site.ID)
			c.uploadProblem(422, []string{"attached_to"}, good, "site_id", site.ID)
			c.uploadProblem(422, []string{"attached_to"}, good, "attached_to", "planet", "site_id", site.ID)
			c.uploadProblem(422, []string{"site_id"}, good, "attached_to", "site")
			c.uploadProblem(422, []string{"site_id"}, good, "attached_to", "site", "site_id", "no-such-site")
			c.uploadProblem(422, []string{"site_external_id"}, good, "attached_to", "site", "site_external_id", "S-404")
			c.uploadProblem(422, []string{"site_external_id"}, good, "attached_to", "site", "site_id", site.ID, "site_external_id", "S-1")
			c.uploadProblem(422, []string{"job_id"}, good, "attached_to", "site", "site_id", site.ID, "job_id", "j")
			c.uploadProblem(422, []string{"invoice_external_id"}, good, "attached_to", "invoice", "invoice_external_id", "I-1")
			c.uploadProblem(422, []string{"visible_to_customer"}, good, "attached_to", "site", "site_id", site.ID, "visible_to_customer", "yes")
			c.uploadProblem(422, []string{"colour"}, good, "attached_to", "site", "site_id", site.ID, "colour", "red")
			c.uploadProblem(422, []string{"name"}, good, "attached_to", "site", "site_id", site.ID, "name", "../etc/passwd")
			c.uploadProblem(409, nil, good, "attached_to", "site", "site_id", site.ID, "external_id", "D-1")
			c.problem(415, nil, "POST", "/api/v1/documents", `{"attached_to":"site"}`)
		})
		t.Run("patch changes only the fields sent; If-Match refuses a stale version", func(t *testing.T) {
			stale := c.must(200, nil, "GET", "/api/v1/documents/"+made.ID, "").Header.Get("ETag")
			var got api.Document
			c.must(200, &got, "PATCH", "/api/v1/documents/"+made.ID, `{"name":"Plan v2.pdf","visible_to_customer":true}`, "If-Match", stale)
			if got.Name != "Plan v2.pdf" || !got.VisibleToCustomer || got.ExternalID == nil || *got.ExternalID != "D-1" || got.SHA256 != made.SHA256 {
				t.Errorf("document = %+v", got)
			}
			c.problem(412, nil, "PATCH", "/api/v1/documents/"+made.ID, `{"name":"Plan v3.pdf"}`, "If-Match", stale)
			c.problem(422, []string{"name"}, "PATCH", "/api/v1/documents/"+made.ID, `{"name":""}`)
			c.problem(400, []string{"type"}, "PATCH", "/api/v1/documents/"+made.ID, `{"type":"image"}`)
			c.problem(404, nil, "PATCH", "/api/v1/documents/no-such-document", `{"name":"x.pdf"}`)
		})
		t.Run("filters", func(t *testing.T) {
			names := func(path string) []string {
				var list api.List[api.Document]
				c.must(200, &list, "GET", path, "")
				var out []string
				for _, d := range list.Data {
					out = append(out, d.Name)
				}
				return out
			}
			for path, want := range map[string][]string{
				"/api/v1/documents?attached_to=customer":                    {"Contract 2026.pdf"},
				"/api/v1/documents?customer_id=" + cu.ID + "&limit=2":       {"Contract 2026.pdf", "Plan v2.pdf"},
				"/api/v1/documents?site_id=" + site.ID + "&attached_to=job": {"report.pdf"},
				"/api/v1/documents?external_id=D-1":                         {"Plan v2.pdf"},
				"/api/v1/documents?type=image":                              nil,
				"/api/v1/documents?type=pdf&attached_to=customer":           {"Contract 2026.pdf"},
			} {
				if diff := cmp.Diff(want, names(path)); diff != "" {
					t.Errorf("%s (-want +got):\n%s", path, diff)
				}
			}
			c.problem(400, []string{"attached_to"}, "GET", "/api/v1/documents?attached_to=planet", "")
			c.problem(400, []string{"type"}, "GET", "/api/v1/documents?type=movie", "")
			c.problem(400, []string{"contact_id"}, "GET", "/api/v1/documents?contact_id=x", "")
		})
		t.Run("a read key reads documents and writes none", func(t *testing.T) {
			key, _, err := db.CreateAPIKey(t.Context(), f.sys, "Reader", fieldportal.APIKeyRead)
			if err != nil {
				t.Fatal(err)
			}
			reader := &apiClient{t: t, h: c.h, host: c.host, key: key, onResponse: c.onResponse}
			reader.must(200, nil, "GET", "/api/v1/documents/"+made.ID, "")
			reader.must(200, nil, "GET", "/api/v1/documents/"+made.ID+"/content", "")
			reader.must(200, nil, "GET", "/api/v1/documents", "")
			before := f.count("documents")
			reader.uploadProblem(403, nil, []apiFile{{"a.pdf", pdf}}, "attached_to", "site", "site_id", site.ID)
			reader.problem(403, nil, "PATCH", "/api/v1/documents/"+made.ID, `{"name":"No.pdf"}`)
			if f.count("documents") != before {
				t.Error("a read key uploaded")
			}
		})
		t.Run("another organisation's key finds nothing", func(t *testing.T) {
			other := mustOrg(t, db, "Other Org", "other.example.test")
			theirs := mustAPIClient(t, f, other.ID, "other.example.test")
			theirs.onResponse = c.onResponse
			theirs.problem(404, nil, "GET", "/api/v1/documents/"+made.ID, "")
			theirs.problem(404, nil, "GET", "/api/v1/documents/"+made.ID+"/content", "")
			theirs.problem(404, nil, "PATCH", "/api/v1/documents/"+made.ID, `{"name":"Taken.pdf"}`)
			theirs.uploadProblem(422, []string{"site_id"}, []apiFile{{"a.pdf", pdf}}, "attached_to", "site", "site_id", site.ID)
			theirs.uploadProblem(422, []string{"site_external_id"}, []apiFile{{"a.pdf", pdf}}, "attached_to", "site", "site_external_id", "S-1")
			var list api.List[api.Document]
			theirs.must(200, &list, "GET", "/api/v1/documents?external_id=D-1", "")
			if len(list.Data) != 0 {
				t.Errorf("their list shows ours: %+v", list)
			}
		})
	})
}

func ptr[T any](v T) *T { return &v }
