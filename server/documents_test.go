package server

import (
	"bytes"
	"context"
	"crypto/sha256"
	"html"
	"mime/multipart"
	"net/http"
	"net/textproto"
	"net/url"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// postFiles posts files under "files", as the Documents upload forms send
// them.
func (b *browser) postFiles(path string, files ...upload) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for _, f := range files {
		// The name goes as RFC 2231 filename*, percent-encoded, so that
		// any character (a control one too) reaches the server, as a
		// browser or a script may send it.
		h := textproto.MIMEHeader{}
		h.Set("Content-Disposition", `form-data; name="files"; filename*=UTF-8''`+url.PathEscape(f.name))
		h.Set("Content-Type", "application/octet-stream")
		fw, _ := mw.CreatePart(h)
		fw.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest("POST", b.f.srv.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	return b.do(req)
}

// The Documents page and a site's uploads through the server: what a
// contact lists, downloads and uploads, and every bad file refused with a
// message on the page, never a 500.
func TestDocumentsPages(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		pdf := []byte("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n")
		for _, d := range []struct{ site, name string }{{"hq", "hq-plan.pdf"}, {"dock", "dock-report.pdf"}, {"solo", "solo-secret.pdf"}} {
			docs, err := db.AttachFiles(ctx, f.sys, "site", f.site[d.site].ID, []fieldportal.Upload{{Name: d.name, ContentType: "application/pdf", Data: pdf}})
			if err != nil {
				t.Fatal(err)
			}
			docs[0].VisibleToCustomer = true
			if err := db.UpdateDocument(ctx, f.sys, docs[0]); err != nil {
				t.Fatal(err)
			}
		}
		parent, child := f.browser(), f.browser()
		parent.login("parent@example.test", testPassword)
		child.login("child@example.test", testPassword)

		t.Run("the list and its CSV hold what the contact may see", func(t *testing.T) {
			for _, c := range []struct {
				who       *browser
				name      string
				want, not []string
			}{
				{parent, "parent", []string{"hq-plan.pdf", "dock-report.pdf"}, []string{"solo-secret.pdf"}},
				{child, "child", []string{"dock-report.pdf"}, []string{"hq-plan.pdf", "solo-secret.pdf"}},
			} {
				for _, path := range []string{"/documents", "/documents.csv", "/documents?type=pdf&sort=newest", "/documents.csv?type=pdf&sort=newest"} {
					res, body := c.who.get(path)
					wantStatus(t, c.name+" "+path, res, body, http.StatusOK)
					for _, w := range c.want {
						if !strings.Contains(body, w) {
							t.Errorf("%s %s lacks %s", c.name, path, w)
						}
					}
					for _, n := range c.not {
						if strings.Contains(body, n) {
							t.Errorf("%s %s shows %s, out of reach", c.name, path, n)
						}
					}
				}
			}
			res, body := child.get("/documents?site=" + f.site["hq"].ID)
			wantStatus(t, "another site's tab", res, body, http.StatusOK)
			if strings.Contains(body, "hq-plan.pdf") || strings.Contains(body, "Harbour HQ") || strings.Contains(body, `action="/sites/`) {
				t.Errorf("a child contact sees the parent's site through its tab:\n%s", body)
			}
		})
		t.Run("a site contact cannot upload to another site", func(t *testing.T) {
			before := f.count("documents")
			res, body := child.postFiles("/sites/"+f.site["hq"].ID+"/documents", upload{"x.pdf", pdf})
			wantStatus(t, "upload to the parent's site", res, body, http.StatusNotFound)
			if f.count("documents") != before {
				t.Error("a document was saved")
			}
		})
		t.Run("bad files are refused with a message", func(t *testing.T) {
			st, err := db.FindSettings(ctx, f.org.ID)
			if err != nil {
				t.Fatal(err)
			}
			st.MaxUploadMB = 1
			if err := db.UpdateSettings(ctx, f.sys, st); err != nil {
				t.Fatal(err)
			}
			for _, c := range []struct {
				name string
				file upload
				want string
			}{
				{"HTML named .pdf", upload{"invoice.pdf", []byte("<!DOCTYPE html><html><body><script>alert(1)</script></body></html>")},
					"“invoice.pdf” is not a file type that can be attached (text/html)."},
				{"an SVG", upload{"logo.svg", []byte(`<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`)},
					"“logo.svg” is not a file type that can be attached (image/svg+xml)."},
				{"over the organisation's limit", upload{"scan.pdf", append(append([]byte{}, pdf...), make([]byte, 1<<20)...)},
					"“scan.pdf” is larger than 1 MB."},
			} {
				t.Run(c.name, func(t *testing.T) {
					before := f.count("documents")
					res, body := child.postFiles("/sites/"+f.site["dock"].ID+"/documents", c.file)
					wantStatus(t, "upload", res, body, http.StatusBadRequest)
					if !strings.Contains(html.UnescapeString(body), c.want) {
						t.Errorf("the page lacks %q:\n%s", c.want, body)
					}
					if f.count("documents") != before {
						t.Error("a refused file was saved")
					}
				})
			}
		})
		t.Run("a nasty name is stored safely and downloaded with a safe name", func(t *testing.T) {
			nasty := "..\\../etc/\x07pass\u202ewd" + strings.Repeat("x", 300) + ".pdf"
			res, body := child.postFiles("/sites/"+f.site["dock"].ID+"/documents", upload{nasty, pdf})
			wantStatus(t, "upload", res, body, http.StatusSeeOther)
			docs, _, err := db.FindDocuments(ctx, f.sys, fieldportal.DocumentFilter{SiteID: f.site["dock"].ID, Sort: fieldportal.DocumentSortNewest})
			if err != nil || len(docs) == 0 {
				t.Fatalf("documents: %v", err)
			}
			d := docs[0]
			if strings.ContainsAny(d.Name, "/\\\x07\u202e") || len(d.Name) > 200 || !strings.HasSuffix(d.Name, ".pdf") || !strings.HasPrefix(d.Name, "passwd") {
				t.Errorf("stored name %q", d.Name)
			}
			res, body = child.get("/documents/" + d.ID + "/download")
			wantStatus(t, "download", res, body, http.StatusOK)
			h := res.Header
			if cd := h.Get("Content-Disposition"); !strings.HasPrefix(cd, "inline; filename=") || strings.ContainsAny(cd, "/\\\r\n\x07") {
				t.Errorf("Content-Disposition %q", cd)
			}
			if h.Get("Content-Type") != "application/pdf" || h.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(h.Get("Content-Security-Policy"), "sandbox") {
				t.Errorf("headers %v", h)
			}
			if sha256.Sum256([]byte(body)) != sha256.Sum256(pdf) {
				t.Errorf("downloaded bytes differ from the upload")
			}
		})
		t.Run("a quote takes files from a contact who reaches it, and only then", func(t *testing.T) {
			hqQuote := &fieldportal.Quote{SiteID: f.site["hq"].ID, Stage: fieldportal.QuoteRequested}
			if err := db.CreateQuote(ctx, f.sys, hqQuote); err != nil {
				t.Fatal(err)
			}
			before := f.count("documents")
			res, body := child.postFiles("/quotes/"+hqQuote.ID+"/attachments", upload{"drawing.pdf", pdf})
			wantStatus(t, "a child uploading to the parent's quote", res, body, http.StatusNotFound)
			res, body = parent.postFiles("/quotes/"+hqQuote.ID+"/attachments", upload{"page.pdf", []byte("<html><script>alert(1)</script></html>")})
			wantStatus(t, "HTML as a PDF on a quote", res, body, http.StatusBadRequest)
			if !strings.Contains(html.UnescapeString(body), "“page.pdf” is not a file type that can be attached (text/html).") {
				t.Errorf("the quote page lacks the message:\n%s", body)
			}
			if f.count("documents") != before {
				t.Fatal("a refused file was saved")
			}
			res, body = parent.postFiles("/quotes/"+hqQuote.ID+"/attachments", upload{"drawing.pdf", pdf})
			wantRedirect(t, "the parent's upload", res, "/quotes/"+hqQuote.ID+"?done=uploaded")
			res, body = parent.get("/quotes/" + hqQuote.ID + "?done=uploaded")
			wantStatus(t, "the quote", res, body, http.StatusOK)
			if !strings.Contains(body, "drawing.pdf") || !strings.Contains(body, "Your files were attached") {
				t.Errorf("the quote does not list its new file:\n%s", body)
			}
		})
		t.Run("a file out of reach is 404 to download", func(t *testing.T) {
			docs, _, err := db.FindDocuments(ctx, f.sys, fieldportal.DocumentFilter{SiteID: f.site["hq"].ID, AttachedTo: "site"})
			if err != nil || len(docs) != 1 {
				t.Fatalf("hq documents: %v %v", docs, err)
			}
			res, body := child.get("/documents/" + docs[0].ID + "/download")
			wantStatus(t, "child downloading the parent's file", res, body, http.StatusNotFound)
			if strings.Contains(body, "%PDF") {
				t.Error("the bytes leaked")
			}
		})
	})
}
