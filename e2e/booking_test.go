package e2e

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal"
)

// mustPhoto writes a small PNG, as a customer's photo of the fault.
func mustPhoto(t *testing.T) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for x := range 8 {
		img.Set(x, x, color.RGBA{200, 30, 30, 255})
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fault.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// bookingDay is a weekday from two days ahead, in the demo's zone (London).
func bookingDay() string {
	loc, _ := time.LoadLocation("Europe/London")
	d := time.Now().In(loc).AddDate(0, 0, 2)
	for d.Weekday() == time.Saturday || d.Weekday() == time.Sunday {
		d = d.AddDate(0, 0, 1)
	}
	return d.Format("2006-01-02")
}

// value reads an expression's string value in the page.
func (b *browser) value(js string) string {
	b.t.Helper()
	var s string
	b.run(chromedp.Evaluate(js, &s))
	return s
}

// openBooking opens a form, sets the site and the date, and shows the
// free times; it returns the first free window's value ("" if none).
func (b *browser) openBooking(path, siteID, day string) string {
	b.t.Helper()
	b.run(chromedp.Navigate(b.base+path), chromedp.WaitVisible(`#booking-form`, chromedp.ByQuery))
	if siteID != "" {
		b.run(chromedp.SetValue(`#site_id`, siteID, chromedp.ByQuery))
	}
	b.run(chromedp.SetValue(`#preferred_date`, day, chromedp.ByQuery))
	b.submit(`button[value="show_times"]`)
	return b.value(`(document.querySelector('#window').options[1] || {value: ""}).value`)
}

// TestJourneyBooking: the site contact books a job with a script, a piece
// of equipment, an item and a photo, and it is saved pending with all of
// them; the parent, who chose the same window before, is refused it with
// the overlap message; the site contact requests a quote.
func TestJourneyBooking(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		ctx := context.Background()
		sys := fieldportal.SystemViewer(p.demoOrg(t), "test")
		day := bookingDay()
		site := mustBrowser(t, p.URL)
		site.loginAs("site")
		if site.count(`.header-actions a[href="/jobs/new"]`) != 1 {
			t.Fatal("the header offers no Book a job")
		}
		site.run(chromedp.Navigate(p.URL+"/jobs/new"), chromedp.WaitVisible(`#booking-form`, chromedp.ByQuery))
		siteID := site.value(`document.querySelector('#site_id').value`)
		if siteID == "" {
			t.Fatal("the one site of the site contact is not chosen")
		}

		// The parent reaches the same site, and chooses its first free
		// window before the site contact books it.
		parent := mustBrowser(t, p.URL)
		parent.loginAs("parent")
		window := parent.openBooking("/jobs/new", siteID, day)
		if window == "" {
			t.Fatalf("no window is free at the site on %s", day)
		}
		parent.run(chromedp.SetValue(`#window`, window, chromedp.ByQuery),
			chromedp.SendKeys(`#description`, "Fire door closer broken", chromedp.ByQuery))

		// The site contact books that window.
		if got := site.openBooking("/jobs/new", "", day); got != window {
			t.Fatalf("the site contact is offered %q first, the parent %q", got, window)
		}
		site.run(chromedp.SetValue(`#window`, window, chromedp.ByQuery),
			chromedp.SendKeys(`#order_no`, "PO-4471", chromedp.ByQuery),
			chromedp.SendKeys(`#description`, "Projector room alarm sounds at random.", chromedp.ByQuery),
			chromedp.SetValue(`#script_id`, site.value(`document.querySelector('#script_id').options[1].value`), chromedp.ByQuery),
			chromedp.Click(`button[value="insert_script"]`, chromedp.ByQuery))
		script := site.value(`document.querySelector('#script_id').options[1].getAttribute('data-text')`)
		if desc := site.value(`document.querySelector('#description').value`); !strings.Contains(desc, "Projector room alarm") || !strings.Contains(desc, script) {
			t.Fatalf("Insert did not add the script at once: %q", desc)
		}
		if site.count(`#asset_ids input[type=checkbox]`) == 0 {
			t.Fatal("no equipment offered at the site")
		}
		asset := site.value(`document.querySelector('#asset_ids input[type=checkbox]').value`)
		item := site.value(`document.querySelector('#item_id').options[1].value`)
		site.run(chromedp.Click(`#asset_ids input[type=checkbox]`, chromedp.ByQuery),
			chromedp.SetValue(`#item_id`, item, chromedp.ByQuery),
			chromedp.SendKeys(`#item_qty`, "2", chromedp.ByQuery),
			chromedp.SetUploadFiles(`#attachments`, []string{mustPhoto(t)}, chromedp.ByQuery))
		site.submit(`button[value="submit"]`)
		loc := site.location()
		if !strings.HasPrefix(loc, "/jobs/") {
			t.Fatalf("after booking the contact is at %q, want the job's page", loc)
		}
		jobID := strings.TrimPrefix(loc, "/jobs/")
		j, err := p.DB.FindJobByID(ctx, sys, jobID)
		if err != nil {
			t.Fatal(err)
		}
		if j.Stage != fieldportal.StagePending || !j.CreatedInPortal || j.OrderNo != "PO-4471" || !strings.Contains(j.Description, script) ||
			len(j.AssetIDs) != 1 || j.AssetIDs[0] != asset || len(j.Items) != 1 || j.Items[0].Quantity != 2 || j.PreferredDate.String() != day {
			t.Errorf("booked job %+v", j)
		}
		docs, _, err := p.DB.FindDocuments(ctx, sys, fieldportal.DocumentFilter{JobID: jobID})
		if err != nil || len(docs) != 1 || docs[0].Name != "fault.png" || docs[0].ContentType != "image/png" {
			t.Errorf("the photo: %+v, %v", docs, err)
		}

		// The parent's form still holds the window: it is refused.
		parent.submit(`button[value="submit"]`)
		if msg := parent.text(`#window-error`); !strings.Contains(msg, "is already booked; choose another time.") {
			t.Errorf("window error %q", msg)
		}
		if !strings.Contains(parent.text(`.error-summary`), "already booked") {
			t.Error("the error summary lacks the overlap message")
		}
		if got := parent.value(`document.querySelector('#description').value`); got != "Fire door closer broken" {
			t.Errorf("the description typed was not kept: %q", got)
		}

		// A quote request, with a plan dropped on the drop zone.
		site.run(chromedp.Navigate(p.URL+"/quotes/new"), chromedp.WaitVisible(`#booking-form`, chromedp.ByQuery),
			chromedp.SendKeys(`#description`, "Quote for two more smoke detectors in screen 3.", chromedp.ByQuery))
		var dropped string
		site.run(chromedp.Evaluate(`(function () {
			var dt = new DataTransfer();
			dt.items.add(new File(["Screen 3: two detectors by the exits."], "plan.txt", {type: "text/plain"}));
			document.querySelector("[data-dropzone]").dispatchEvent(new DragEvent("drop", {dataTransfer: dt, bubbles: true, cancelable: true}));
			return document.querySelector("[data-dropzone-files]").textContent;
		})()`, &dropped))
		if dropped != "Chosen: plan.txt" {
			t.Errorf("after the drop the zone says %q", dropped)
		}
		site.submit(`button[value="submit"]`)
		loc = site.location()
		if !strings.HasPrefix(loc, "/quotes/") {
			t.Fatalf("after requesting the contact is at %q, want the quote's page", loc)
		}
		x, err := p.DB.FindQuoteByID(ctx, sys, strings.TrimPrefix(loc, "/quotes/"))
		if err != nil || x.Stage != fieldportal.QuoteRequested || !x.CreatedInPortal {
			t.Fatalf("requested quote %+v, %v", x, err)
		}
		if docs, _, err := p.DB.FindDocuments(ctx, sys, fieldportal.DocumentFilter{QuoteID: x.ID}); err != nil || len(docs) != 1 || docs[0].Name != "plan.txt" {
			t.Errorf("the dropped file: %+v, %v", docs, err)
		}
		if h := site.text("h1"); !strings.Contains(h, x.Number) {
			t.Errorf("the quote's page is headed %q, want its number %s", h, x.Number)
		}
		site.run(chromedp.Navigate(p.URL+"/quotes"), chromedp.WaitVisible(`h1`, chromedp.ByQuery))
		if !strings.Contains(site.text("main"), x.Number) {
			t.Errorf("the request %s is not under Outstanding at once", x.Number)
		}

		if dir := os.Getenv("FIELDPORTAL_SCREENSHOTS"); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			admin := mustBrowser(t, p.URL)
			admin.loginAs("admin")
			for _, width := range []int64{390, 1280} {
				for _, s := range []struct {
					b          *browser
					path, name string
				}{{site, "/jobs/new", "booking-job"}, {parent, "/quotes/new", "booking-quote"}, {admin, "/console/jobs/" + jobID + "/schedule", "console-schedule"}} {
					if width < 600 {
						s.b.run(chromedp.EmulateViewport(width, 900, chromedp.EmulateMobile))
					} else {
						s.b.run(chromedp.EmulateViewport(width, 900))
					}
					s.b.save(p.URL+s.path, filepath.Join(dir, s.name+"-"+p.DB.Dialect().String()+"-"+itoa(width)+".png"))
				}
			}
		}
	})
}
