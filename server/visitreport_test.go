package server

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"mime/multipart"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/api"
	"github.com/fieldportal/fieldportal/internal/pdftest"
	"github.com/fieldportal/fieldportal/sqlstore"
	"github.com/fieldportal/fieldportal/sqlstore/sqltest"
)

// mustPhotoPNG is a w×h PNG photo.
func mustPhotoPNG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, color.NRGBA{R: uint8(x), G: uint8(y), B: 120, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// photoBody is a photo upload's body: the file under "photo", a caption.
func photoBody(tb testing.TB, name string, data []byte, caption string) (string, string) {
	tb.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	if caption != "" {
		mw.WriteField("caption", caption)
	}
	fw, err := mw.CreateFormFile("photo", name)
	if err != nil {
		tb.Fatal(err)
	}
	fw.Write(data)
	mw.Close()
	return buf.String(), mw.FormDataContentType()
}

// TestVisitReport walks a report on both engines: the back office sends
// it and three photos through the API (bad ones refused naming the
// field), the job's contact sees the gallery, a photo's page, its files
// with the documents' headers and the PDF, and a contact of another
// customer, or the contact before the job is complete, gets 404s.
func TestVisitReport(t *testing.T) {
	sqltest.Each(t, func(t *testing.T, db *sqlstore.DB) {
		f := newFixture(t, db)
		c := mustAPIClient(t, f, f.org.ID, "")
		c.checkResponses()
		j := &fieldportal.Job{SiteID: f.site["dock"].ID, Kind: fieldportal.JobService, Stage: fieldportal.StageInProgress,
			Number: "J-77", Technician: "Sam Okafor"}
		if err := db.CreateJob(t.Context(), f.sys, j); err != nil {
			t.Fatal(err)
		}
		report, base := "/api/v1/job-reports/"+j.ID, "/api/v1/jobs/"+j.ID+"/report"
		c.problem(404, nil, "GET", report, "")
		t.Run("bad reports name the fields", func(t *testing.T) {
			c.problem(422, []string{"parts[0].quantity"}, "PUT", report, `{"notes":"x","parts":[{"description":"Seal","quantity":0}]}`)
			c.problem(422, []string{"signed_at"}, "PUT", report, `{"signed_by":"Dana"}`)
			body, ctype := photoBody(t, "a.jpg", mustPhotoPNG(t, 10, 10), "")
			c.problem(422, []string{"job_id"}, "POST", base+"/photos", body, "Content-Type", ctype)
		})
		var rep api.VisitReport
		c.must(201, &rep, "PUT", report, `{"notes":"Replaced the seal.","parts":[{"code":"S-1","description":"Seal","quantity":2}],`+
			`"signed_by":"Dana Site","signed_at":"2026-03-10T12:15:00Z"}`)
		c.must(200, &rep, "PUT", report, `{"notes":"Replaced the north pump's seal.","parts":[{"code":"S-1","description":"Seal","quantity":2}],`+
			`"signed_by":"Dana Site","signed_at":"2026-03-10T12:15:00Z"}`)
		t.Run("bad photos name the field", func(t *testing.T) {
			body, ctype := photoBody(t, "notes.pdf", []byte("%PDF-1.7\n1 0 obj << >> endobj\n%%EOF\n"), "")
			p := c.problem(422, []string{"photo"}, "POST", base+"/photos", body, "Content-Type", ctype)
			if !strings.Contains(p.Errors[0].Detail, "JPEG, PNG, WebP or GIF") {
				t.Errorf("problem = %+v", p)
			}
			body, ctype = photoBody(t, "fake.png", append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 64)...), "")
			c.problem(422, []string{"photo"}, "POST", base+"/photos", body, "Content-Type", ctype)
			// 30 MB against the default 25 MB limit.
			big := append(mustPhotoPNG(t, 8, 8), make([]byte, 30<<20)...)
			body, ctype = photoBody(t, "big.png", big, "")
			p = c.problem(422, []string{"photo"}, "POST", base+"/photos", body, "Content-Type", ctype)
			if !strings.Contains(p.Errors[0].Detail, "larger than 25 MB") {
				t.Errorf("problem = %+v", p)
			}
			body, ctype = photoBody(t, "a.png", mustPhotoPNG(t, 8, 8), strings.Repeat("x", 301))
			c.problem(422, []string{"caption"}, "POST", base+"/photos", body, "Content-Type", ctype)
			if n := f.count("visit_photos"); n != 0 {
				t.Errorf("%d photos saved", n)
			}
		})
		var photos []api.VisitPhoto
		for i, caption := range []string{"The panel", "", "North pump"} {
			var p api.VisitPhoto
			body, ctype := photoBody(t, "p.png", mustPhotoPNG(t, 1600+i, 1200), caption)
			c.must(201, &p, "POST", base+"/photos", body, "Content-Type", ctype)
			photos = append(photos, p)
		}
		if photos[2].Position != 3 || photos[0].Width != 1600 || photos[0].ContentType != "image/png" {
			t.Errorf("photos = %+v", photos)
		}
		c.must(200, &rep, "GET", report, "")
		if len(rep.Photos) != 3 || rep.Notes != "Replaced the north pump's seal." || *rep.SignedBy != "Dana Site" {
			t.Errorf("report = %+v", rep)
		}

		child := f.browser()
		child.login("child@example.test", testPassword)
		page := "/jobs/" + j.ID
		t.Run("before the job is complete the contact sees no report", func(t *testing.T) {
			_, body := child.get(page)
			if strings.Contains(body, "Visit report") {
				t.Error("the page shows the report")
			}
			res, _ := child.get(page + "/report.pdf")
			wantStatus(t, "the PDF", res, "", 404)
			res, _ = child.get(page + "/report/photos/" + photos[0].ID + "/thumb")
			wantStatus(t, "a thumbnail", res, "", 404)
		})
		if _, err := db.MoveJobStage(t.Context(), f.sys, fieldportal.JobStageMove{JobID: j.ID, To: fieldportal.StageComplete}); err != nil {
			t.Fatal(err)
		}
		t.Run("the contact sees the report and its gallery", func(t *testing.T) {
			res, body := child.get(page)
			wantStatus(t, "the job", res, body, 200)
			for _, want := range []string{"Visit report", "Replaced the north pump", "Dana Site", "Seal", `alt="The panel"`,
				`alt="Photo 2 of the visit report"`, `href="` + page + `/report/photos/` + photos[2].ID + `"`, page + "/report.pdf"} {
				if !strings.Contains(body, want) {
					t.Errorf("the page lacks %q", want)
				}
			}
			res, body = child.get(page + "/report/photos/" + photos[1].ID)
			wantStatus(t, "a photo's page", res, body, 200)
			for _, want := range []string{"/display", "/original", "Previous photo", "Next photo", "2 of 3"} {
				if !strings.Contains(body, want) {
					t.Errorf("the photo's page lacks %q", want)
				}
			}
		})
		t.Run("the files download with the documents' headers", func(t *testing.T) {
			for variant, want := range map[string]string{"thumb": "image/jpeg", "display": "image/jpeg", "original": "image/png"} {
				res, body := child.get(page + "/report/photos/" + photos[0].ID + "/" + variant)
				wantStatus(t, variant, res, "", 200)
				if res.Header.Get("Content-Type") != want || res.Header.Get("X-Content-Type-Options") != "nosniff" {
					t.Errorf("%s headers = %v", variant, res.Header)
				}
				cfg, _, err := image.DecodeConfig(strings.NewReader(body))
				if err != nil {
					t.Fatalf("%s: %v", variant, err)
				}
				if variant == "thumb" && (cfg.Width != 320 || cfg.Height != 240) {
					t.Errorf("thumb %d×%d, want 320×240", cfg.Width, cfg.Height)
				}
				if variant == "display" && cfg.Width != 1280 {
					t.Errorf("display %d wide, want 1280", cfg.Width)
				}
			}
			res, _ := child.get(page + "/report/photos/" + photos[0].ID + "/original")
			if !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment") {
				t.Errorf("the original is %q, want an attachment", res.Header.Get("Content-Disposition"))
			}
			res, body := child.get(page + "/report.pdf")
			wantStatus(t, "the PDF", res, "", 200)
			if res.Header.Get("Content-Type") != "application/pdf" || !strings.HasPrefix(body, "%PDF") {
				t.Errorf("the PDF = %v", res.Header)
			}
			if n := pdftest.MustImages(t, []byte(body)); n != 3 {
				t.Errorf("the PDF draws %d photos, want 3", n)
			}
			if text := pdftest.MustText(t, []byte(body)); !strings.Contains(text, "Dana Site") || !strings.Contains(text, "1. The panel") {
				t.Errorf("the PDF lacks the signature or a caption:\n%s", text)
			}
		})
		t.Run("a contact of another customer gets 404s", func(t *testing.T) {
			f.addLogin("solo", "Sol", "Solo", "solo@example.test", fieldportal.LoginActive, testPassword, false, fieldportal.AllModules)
			solo := f.browser()
			solo.login("solo@example.test", testPassword)
			for _, path := range []string{page + "/report.pdf", page + "/report/photos/" + photos[0].ID,
				page + "/report/photos/" + photos[0].ID + "/thumb", page + "/report/photos/" + photos[0].ID + "/original"} {
				res, _ := solo.get(path)
				wantStatus(t, path, res, "", 404)
			}
		})
		t.Run("the back office removes a photo", func(t *testing.T) {
			c.must(204, nil, "DELETE", base+"/photos/"+photos[1].ID, "")
			c.problem(404, nil, "DELETE", base+"/photos/"+photos[1].ID, "")
			res, _ := child.get(page + "/report/photos/" + photos[1].ID + "/thumb")
			wantStatus(t, "a removed photo", res, "", 404)
		})
	})
}
