package e2e

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestJourneyReportIssue: the site contact reports an issue with a photo
// from the Issues page, lands on the issue, sees its photo there and the
// issue in its list; staff find it in the console's queue and answer it,
// and the contact reads the answer (SPEC §4 Issues; issue 16). axe-core
// checks every page on the way.
func TestJourneyReportIssue(t *testing.T) {
	photo := filepath.Join(t.TempDir(), "leak-photo.png")
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(1, 1, color.RGBA{0, 90, 200, 255})
	var buf bytes.Buffer
	png.Encode(&buf, img)
	if err := os.WriteFile(photo, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	eachEngine(t, func(t *testing.T, p *portal) {
		site := mustBrowser(t, p.URL)
		site.loginAs("site")
		site.run(chromedp.Navigate(p.URL + "/issues"))
		if h := site.text("h1"); h != "Issues" {
			t.Fatalf("the Issues page's heading is %q", h)
		}
		site.submit(`a.button[href^="/issues/new"]`)
		if h := site.text("h1"); h != "Report an issue" {
			t.Fatalf("the form's heading is %q", h)
		}
		// The site contact has one site: the form has chosen it.
		var chosen string
		site.run(chromedp.Evaluate(`document.querySelector("#site_id").selectedOptions[0].text`, &chosen))
		if chosen == "" || chosen == "Choose a site" {
			t.Errorf("the only site is not chosen: %q", chosen)
		}
		site.run(
			chromedp.SendKeys(`#title`, "Water leak under the stairs", chromedp.ByQuery),
			chromedp.SendKeys(`#description`, "Dripping since Monday; bucket in place.", chromedp.ByQuery),
			chromedp.SetValue(`#priority`, "high", chromedp.ByQuery),
			chromedp.SetUploadFiles(`#attachments`, []string{photo}, chromedp.ByQuery),
		)
		site.submit(`form[action="/issues/new"] button[type=submit]`)
		if h := site.text("h1"); h != "Water leak under the stairs" {
			t.Fatalf("after reporting the page is %q at %s", h, site.location())
		}
		if !strings.Contains(site.text(".notice"), "reported") {
			t.Errorf("no notice that the issue was reported")
		}
		if got := site.text(`#attachments-heading + ul`); !strings.Contains(got, "leak-photo.png") {
			t.Errorf("the issue's attachments are %q", got)
		}
		issue := site.location()
		issue = issue[:strings.Index(issue, "?")]

		site.run(chromedp.Navigate(p.URL + "/issues"))
		if got := site.text(`table tbody`); !strings.Contains(got, "Water leak under the stairs") {
			t.Errorf("the list lacks the new issue: %q", got)
		}

		staff := mustBrowser(t, p.URL)
		staff.loginAs("admin")
		staff.run(chromedp.Navigate(p.URL + "/console/issues"))
		if got := staff.text(`table tbody`); !strings.Contains(got, "Water leak under the stairs") {
			t.Fatalf("the console's queue lacks the issue: %q", got)
		}
		staff.run(chromedp.Navigate(p.URL + "/console" + issue))
		staff.run(chromedp.SendKeys(`#body`, "A plumber will call tomorrow morning.", chromedp.ByQuery))
		staff.submit(`form[action$="/comments"] button[type=submit]`)
		if !strings.Contains(staff.text(".notice"), "comment was added") {
			t.Errorf("no notice after the staff comment")
		}
		if m := p.lastMailTo(t, "site@demo.test"); m == nil || !strings.Contains(m.Payload, issue) {
			t.Errorf("the contact's mail about the answer: %+v", m)
		}

		site.run(chromedp.Navigate(p.URL + issue))
		if got := site.text(`#comments`); !strings.Contains(got, "A plumber will call tomorrow morning.") {
			t.Errorf("the contact does not see the answer: %q", got)
		}
	})
}
