package e2e

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// TestBrowserReachesDemo proves the harness: the real binary serves a
// fresh demo on each engine and Chromium loads its pages.
func TestBrowserReachesDemo(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		b := mustBrowser(t, p.URL)
		var body string
		b.run(chromedp.Navigate(p.URL+"/healthz"), chromedp.Text(`body`, &body, chromedp.ByQuery))
		if body != "ok" {
			t.Errorf("/healthz in the browser = %q, want ok", body)
		}
	})
}
