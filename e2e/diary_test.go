package e2e

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestJourneyCertificatesDiaryTasks: staff issue a certificate with a PDF
// in the console at one of the parent's sites; the parent finds it on
// /certificates and downloads exactly the bytes uploaded (same sha256),
// then opens the diary (with its calendar address made) and the tasks
// (issue 18). axe-core checks every page on the way.
func TestJourneyCertificatesDiaryTasks(t *testing.T) {
	pdf := []byte("%PDF-1.4\n% E2E gas safety record\n" + strings.Repeat("journey bytes ", 200) + "\n%%EOF\n")
	file := filepath.Join(t.TempDir(), "gas-safety.pdf")
	if err := os.WriteFile(file, pdf, 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(pdf)
	want := hex.EncodeToString(sum[:])
	eachEngine(t, func(t *testing.T, p *portal) {
		parent := mustBrowser(t, p.URL)
		parent.loginAs("parent")
		parent.run(chromedp.Navigate(p.URL + "/sites"))
		site := strings.TrimSpace(parent.text(`table tbody tr th`))
		if site == "" {
			t.Fatal("the parent has no site to certify")
		}

		staff := mustBrowser(t, p.URL)
		staff.loginAs("admin")
		staff.run(chromedp.Navigate(p.URL + "/console/certificates/new"))
		staff.fill(`form[action="/console/certificates/new"][method="get"]`, "site_q", site)
		var chosen string
		staff.run(chromedp.Evaluate(`(() => { const s = document.querySelector("#site_id");
			const o = [...s.options].find(o => o.text.startsWith(`+jsString(site)+`)); if (o) { s.value = o.value; } return o ? o.text : ""; })()`, &chosen))
		if chosen == "" {
			t.Fatalf("the site search did not offer %q", site)
		}
		staff.run(
			chromedp.SendKeys(`#type`, "E2E Gas safety", chromedp.ByQuery),
			chromedp.SendKeys(`#number`, "E2E-CERT-1", chromedp.ByQuery),
			chromedp.SetValue(`#issued_on`, "2026-01-05", chromedp.ByQuery),
			chromedp.SetValue(`#expires_on`, "2027-01-04", chromedp.ByQuery),
			chromedp.SetUploadFiles(`#file`, []string{file}, chromedp.ByQuery),
		)
		staff.submit(`form[action="/console/certificates/new"][method="post"] button[type=submit]`)
		if got := staff.text(".notice"); !strings.Contains(got, "certificate has been issued") {
			t.Fatalf("no notice of the issued certificate at %s: %q", staff.location(), got)
		}

		parent.run(chromedp.Navigate(p.URL + "/certificates?type=" + "E2E+Gas+safety"))
		if h := parent.text("h1"); h != "Certificates" {
			t.Fatalf("the certificates page's heading is %q", h)
		}
		if got := parent.text("table tbody"); !strings.Contains(got, "E2E-CERT-1") {
			t.Fatalf("the list lacks the certificate: %q", got)
		}
		var href string
		parent.run(chromedp.Evaluate(`document.querySelector('table tbody a[href$="/download"]').getAttribute("href")`, &href))
		var got string
		parent.run(chromedp.Evaluate(`fetch(`+jsString(href)+`).then(r => r.arrayBuffer()).then(b => crypto.subtle.digest("SHA-256", b)).then(d =>
			[...new Uint8Array(d)].map(x => x.toString(16).padStart(2, "0")).join(""))`, &got, func(p *runtime.EvaluateParams) *runtime.EvaluateParams {
			return p.WithAwaitPromise(true)
		}))
		if got != want {
			t.Errorf("the download's sha256 is %s, want %s (the uploaded file's)", got, want)
		}

		parent.run(chromedp.Navigate(p.URL + "/diary"))
		if h := parent.text("h1"); h != "Diary" {
			t.Fatalf("the diary's heading is %q", h)
		}
		parent.submit(`form[action="/diary/calendar"] button[type=submit]`)
		var feed string
		parent.run(chromedp.Value(`#feed-url`, &feed, chromedp.ByQuery))
		if !strings.Contains(feed, "/calendar/") || !strings.HasSuffix(feed, ".ics") {
			t.Errorf("the calendar address is %q", feed)
		}
		parent.run(chromedp.Navigate(p.URL + "/diary?range=all"))
		parent.text("h1")
		parent.run(chromedp.Navigate(p.URL + "/tasks"))
		if h := parent.text("h1"); h != "Tasks" {
			t.Fatalf("the tasks page's heading is %q", h)
		}
		// Screenshots of the three pages on a phone and a desktop, to
		// look at (e2e/screenshots).
		for _, page := range []string{"certificates", "diary", "tasks"} {
			for _, width := range []int64{390, 1280} {
				parent.run(chromedp.EmulateViewport(width, 900), chromedp.Navigate(p.URL+"/"+page))
				parent.text("h1")
				parent.shot(fmt.Sprintf("%s_%d", page, width))
			}
		}
	})
}

// shot saves a full-page screenshot named after the test and name.
func (b *browser) shot(name string) {
	b.t.Helper()
	var png []byte
	if err := chromedp.Run(b.ctx, chromedp.FullScreenshot(&png, 100)); err != nil {
		b.t.Logf("no screenshot: %v", err)
		return
	}
	os.MkdirAll("screenshots", 0o755)
	file := filepath.Join("screenshots", regexp.MustCompile(`[^A-Za-z0-9_-]+`).ReplaceAllString(b.t.Name()+"_"+name, "_")+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Logf("screenshot: %v", err)
	}
}
