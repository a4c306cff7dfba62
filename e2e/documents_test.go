package e2e

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// TestJourneyDocuments: the site contact opens its site, follows the
// Documents tab, uploads a file and downloads exactly the bytes it sent
// (same sha256); then the Documents page lists it. axe-core checks every
// page visited (the list, the site's tab, the site page).
func TestJourneyDocuments(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		site := mustBrowser(t, p.URL)
		site.loginAs("site")
		var sitePath string
		site.run(chromedp.Navigate(p.URL+"/sites"), chromedp.AttributeValue(`table tbody tr a`, "href", &sitePath, nil, chromedp.ByQuery))
		site.run(chromedp.Navigate(p.URL + sitePath))
		siteID := strings.TrimPrefix(sitePath, "/sites/")
		site.submit(`a[href="/documents?site=` + siteID + `"]`)
		if h := site.text("h1"); !strings.HasPrefix(h, "Documents at ") {
			t.Fatalf("the Documents tab leads to %q", h)
		}

		// A PDF with random bytes: nothing else could give the same hash.
		data := append([]byte("%PDF-1.7\n"), make([]byte, 300<<10)...)
		rand.Read(data[9:])
		want := sha256.Sum256(data)
		file := filepath.Join(t.TempDir(), "survey-e2e.pdf")
		if err := os.WriteFile(file, data, 0o644); err != nil {
			t.Fatal(err)
		}
		site.run(chromedp.SetUploadFiles(`#files`, []string{file}, chromedp.ByQuery))
		site.submit(`form.upload-form button[type=submit]`)
		if n := site.text(`[role=status]`); !strings.Contains(n, "added") {
			t.Errorf("after the upload the page says %q", n)
		}
		// The site may hold the demo's files too: the upload's own link.
		var href string
		site.run(chromedp.Evaluate(`(Array.from(document.querySelectorAll("table a")).find(a => a.textContent.trim() === "survey-e2e.pdf") || {}).href || ""`, &href))
		if !strings.Contains(site.text("main"), "survey-e2e.pdf") || href == "" {
			t.Fatalf("the uploaded file is not listed:\n%s", site.text("main"))
		}
		// The download, fetched by the signed-in page, hashed in the browser.
		var got string
		js := `fetch(` + "`" + href + "`" + `).then(r => r.arrayBuffer()).then(b => crypto.subtle.digest("SHA-256", b))
			.then(h => Array.from(new Uint8Array(h)).map(x => x.toString(16).padStart(2, "0")).join(""))`
		site.run(chromedp.Evaluate(js, &got, func(p *runtime.EvaluateParams) *runtime.EvaluateParams { return p.WithAwaitPromise(true) }))
		if got != hex.EncodeToString(want[:]) {
			t.Errorf("downloaded sha256 %s, uploaded %s", got, hex.EncodeToString(want[:]))
		}

		site.run(chromedp.Navigate(p.URL + "/documents?q=survey-e2e"))
		if site.count(`table a[href$="/download"]`) != 1 {
			t.Errorf("the Documents page does not find the upload by name:\n%s", site.text("main"))
		}
		site.run(chromedp.Navigate(p.URL + "/documents"))
		if h := site.text("h1"); h != "Documents" {
			t.Errorf("the Documents page is %q", h)
		}

		// Staff find the file on the site's console page and hide it.
		staff := mustBrowser(t, p.URL)
		staff.loginAs("admin")
		staff.run(chromedp.Navigate(p.URL + "/console/documents?attached=site&record=" + siteID))
		if !strings.Contains(staff.text("main"), "survey-e2e.pdf") {
			t.Fatalf("the console does not list the upload:\n%s", staff.text("main"))
		}
		staff.submit(`form[action$="/visibility"] button[type=submit]`)
		if n := staff.text(`[role=status]`); !strings.Contains(n, "visibility") {
			t.Errorf("after hiding the console says %q", n)
		}
	})
}
