package server

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// mustMessageMultipart is a message's multipart body and its
// Content-Type: the fields (name, value pairs) and the files, each in a
// part named attachments.
func mustMessageMultipart(tb testing.TB, files []apiFile, fields ...string) (body, contentType string) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for i := 0; i+1 < len(fields); i += 2 {
		if err := mw.WriteField(fields[i], fields[i+1]); err != nil {
			tb.Fatal(err)
		}
	}
	for _, f := range files {
		fw, err := mw.CreateFormFile("attachments", f.name)
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

// TestAPIMessageUpload: the back office posts a message with files as
// multipart/form-data (the JSON form stays for text alone): the files
// are checked by content and by the organisation's upload limit as the
// console's are, refusals name their field and store nothing, and an
// Idempotency-Key makes one message of a request sent twice; the
// OpenAPI document describes both bodies.
func TestAPIMessageUpload(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "portal.test")
		c.checkResponses()
		mustAPICustomerSite(t, c, "C-1", "S-1")
		var issue api.Issue
		c.must(201, &issue, "POST", "/api/v1/issues", `{"site_external_id":"S-1","title":"Leak in plant room"}`)
		pdf := []byte("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")
		post := func(want int, v any, files []apiFile, fields ...string) {
			t.Helper()
			body, ctype := mustMessageMultipart(t, files, fields...)
			c.must(want, v, "POST", "/api/v1/messages", body, "Content-Type", ctype)
		}
		refused := func(status int, names []string, files []apiFile, fields ...string) api.Problem {
			t.Helper()
			body, ctype := mustMessageMultipart(t, files, fields...)
			return c.problem(status, names, "POST", "/api/v1/messages", body, "Content-Type", ctype)
		}
		on := []string{"record_kind", "issue", "record_id", issue.ID}

		t.Run("a message with two files", func(t *testing.T) {
			var m api.Message
			post(201, &m, []apiFile{{"quote.pdf", pdf}, {"notes.txt", []byte("Bring the long ladder.")}}, append(on, "body", "The quote and notes.")...)
			if m.From != "office" || m.Body != "The quote and notes." || len(m.Attachments) != 2 {
				t.Fatalf("message = %+v", m)
			}
			if a := m.Attachments[0]; a.Name != "quote.pdf" || a.ContentType != "application/pdf" || a.Size != int64(len(pdf)) {
				t.Errorf("first file = %+v", a)
			}
			res, body := c.call("GET", m.Attachments[1].ContentURL, "")
			if res.StatusCode != 200 || body != "Bring the long ladder." {
				t.Errorf("download: %d %q", res.StatusCode, body)
			}
		})
		t.Run("text alone, as multipart or JSON", func(t *testing.T) {
			var m api.Message
			post(201, &m, nil, append(on, "body", "No files.")...)
			if len(m.Attachments) != 0 {
				t.Errorf("message = %+v", m)
			}
			c.must(201, &m, "POST", "/api/v1/messages", `{"record_kind":"issue","record_id":"`+issue.ID+`","body":"As JSON."}`)
		})
		t.Run("refusals name their field and store nothing", func(t *testing.T) {
			before, files := f.count("messages"), f.count("message_attachments")
			p := refused(422, []string{"attachments"}, []apiFile{{"page.pdf", []byte("<!DOCTYPE html><html><script>alert(1)</script></html>")}},
				append(on, "body", "A page.")...)
			if !strings.Contains(p.Errors[0].Detail, "not a file type") {
				t.Errorf("problem = %+v", p)
			}
			refused(422, []string{"body"}, []apiFile{{"a.pdf", pdf}}, append(on, "body", "  ")...)
			refused(422, []string{"record_id"}, []apiFile{{"a.pdf", pdf}}, "record_kind", "issue", "record_id", sqlstore.NewID(), "body", "Hi")
			refused(422, []string{"colour"}, []apiFile{{"a.pdf", pdf}}, append(on, "body", "Hi", "colour", "red")...)
			refused(422, []string{"body"}, nil, append(on, "body", "Hi", "body", "Again")...)
			if f.count("messages") != before || f.count("message_attachments") != files {
				t.Error("a refused message was stored")
			}
		})
		t.Run("a file over the organisation's limit is refused naming attachments", func(t *testing.T) {
			st, err := db.FindSettings(t.Context(), f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			st.MaxUploadMB = 1
			if err := db.UpdateSettings(t.Context(), f.sys, st); err != nil {
				t.Fatal(err)
			}
			big := append(append([]byte{}, pdf...), make([]byte, 1<<20)...)
			p := refused(422, []string{"attachments"}, []apiFile{{"big.pdf", big}}, append(on, "body", "Big.")...)
			if !strings.Contains(p.Errors[0].Detail, "larger than 1 MB") {
				t.Errorf("problem = %+v", p)
			}
			post(201, nil, []apiFile{{"small.pdf", big[:1<<20-1]}}, append(on, "body", "Small.")...)
		})
		t.Run("sent again with its Idempotency-Key, one message", func(t *testing.T) {
			before := f.count("messages")
			body, ctype := mustMessageMultipart(t, []apiFile{{"a.pdf", pdf}}, append(on, "body", "Once.")...)
			var first, second api.Message
			c.must(201, &first, "POST", "/api/v1/messages", body, "Content-Type", ctype, "Idempotency-Key", "message-1")
			res := c.must(201, &second, "POST", "/api/v1/messages", body, "Content-Type", ctype, "Idempotency-Key", "message-1")
			if first.ID != second.ID || res.Header.Get("Idempotent-Replayed") != "true" || f.count("messages") != before+1 {
				t.Errorf("first %s, second %s, replayed %q, %d messages made", first.ID, second.ID, res.Header.Get("Idempotent-Replayed"), f.count("messages")-before)
			}
		})
		t.Run("a read key or another organisation's key stores nothing", func(t *testing.T) {
			// Reached at its own host, as another organisation now is.
			f.org.Host = "portal.test"
			if err := db.UpdateOrganisation(t.Context(), f.sys, f.org); err != nil {
				t.Fatal(err)
			}
			before, files := f.count("messages"), f.count("message_attachments")
			for _, tc := range []struct {
				name   string
				client *apiClient
				status int
				fields []string
			}{
				{"read key", mustAPIReadClient(t, f, f.org.ID, "portal.test"), 403, nil},
				{"another organisation", mustAPIClient(t, f, mustOrg(t, db, "Other Org", "other.example.test").ID, "other.example.test"), 422, []string{"record_id"}},
			} {
				body, ctype := mustMessageMultipart(t, []apiFile{{"a.pdf", pdf}}, append(on, "body", "Not ours.")...)
				tc.client.problem(tc.status, tc.fields, "POST", "/api/v1/messages", body, "Content-Type", ctype)
			}
			if f.count("messages") != before || f.count("message_attachments") != files {
				t.Error("a message was stored by a read key or on another organisation's record")
			}
		})
		t.Run("the OpenAPI document takes both bodies", func(t *testing.T) {
			_, body := c.call("GET", "/api/v1/openapi.json", "")
			var doc struct {
				Paths map[string]map[string]struct {
					RequestBody struct {
						Content map[string]struct {
							Schema struct {
								Ref string `json:"$ref"`
							} `json:"schema"`
						} `json:"content"`
					} `json:"requestBody"`
				} `json:"paths"`
				Components struct {
					Schemas map[string]struct {
						Properties map[string]any `json:"properties"`
					} `json:"schemas"`
				} `json:"components"`
			}
			if err := json.Unmarshal([]byte(body), &doc); err != nil {
				t.Fatal(err)
			}
			content := doc.Paths["/messages"]["post"].RequestBody.Content
			if _, ok := content["application/json"]; !ok {
				t.Errorf("createMessage takes no JSON: %v", content)
			}
			mp, ok := content["multipart/form-data"]
			props := doc.Components.Schemas[strings.TrimPrefix(mp.Schema.Ref, "#/components/schemas/")].Properties
			if !ok || props["attachments"] == nil || props["body"] == nil {
				t.Errorf("createMessage's multipart body = %v: %v", mp.Schema.Ref, props)
			}
		})
	})
}
