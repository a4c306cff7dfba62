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

// TestJourneyMessages: the site contact writes to the office on one of
// its orders with a photo (an empty message, then a file that may not be
// attached, are refused naming their fields and keep what was typed);
// staff find the thread in the console's queue and answer; the contact
// sees the unread count in the navigation, reads the answer on the
// order's page, and the count clears (issue 22). axe-core checks every
// page; the thread's own page is read once at 390 px.
func TestJourneyMessages(t *testing.T) {
	dir := t.TempDir()
	photo := filepath.Join(dir, "boiler-photo.png")
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	img.Set(2, 2, color.RGBA{200, 40, 0, 255})
	var buf bytes.Buffer
	png.Encode(&buf, img)
	page := filepath.Join(dir, "page.html")
	for name, data := range map[string][]byte{photo: buf.Bytes(), page: []byte("<html><script>alert(1)</script></html>")} {
		if err := os.WriteFile(name, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	eachEngine(t, func(t *testing.T, p *portal) {
		site := mustBrowser(t, p.URL)
		site.loginAs("site")
		site.run(chromedp.Navigate(p.URL + "/jobs?kind=service"))
		var job string
		site.run(chromedp.Evaluate(`(document.querySelector('main table a[href^="/jobs/"]') || {}).getAttribute ? document.querySelector('main table a[href^="/jobs/"]').getAttribute("href") : ""`, &job))
		if job == "" {
			t.Fatal("the site contact has no service order to write about")
		}
		site.run(chromedp.Navigate(p.URL + job))
		if got := site.text(`#messages-heading`); got != "Messages" {
			t.Fatalf("the order's page has no Messages section: %q", got)
		}
		if site.count(`.site-nav a[href="/messages"]`) != 1 {
			t.Errorf("the navigation has no Messages link")
		}
		form := `form[action^="/messages/job/"]`

		// An empty message is refused, naming its field.
		site.submit(form + ` button[type=submit]`)
		if errs := site.text(".error-summary"); !strings.Contains(errs, "Message is required") {
			t.Fatalf("an empty message: the errors are %q at %s", errs, site.location())
		}
		if site.count(`#body[aria-invalid="true"]`) != 1 {
			t.Errorf("the message field is not marked invalid")
		}
		thread := p.URL + strings.SplitN(site.location(), "?", 2)[0]

		// A page that could run script may not be attached; the text stays.
		site.run(chromedp.SendKeys(`#body`, "The boiler is leaking again.", chromedp.ByQuery),
			chromedp.SetUploadFiles(`#attachments`, []string{page}, chromedp.ByQuery))
		site.submit(form + ` button[type=submit]`)
		if errs := site.text(".error-summary"); !strings.Contains(errs, "is not a file type that can be attached") {
			t.Fatalf("a page attached: the errors are %q", errs)
		}
		if site.count(`#attachments[aria-invalid="true"]`) != 1 {
			t.Errorf("the file field is not marked invalid")
		}
		var typed string
		site.run(chromedp.Value(`#body`, &typed, chromedp.ByQuery))
		if typed != "The boiler is leaking again." {
			t.Errorf("the refused form kept %q", typed)
		}

		// With a photo it is sent, and shown on the thread.
		site.run(chromedp.SetUploadFiles(`#attachments`, []string{photo}, chromedp.ByQuery))
		site.submit(form + ` button[type=submit]`)
		if got := site.text(`#messages`); !strings.Contains(got, "The boiler is leaking again.") || !strings.Contains(got, "boiler-photo.png") {
			t.Fatalf("the thread after sending: %q at %s", got, site.location())
		}
		if site.count(`#messages img.thread-photo`) != 1 {
			t.Errorf("the photo is not shown in the thread")
		}

		staff := mustBrowser(t, p.URL)
		staff.loginAs("admin")
		staff.run(chromedp.Navigate(p.URL + "/console/messages"))
		if got := staff.text(`main table tbody`); !strings.Contains(got, "Job ") {
			t.Fatalf("the console's queue lacks the thread: %q", got)
		}
		// The demo has a thread of its own waiting, older: the journey's
		// is the last of the queue, which lists the longest waiting first.
		queued := staff.count(`main table tbody a[href^="/console/messages/"]`)
		staff.submit(`main table tbody tr:last-child a[href^="/console/messages/"]`)
		if got := staff.text(`#messages`); !strings.Contains(got, "The boiler is leaking again.") || !strings.Contains(got, "boiler-photo.png") {
			t.Fatalf("the console's thread: %q", got)
		}
		staff.run(chromedp.SendKeys(`#body`, "An engineer will call on Tuesday.", chromedp.ByQuery))
		staff.submit(`form[action^="/console/messages/"] button[type=submit]`)
		if !strings.Contains(staff.text(".notice"), "answer was sent") {
			t.Errorf("no notice after the answer")
		}
		staff.run(chromedp.Navigate(p.URL + "/console/messages"))
		if staff.count(`main table tbody a[href^="/console/messages/"]`) != queued-1 {
			t.Errorf("the answered thread is still in the queue")
		}
		staff.axeCoverage()

		// The contact sees one unread thread, reads it, and the count clears.
		site.run(chromedp.Navigate(p.URL + "/"))
		if got := site.text(`.site-nav a[href="/messages"] .nav-badge`); got != "1" {
			t.Errorf("the unread count is %q, want 1", got)
		}
		site.run(chromedp.Navigate(p.URL + "/messages"))
		if got := site.text(`main table tbody`); !strings.Contains(got, "Unread") {
			t.Errorf("the Messages page does not show the thread unread: %q", got)
		}
		site.run(chromedp.Navigate(p.URL + job))
		if got := site.text(`#messages`); !strings.Contains(got, "An engineer will call on Tuesday.") {
			t.Errorf("the contact does not see the answer: %q", got)
		}
		if n := site.count(`.site-nav a[href="/messages"] .nav-badge`); n != 0 {
			t.Errorf("the unread count is still shown after opening the thread")
		}

		if dir := os.Getenv("FIELDPORTAL_SCREENSHOTS"); dir != "" {
			site.save(p.URL+job, filepath.Join(dir, "job-thread-"+p.DB.Dialect().String()+"-1280.png"))
			site.save(p.URL+"/messages", filepath.Join(dir, "messages-"+p.DB.Dialect().String()+"-1280.png"))
		}

		// The thread's own page on a phone.
		site.run(chromedp.EmulateViewport(390, 900, chromedp.EmulateMobile), chromedp.Navigate(thread))
		var wide bool
		site.run(chromedp.Evaluate(`document.documentElement.scrollWidth > window.innerWidth`, &wide))
		if wide {
			t.Errorf("the thread's page is wider than a 390 px screen")
		}
		if dir := os.Getenv("FIELDPORTAL_SCREENSHOTS"); dir != "" {
			site.save(thread, filepath.Join(dir, "message-thread-"+p.DB.Dialect().String()+"-390.png"))
		}
		site.axeCoverage()
	})
}
