package e2e

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/sqlstore/demo"
)

// TestJourneyReports: the parent contact opens Reports from the menu and
// chooses its head office: the PPM grid of the demo's current year shows
// blue cells of several shades, with the current week marked by a red
// line, and green, yellow and red (with a yellow bubble) cells in the week
// before (on the previous year's grid when today is in week 1). A click on a red
// cell shows the week's details with their job numbers without leaving
// the page, and so does Enter on a cell; without JavaScript the cell's
// link opens the same details. On a phone the grid scrolls sideways
// with the asset types fixed. The defects and test history reports are
// a tab away, the defects not empty. axe-core checks every page.
func TestJourneyReports(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		b := mustBrowser(t, p.URL)
		b.loginAs("parent")
		b.run(chromedp.Navigate(p.URL + "/"))
		b.submit(`nav a[href="/reports/ppm"]`)
		if h := b.text("h1"); h != "Planned preventative maintenance" {
			t.Fatalf("the Reports link leads to %q", h)
		}
		var chosen string
		b.run(chromedp.Evaluate(fmt.Sprintf(`(() => { const s = document.getElementById("site");
			const o = Array.from(s.options).find(o => o.text === %q); s.value = o ? o.value : ""; return s.value })()`, demo.ShowcaseSite), &chosen))
		if chosen == "" {
			t.Fatalf("the site filter does not offer %s", demo.ShowcaseSite)
		}
		b.submit(`form.filter-bar button[type=submit]`)
		if h := b.text("h1"); !strings.Contains(h, demo.ShowcaseSite) {
			t.Fatalf("the report is %q", h)
		}
		// This year's grid: the blue of the weeks to come, in several
		// shades, and the current week marked down it.
		if b.count(`#ppm-grid td.ppm-due a.ppm-cell`) == 0 {
			t.Error("no due cell in the grid")
		}
		var shades int
		b.run(chromedp.Evaluate(`new Set(Array.from(document.querySelectorAll("#ppm-grid td.ppm-due")).map(e => e.className.match(/ppm-shade-\d/)[0])).size`, &shades))
		if shades < 2 {
			t.Errorf("the due cells have %d shade(s) of blue", shades)
		}
		if b.count(`#ppm-grid thead th.ppm-now`) != 1 || b.count(`#ppm-grid tbody td.ppm-now`) != b.count(`#ppm-grid tbody tr`) {
			t.Error("the current week is not marked down the grid")
		}
		var line string
		b.run(chromedp.Evaluate(`getComputedStyle(document.querySelector("#ppm-grid tbody td.ppm-now")).borderLeftColor`, &line))
		if line != "rgb(176, 33, 27)" {
			t.Errorf("the current week's line is %s, want the red of errors", line)
		}

		// The demo puts the past colours in the week before this one. In
		// week 1 of a report year that week is the previous year's last,
		// so on those days (only) they are checked on the previous year's
		// grid; on every other day on this year's, the default one.
		if now := fieldportal.WeekOf(londonToday()); now.N == 1 {
			u, err := url.Parse(b.location())
			if err != nil {
				t.Fatal(err)
			}
			q := u.Query()
			q.Set("year", strconv.Itoa(now.Year-1))
			u.RawQuery = q.Encode()
			b.run(chromedp.Navigate(p.URL + u.String()))
			if h := b.text("h1"); !strings.Contains(h, demo.ShowcaseSite) {
				t.Fatalf("the previous year's report is %q", h)
			}
		}
		for _, kind := range []string{"passed", "untested", "failed"} {
			if n := b.count(`#ppm-grid td.ppm-` + kind + ` a.ppm-cell`); n == 0 {
				t.Errorf("no %s cell in the grid", kind)
			}
		}
		if b.count(`#ppm-grid td.ppm-failed .ppm-bubble`) == 0 {
			t.Error("no red cell has a yellow bubble of untested assets")
		}

		// A click on a red cell: its details, with job numbers, on this page.
		// The demo's routine tests have no job; the detectors' last red
		// cell (last week's service) has.
		var href string
		b.run(chromedp.Evaluate(`(() => { const row = Array.from(document.querySelectorAll("#ppm-grid tbody tr")).find(r => r.querySelector("th").textContent === "Smoke detector");
			const cells = row ? row.querySelectorAll("td.ppm-failed a.ppm-cell") : []; return cells.length ? cells[cells.length-1].getAttribute("href") : "" })()`, &href))
		if href == "" {
			t.Fatal("no red cell of smoke detectors")
		}
		red := fmt.Sprintf(`#ppm-grid a.ppm-cell[href=%q]`, href)
		before := b.location()
		b.run(chromedp.Click(red, chromedp.ByQuery), chromedp.WaitVisible(`#ppm-detail`, chromedp.ByQuery))
		detail := b.text(`#ppm-detail`)
		for _, want := range []string{"Week starts", "Week ends", "Asset type", "Failed", "Not tested"} {
			if !strings.Contains(detail, want) {
				t.Errorf("the red cell's details lack %q:\n%s", want, detail)
			}
		}
		if b.count(`#ppm-detail .ppm-jobs li`) == 0 {
			t.Errorf("the red cell's details name no job:\n%s", detail)
		}
		if got := b.location(); got != before {
			t.Errorf("the click left the page for %s", got)
		}
		// Enter on a green cell. The red cell's details are closed first,
		// so the wait below sees the green cell's, not the red's being
		// replaced.
		b.run(chromedp.Click(`#ppm-detail .ppm-close`, chromedp.ByQuery), chromedp.WaitNotPresent(`#ppm-detail`, chromedp.ByQuery))
		b.run(chromedp.Focus(`#ppm-grid td.ppm-passed a.ppm-cell`, chromedp.ByQuery), chromedp.KeyEvent("\r"),
			chromedp.WaitVisible(`#ppm-detail dl`, chromedp.ByQuery))
		if d := b.text(`#ppm-detail`); !strings.Contains(d, "Passed") {
			t.Errorf("Enter on a green cell shows %q", d)
		}
		// Without JavaScript the red cell's link is the page with its details.
		b.run(chromedp.Navigate(p.URL + href))
		if b.count(`#ppm-detail .ppm-jobs li`) == 0 {
			t.Error("the red cell's own page names no job")
		}

		// On a phone the weeks scroll and the asset types stay.
		b.run(chromedp.EmulateViewport(390, 800, chromedp.EmulateMobile))
		var sticky string
		var scrolls bool
		b.run(chromedp.Evaluate(`getComputedStyle(document.querySelector("#ppm-grid tbody th.ppm-type")).position`, &sticky),
			chromedp.Evaluate(`(() => { const w = document.querySelector(".ppm-wrap"); return w.scrollWidth > w.clientWidth })()`, &scrolls))
		if sticky != "sticky" || !scrolls {
			t.Errorf("on a phone the asset type column is %s and the grid scrolls: %v", sticky, scrolls)
		}
		pageFits := func(width int64) {
			var fits bool
			b.run(chromedp.Evaluate(`document.documentElement.scrollWidth <= window.innerWidth`, &fits))
			if !fits {
				t.Errorf("at %d px the page scrolls sideways, not only the grid", width)
			}
		}
		pageFits(390)
		b.run(chromedp.EmulateViewport(1280, 900))
		pageFits(1280)

		b.submit(`nav.tabs a[href="/reports/defects"]`)
		if b.count(`table tbody tr`) == 0 {
			t.Error("the current defects report is empty")
		}
		b.submit(`nav.tabs a[href="/reports/tests"]`)
		if b.count(`table tbody tr`) == 0 {
			t.Error("the test history is empty")
		}
	})
}

// londonToday is today in the demo's zone, the one its reports use.
func londonToday() fieldportal.Date {
	loc, err := time.LoadLocation("Europe/London")
	if err != nil {
		loc = time.UTC
	}
	return fieldportal.DateOf(time.Now().In(loc))
}
