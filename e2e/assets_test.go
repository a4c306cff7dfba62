package e2e

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal"
	"github.com/fieldportal/fieldportal/internal/pdftest"
	"github.com/fieldportal/fieldportal/sqlstore/demo"
)

// TestJourneyAssets: the parent contact finds the demo's transferred
// extinguisher in /assets, opens it, sees its failed-and-rectified test
// and its transfer, and books a job from it with the asset and its site
// already chosen; the asset's label PDF holds a QR code that decodes to
// the asset's address. axe-core checks every page.
func TestJourneyAssets(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		ctx := context.Background()
		sys := fieldportal.SystemViewer(p.demoOrg(t), "test")
		var assetID, number, siteID string
		err := p.DB.SQL().QueryRowContext(ctx, `SELECT a.id, a.number, a.site_id FROM assets a
			JOIN asset_transfers t ON t.asset_id = a.id JOIN asset_tests x ON x.asset_id = a.id
			WHERE x.notes = $1 AND x.rectified_at IS NOT NULL`, demo.StoryNote).Scan(&assetID, &number, &siteID)
		if err != nil {
			t.Fatalf("the demo's transferred asset: %v", err)
		}

		parent := mustBrowser(t, p.URL)
		parent.loginAs("parent")
		parent.run(chromedp.Navigate(p.URL + "/assets?q=" + url.QueryEscape(number)))
		if list := parent.text("main"); !strings.Contains(list, number) || !strings.Contains(list, "Temple Quay Campus - South Building") {
			t.Fatalf("the list lacks the asset or its site's heading:\n%s", list)
		}
		parent.submit(`main table a[href="/assets/` + assetID + `"]`)
		page := parent.text("main")
		for _, want := range []string{"Service history", demo.StoryNote, "Fail", "Rectified ", "Transfer history",
			"Temple Quay Campus - North Building", "Temple Quay Campus - South Building", "Moved to South Building kitchen"} {
			if !strings.Contains(page, want) {
				t.Errorf("the asset's page lacks %q", want)
			}
		}
		parent.submit(`.record-actions a[href="/jobs/new?asset=` + assetID + `"]`)
		if got := parent.value(`document.querySelector('#site_id').value`); got != siteID {
			t.Fatalf("the booking form's site is %q, want the asset's %q", got, siteID)
		}
		if parent.count(`#asset_ids input[value="`+assetID+`"]:checked`) != 1 {
			t.Fatal("the asset is not chosen on the booking form")
		}
		parent.run(chromedp.SetValue(`#preferred_date`, bookingDay(), chromedp.ByQuery))
		parent.submit(`button[value="show_times"]`)
		window := parent.value(`(document.querySelector('#window').options[1] || {value: ""}).value`)
		if window == "" {
			t.Fatal("no free window")
		}
		parent.run(chromedp.SetValue(`#window`, window, chromedp.ByQuery),
			chromedp.SendKeys(`#description`, "Extinguisher gauge reads low again.", chromedp.ByQuery))
		parent.submit(`button[value="submit"]`)
		loc := parent.location()
		if !strings.HasPrefix(loc, "/jobs/") {
			t.Fatalf("after booking the contact is at %q", loc)
		}
		j, err := p.DB.FindJobByID(ctx, sys, strings.TrimPrefix(loc, "/jobs/"))
		if err != nil || j.SiteID != siteID || len(j.AssetIDs) != 1 || j.AssetIDs[0] != assetID {
			t.Errorf("booked job %+v, %v", j, err)
		}
		if dir := os.Getenv("FIELDPORTAL_SCREENSHOTS"); dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
			for _, width := range []int64{390, 1280} {
				if width < 600 {
					parent.run(chromedp.EmulateViewport(width, 900, chromedp.EmulateMobile))
				} else {
					parent.run(chromedp.EmulateViewport(width, 900))
				}
				for _, s := range []struct{ path, name string }{{"/assets", "assets"}, {"/assets/" + assetID, "asset"}} {
					parent.save(p.URL+s.path, filepath.Join(dir, s.name+"-"+p.DB.Dialect().String()+"-"+itoa(width)+".png"))
				}
			}
		}
		parent.axeCoverage()

		// Staff record a test of it in the console; a bad date keeps what
		// was typed, and the transfer form finds sites by search.
		staff := mustBrowser(t, p.URL)
		staff.loginAs("admin")
		staff.run(chromedp.Navigate(p.URL + "/console/assets?q=" + url.QueryEscape(number)))
		staff.submit(`main table a[href="/console/assets/` + assetID + `"]`)
		staff.fill(`form[action="/console/assets/`+assetID+`/tests"]`, "tested_on", "31/02/2026", "technician", "Sam Typed")
		if errs := staff.text(".error-summary"); !strings.Contains(errs, "Test date must be a date") {
			t.Errorf("error summary %q", errs)
		}
		if got := staff.value(`document.querySelector('#technician').value`); got != "Sam Typed" {
			t.Errorf("the technician typed was not kept: %q", got)
		}
		staff.run(chromedp.Navigate(p.URL + "/console/assets/" + assetID + "/transfer?site_q=temple"))
		if staff.count(`#to_site_id option`) == 0 {
			t.Error("the transfer form offers no site for “temple”")
		}
		staff.axeCoverage()

		// The label, fetched as the contact, rasterised and scanned.
		pdf := mustFetchAs(t, p.URL, "parent@demo.test", "/assets/"+assetID+"/label.pdf")
		codes := pdftest.MustDecodeQRs(t, pdftest.MustRaster(t, pdf, 1, 150))
		if want := p.URL + "/assets/" + assetID; len(codes) != 1 || codes[0] != want {
			t.Errorf("the label's QR codes %q, want %q", codes, want)
		}
	})
}

// mustFetchAs signs in as a demo contact with a plain HTTP client and
// returns the body of path.
func mustFetchAs(t *testing.T, base, user, path string) []byte {
	t.Helper()
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar}
	res, err := c.PostForm(base+"/login", url.Values{"username": {user}, "password": {demoPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	res, err = c.Get(base + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET %s = %d, %v", path, res.StatusCode, err)
	}
	return body
}
