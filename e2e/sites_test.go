package e2e

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal/sqlstore"
)

// apiSitesAt lists the demo's sites of a postcode through the API.
func apiSitesAt(t *testing.T, p *portal, postcode string) []map[string]any {
	t.Helper()
	req, _ := http.NewRequest("GET", p.URL+"/api/v1/sites?postcode="+url.QueryEscape(postcode), nil)
	req.Header.Set("Authorization", "Bearer "+p.APIKey)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var list struct {
		Data []map[string]any `json:"data"`
	}
	if err := json.NewDecoder(res.Body).Decode(&list); err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("GET /api/v1/sites = %d (%v)", res.StatusCode, err)
	}
	return list.Data
}

// TestJourneyPortalSites is issue 20's sites journey in the browser
// (axe-core on every page): the site contact creates a site (a bad UPRN
// first, refused with what was typed kept); the booking form's "Create a
// new site" comes back with the description and order number typed and
// the new site chosen; both sites wait in the console's queue and the API
// lists them as created in the portal.
func TestJourneyPortalSites(t *testing.T) {
	p := mustDemo(t, sqlstore.SQLite)
	site := mustBrowser(t, p.URL)
	site.loginAs("site")
	site.run(chromedp.Navigate(p.URL + "/sites"))
	if site.count(`a[href="/sites/new"]`) != 1 {
		t.Fatal("no Create a site on /sites")
	}
	site.run(chromedp.Navigate(p.URL+"/sites/new"), chromedp.WaitVisible(`#site-form`, chromedp.ByQuery))
	site.fill(`form#site-form`, "name", "Journey Yard", "address.line1", "5 Journey Street", "address.postcode", "ZZ9 9ZZ", "uprn", "12AB")
	if msg := site.text(`main`); !strings.Contains(msg, "UPRN must be up to 12 digits.") {
		t.Errorf("no UPRN message:\n%s", msg)
	}
	if got := site.value(`document.querySelector('#name').value`); got != "Journey Yard" {
		t.Errorf("name after the refusal = %q", got)
	}
	site.fill(`form#site-form`, "uprn", "100023336957")
	if loc := site.location(); !strings.HasPrefix(loc, "/sites/") || !strings.HasSuffix(loc, "?done=created") {
		t.Fatalf("after creating: %s", loc)
	}
	if !strings.Contains(site.text(`main`), "The site was created.") {
		t.Error("no notice on the new site's page")
	}

	// The booking form's round trip.
	site.run(chromedp.Navigate(p.URL+"/jobs/new"), chromedp.WaitVisible(`#booking-form`, chromedp.ByQuery),
		chromedp.SetValue(`#description`, "Broken gate latch at the annexe", chromedp.ByQuery),
		chromedp.SetValue(`#order_no`, "PO-E2E-1", chromedp.ByQuery))
	site.submit(`button[value="new_site"]`)
	if loc := site.location(); !strings.HasPrefix(loc, "/sites/new?return=") {
		t.Fatalf("Create a new site went to %s", loc)
	}
	site.fill(`form#site-form`, "name", "Journey Annexe", "address.line1", "7 Journey Street", "address.postcode", "ZZ9 9ZZ")
	if loc := site.location(); !strings.HasPrefix(loc, "/jobs/new?") {
		t.Fatalf("after creating from the booking form: %s", loc)
	}
	if got := site.value(`document.querySelector('#description').value`); got != "Broken gate latch at the annexe" {
		t.Errorf("description back = %q", got)
	}
	if got := site.value(`document.querySelector('#order_no').value`); got != "PO-E2E-1" {
		t.Errorf("order number back = %q", got)
	}
	if got := site.value(`document.querySelector('#site_id').selectedOptions[0].text`); !strings.Contains(got, "Journey Annexe") {
		t.Errorf("site chosen = %q", got)
	}

	admin := mustBrowser(t, p.URL)
	admin.loginAs("admin")
	admin.run(chromedp.Navigate(p.URL + "/console/portal-sites"))
	queue := admin.text(`main`)
	for _, name := range []string{"Journey Yard", "Journey Annexe"} {
		if !strings.Contains(queue, name) {
			t.Errorf("the console's queue lacks %s:\n%s", name, queue)
		}
	}
	got := map[string]bool{}
	for _, s := range apiSitesAt(t, p, "ZZ9 9ZZ") {
		name, _ := s["name"].(string)
		portal, _ := s["created_in_portal"].(bool)
		got[name] = portal
	}
	if !got["Journey Yard"] || !got["Journey Annexe"] {
		t.Errorf("the API lists %v, want both sites created in the portal", got)
	}
	admin.submit(`form[action$="/reviewed"] button`)
	if loc := admin.location(); loc != "/console/portal-sites?done=reviewed" {
		t.Errorf("after marking reviewed: %s", loc)
	}
}
