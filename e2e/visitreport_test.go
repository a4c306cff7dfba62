package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal"
)

// apiCall sends a request with the demo's API key and decodes the
// answer into v (when not nil), failing unless it has status want.
func apiCall(t *testing.T, p *portal, want int, v any, method, path, ctype string, body io.Reader) {
	t.Helper()
	req, _ := http.NewRequest(method, p.URL+path, body)
	req.Header.Set("Authorization", "Bearer "+p.APIKey)
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	out, _ := io.ReadAll(res.Body)
	if res.StatusCode != want {
		t.Fatalf("%s %s = %d, want %d:\n%s", method, path, res.StatusCode, want, out)
	}
	if v != nil {
		if err := json.Unmarshal(out, v); err != nil {
			t.Fatal(err)
		}
	}
}

// mustSitePhoto is a w×h PNG, tinted by n.
func mustSitePhoto(t *testing.T, w, h, n int) []byte {
	t.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, color.NRGBA{R: uint8(x/8 + 40*n), G: uint8(y / 6), B: uint8(200 - 50*n), A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// completeWithReport makes an in-progress order at the site contact's
// site, and the back office completes it through the API with a report
// of notes and three photos; it returns the job's id.
func completeWithReport(t *testing.T, p *portal, siteID string) string {
	t.Helper()
	job := &fieldportal.Job{SiteID: siteID, Kind: fieldportal.JobService, Stage: fieldportal.StageInProgress,
		Number: "J-E2E-REPORT", Technician: "Priya Shah", Description: "Annual fire alarm service"}
	if err := p.DB.CreateJob(context.Background(), fieldportal.SystemViewer(p.demoOrg(t), "test"), job); err != nil {
		t.Fatalf("make the order: %v", err)
	}
	apiCall(t, p, 200, nil, "PATCH", "/api/v1/jobs/"+job.ID, "application/json", strings.NewReader(`{"stage":"complete"}`))
	apiCall(t, p, 201, nil, "PUT", "/api/v1/job-reports/"+job.ID, "application/json", strings.NewReader(
		`{"notes":"Tested every detector and call point. Replaced the panel's batteries.",`+
			`"parts":[{"code":"BAT-12-7","description":"Sealed lead-acid battery 12V 7Ah","quantity":2}],`+
			`"signed_by":"Dana Site-Manager","signed_at":"2026-03-10T12:15:00Z"}`))
	for i, caption := range []string{"The panel after the service", "", "New batteries in place"} {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		if caption != "" {
			mw.WriteField("caption", caption)
		}
		fw, _ := mw.CreateFormFile("photo", "photo.png")
		fw.Write(mustSitePhoto(t, 1600, 1200, i))
		mw.Close()
		apiCall(t, p, 201, nil, "POST", "/api/v1/jobs/"+job.ID+"/report/photos", mw.FormDataContentType(), &buf)
	}
	return job.ID
}

// TestJourneyVisitReport is issue 22's visit report in the browser: the
// back office completes a job through the API with a report of three
// photos and notes; the site contact opens the job on a 390 px phone,
// sees the gallery, opens a photo at its display size with a link to the
// original, and downloads the PDF. axe-core checks every page.
func TestJourneyVisitReport(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		site := mustBrowser(t, p.URL)
		site.loginAs("site")
		var sitePath string
		site.run(chromedp.Navigate(p.URL+"/sites"), chromedp.AttributeValue(`table tbody tr a`, "href", &sitePath, nil, chromedp.ByQuery))
		jobID := completeWithReport(t, p, strings.TrimPrefix(sitePath, "/sites/"))

		site.run(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile), chromedp.Navigate(p.URL+"/jobs/"+jobID))
		if body := site.text("main"); !strings.Contains(body, "Visit report") || !strings.Contains(body, "Replaced the panel's batteries") ||
			!strings.Contains(body, "Dana Site-Manager") || !strings.Contains(body, "Sealed lead-acid battery") {
			t.Fatalf("the order's page lacks its report:\n%s", body)
		}
		if n := site.count(`ul.gallery li a img`); n != 3 {
			t.Fatalf("the gallery has %d photos, want 3", n)
		}
		var alts []string
		site.run(chromedp.Evaluate(`[...document.querySelectorAll("ul.gallery img")].map(i => i.alt)`, &alts))
		if want := []string{"The panel after the service", "Photo 2 of the visit report", "New batteries in place"}; strings.Join(alts, "|") != strings.Join(want, "|") {
			t.Errorf("the photos' alt texts are %q, want %q", alts, want)
		}
		// Two thumbnails a row on a phone, within the page.
		var layout struct{ Columns, Overflow int }
		site.run(chromedp.Evaluate(`(() => { const l = [...document.querySelectorAll("ul.gallery li")].map(li => li.getBoundingClientRect());
			return {Columns: new Set(l.map(r => Math.round(r.top))).size === l.length ? 1 : l.filter(r => Math.round(r.top) === Math.round(l[0].top)).length,
				Overflow: document.documentElement.scrollWidth - window.innerWidth}; })()`, &layout))
		if layout.Columns < 2 || layout.Overflow > 0 {
			t.Errorf("the gallery on a phone: %d a row, %d px too wide", layout.Columns, layout.Overflow)
		}

		site.submit(`ul.gallery li:nth-child(2) a`)
		if h := site.text("h1"); !strings.HasPrefix(h, "Photo 2 of 3") {
			t.Errorf("the photo's page is %q", h)
		}
		var width int
		site.run(chromedp.Poll(`document.querySelector("figure.visit-photo img").complete && document.querySelector("figure.visit-photo img").naturalWidth`, &width))
		if width != 1280 {
			t.Errorf("the display size is %d px wide, want 1280", width)
		}
		if site.count(`a[href$="/original"]`) != 1 || site.count(`a[rel=next]`) != 1 || site.count(`a[rel=prev]`) != 1 {
			t.Error("the photo's page lacks its original, next or previous link")
		}
		site.submit(`a[rel=next]`)
		if h := site.text("h1"); !strings.HasPrefix(h, "Photo 3 of 3") {
			t.Errorf("the next photo's page is %q", h)
		}

		var pdf struct {
			Status int
			Type   string
			Head   string
		}
		site.run(chromedp.Evaluate(`fetch("/jobs/`+jobID+`/report.pdf").then(async r => ({Status: r.status, Type: r.headers.get("content-type"),
			Head: (await r.text()).slice(0, 5)}))`, &pdf, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
		if pdf.Status != 200 || pdf.Type != "application/pdf" || pdf.Head != "%PDF-" {
			t.Errorf("the report's PDF = %+v", pdf)
		}
		var original struct {
			Status      int
			Type, Sniff string
		}
		site.run(chromedp.Evaluate(`fetch(document.querySelector('a[href$="/original"]').href).then(r => ({Status: r.status,
			Type: r.headers.get("content-type"), Sniff: r.headers.get("x-content-type-options")}))`, &original,
			func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
		if original.Status != 200 || original.Type != "image/png" || original.Sniff != "nosniff" {
			t.Errorf("the original = %+v", original)
		}
	})
}

// screensVisitReport completes an order of the site contact's with a
// report (as TestJourneyVisitReport) for TestScreens, and returns the
// order's page and its second photo's page.
func screensVisitReport(t *testing.T, p *portal) (job, photo string) {
	t.Helper()
	ctx := context.Background()
	org := p.demoOrg(t)
	l, err := p.DB.FindLoginForSignIn(ctx, org, personas["site"])
	if err != nil {
		t.Fatal(err)
	}
	v, err := p.DB.ViewerForLogin(ctx, org, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	sites, _, err := p.DB.FindSites(ctx, v, fieldportal.SiteFilter{})
	if err != nil || len(sites) == 0 {
		t.Fatalf("the site contact's sites: %v", err)
	}
	id := completeWithReport(t, p, sites[0].ID)
	var rep struct {
		Photos []struct{ ID string } `json:"photos"`
	}
	apiCall(t, p, 200, &rep, "GET", "/api/v1/job-reports/"+id, "", nil)
	return "/jobs/" + id, "/jobs/" + id + "/report/photos/" + rep.Photos[1].ID
}
