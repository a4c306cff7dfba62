package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal/sqlstore"
)

// apiStatus calls the demo's API with a key and returns the status.
func apiStatus(t *testing.T, p *portal, method, key string) int {
	t.Helper()
	req, _ := http.NewRequest(method, p.URL+"/api/v1/", strings.NewReader("{}"))
	req.Header.Set("Authorization", "Bearer "+key)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return res.StatusCode
}

// TestJourneyAPIKeys is issue 19's key journey in the browser (axe-core
// on every page): the demo's printed key works; the admin makes a read
// key, copies it from the page that shows it once, reads with it but may
// not write, then revokes it after confirming, and it stops working.
func TestJourneyAPIKeys(t *testing.T) {
	p := mustDemo(t, sqlstore.SQLite)
	if p.APIKey == "" || apiStatus(t, p, "GET", p.APIKey) != http.StatusOK {
		t.Fatalf("the demo's API key %q does not work", p.APIKey)
	}
	admin := mustBrowser(t, p.URL)
	admin.loginAs("admin")
	admin.run(chromedp.Navigate(p.URL + "/console/api-keys"))
	if !strings.Contains(admin.text(`table`), "Demo back office") {
		t.Error("the demo's key is not listed")
	}
	admin.fill(`form#make-key`, "name", "Reporting")
	var plain string
	admin.run(chromedp.WaitVisible(`#api-key`, chromedp.ByQuery), chromedp.Value(`#api-key`, &plain, chromedp.ByQuery))
	if !strings.Contains(admin.text(`main`), "it will not be shown again") {
		t.Error("no warning that the key is shown once")
	}
	if got := apiStatus(t, p, "GET", plain); got != http.StatusOK {
		t.Errorf("GET with the new read key = %d", got)
	}
	if got := apiStatus(t, p, "POST", plain); got != http.StatusForbidden {
		t.Errorf("POST with the new read key = %d, want 403", got)
	}

	admin.run(chromedp.Navigate(p.URL + "/console/api-keys"))
	admin.run(chromedp.Click(`//tr[th[normalize-space()="Reporting"]]//a[contains(., "Revoke")]`, chromedp.BySearch))
	admin.run(chromedp.WaitVisible(`.confirm form`, chromedp.ByQuery))
	admin.submit(`.confirm button[type=submit]`)
	if loc := admin.location(); loc != "/console/api-keys?done=revoked" {
		t.Errorf("after revoking: %s", loc)
	}
	if got := apiStatus(t, p, "GET", plain); got != http.StatusUnauthorized {
		t.Errorf("GET with the revoked key = %d, want 401", got)
	}
	if got := apiStatus(t, p, "GET", p.APIKey); got != http.StatusOK {
		t.Errorf("the demo's key stopped too: %d", got)
	}
}
