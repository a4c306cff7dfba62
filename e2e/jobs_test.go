package e2e

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal"
)

// TestJourneyJobs: the site contact opens Service from the menu, finds
// its scheduled order under Progress (not under Pending), opens it and
// attaches a file; staff find the order in the console and move it on,
// and the contact sees the move in the order's history. axe-core checks
// every page visited; with FIELDPORTAL_SCREENSHOTS set, the pages are
// saved at phone and desktop width too.
func TestJourneyJobs(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		site := mustBrowser(t, p.URL)
		site.loginAs("site")
		var sitePath string
		site.run(chromedp.Navigate(p.URL+"/sites"), chromedp.AttributeValue(`table tbody tr a`, "href", &sitePath, nil, chromedp.ByQuery))
		// An order of the contact's one site with a number of our own, so
		// the journey does not hang on what the demo happened to make.
		start := time.Now().Add(72 * time.Hour).Truncate(time.Hour)
		job := &fieldportal.Job{SiteID: strings.TrimPrefix(sitePath, "/sites/"), Kind: fieldportal.JobService, Stage: fieldportal.StageScheduled,
			Number: "J-E2E-1", OrderNo: "PO-E2E", ScheduledStart: start, ScheduledEnd: start.Add(2 * time.Hour), Technician: "Priya Shah",
			Description: "Quarterly sprinkler check"}
		if err := p.DB.CreateJob(context.Background(), fieldportal.SystemViewer(p.demoOrg(t), "test"), job); err != nil {
			t.Fatalf("make the order: %v", err)
		}

		site.run(chromedp.Navigate(p.URL + "/"))
		site.submit(`a[href="/jobs?kind=service"]`)
		if h := site.text("h1"); h != "Service orders" {
			t.Fatalf("the Service link leads to %q", h)
		}
		site.submit(`nav.tabs a[href="/jobs?kind=service&stage=pending"]`)
		if site.count(`table a[href="/jobs/`+job.ID+`"]`) != 0 {
			t.Error("a scheduled order is listed under Pending")
		}
		site.submit(`nav.tabs a[href="/jobs?kind=service&stage=progress"]`)
		if site.text(`nav.tabs a[aria-current="page"]`) != "Progress" {
			t.Error("the Progress tab is not marked as the current one")
		}
		if site.count(`table a[href="/jobs/`+job.ID+`"]`) != 1 {
			t.Fatal("the scheduled order is not listed under Progress")
		}
		site.submit(`table a[href="/jobs/` + job.ID + `"]`)
		if h := site.text("h1"); h != "Service order J-E2E-1" {
			t.Errorf("the order's page is %q", h)
		}
		if body := site.text("main"); !strings.Contains(body, "Priya Shah") || !strings.Contains(body, "PO-E2E") {
			t.Errorf("the order's page lacks its technician or order number:\n%s", body)
		}

		// The site contact may upload (the demo gives it every page).
		file := filepath.Join(t.TempDir(), "gate-code.txt")
		if err := os.WriteFile(file, []byte("The gate code is 2468.\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		site.run(chromedp.SetUploadFiles(`#files`, []string{file}, chromedp.ByQuery))
		site.submit(`form.upload-form button[type=submit]`)
		if n := site.text(`[role=status]`); !strings.Contains(n, "attached") {
			t.Errorf("after the upload the page says %q", n)
		}
		if site.count(`a[href$="/download"]`) != 1 || !strings.Contains(site.text("main"), "gate-code.txt") {
			t.Error("the attached file is not listed with its download link")
		}

		// Staff see the order in the console and move it on.
		staff := mustBrowser(t, p.URL)
		staff.loginAs("admin")
		staff.run(chromedp.Navigate(p.URL + "/console/jobs?q=J-E2E-1"))
		staff.submit(`table a[href="/console/jobs/` + job.ID + `"]`)
		if staff.count(`a[href="/console/jobs/`+job.ID+`/schedule"]`) == 0 {
			t.Error("no Schedule link on the console's order page")
		}
		staff.run(chromedp.SetValue(`#stage`, "in_progress", chromedp.ByQuery), chromedp.SendKeys(`#note`, "Technician on site", chromedp.ByQuery))
		staff.submit(`form[action$="/stage"] button[type=submit]`)
		if n := staff.text(`[role=status]`); !strings.Contains(n, "stage has been changed") {
			t.Errorf("after the move the console says %q", n)
		}

		site.run(chromedp.Navigate(p.URL + "/jobs/" + job.ID))
		if h := site.text("main"); !strings.Contains(h, "Scheduled → In progress by") || !strings.Contains(h, "Technician on site") {
			t.Errorf("the contact does not see the move in the history:\n%s", h)
		}

		if dir := os.Getenv("FIELDPORTAL_SCREENSHOTS"); dir != "" && p.DB.Dialect().String() == "sqlite" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, width := range []int64{390, 1280} {
				for _, s := range []struct {
					b          *browser
					path, name string
				}{
					{site, "/jobs?kind=service", "jobs"},
					{site, "/jobs?kind=service&stage=archive&q=nothing-matches", "jobs-empty"},
					{site, "/jobs/" + job.ID, "job"},
					{staff, "/console/jobs", "console-jobs"},
					{staff, "/console/jobs/" + job.ID, "console-job"},
				} {
					if width < 600 {
						s.b.run(chromedp.EmulateViewport(width, 900, chromedp.EmulateMobile))
					} else {
						s.b.run(chromedp.EmulateViewport(width, 900))
					}
					s.b.save(p.URL+s.path, filepath.Join(dir, s.name+"-"+itoa(width)+".png"))
				}
			}
		}
	})
}
