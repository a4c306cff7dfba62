package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestJourneyWebhooks: the admin follows the console's Webhooks link,
// is refused a private address (the error names the URL field), adds an
// endpoint for two events, copies its signing secret, finds it listed,
// and turns it off. axe-core checks every page visited.
func TestJourneyWebhooks(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		admin := mustBrowser(t, p.URL)
		admin.loginAs("admin")
		admin.submit(`nav a[href="/console/webhooks"]`)
		if h := admin.text("h1"); h != "Webhooks" {
			t.Fatalf("the Webhooks link leads to %q", h)
		}
		admin.run(chromedp.Click(`input[name=events][value="issue.created"]`, chromedp.ByQuery),
			chromedp.Click(`input[name=events][value="payment.succeeded"]`, chromedp.ByQuery))
		admin.fill(`form#add-webhook`, "url", "https://192.168.1.10/hooks")
		if s := admin.text(`.error-summary a[href="#url"]`); !strings.Contains(s, "private") {
			t.Fatalf("a private address is not refused on the URL field: %q", s)
		}
		admin.fill(`form#add-webhook`, "url", "https://hooks.example.com/fieldportal")
		if secret := admin.text(`#secret`); !strings.HasPrefix(secret, "whsec_") {
			t.Fatalf("the new endpoint's secret is not shown: %q", secret)
		}
		if n := admin.count(`input[name=events]:checked`); n != 2 {
			t.Errorf("%d events ticked on the new endpoint, want 2 (kept from the refused form)", n)
		}
		admin.submit(`form[action$="/active"] button[type=submit]`)
		if n := admin.text(`[role=status]`); !strings.Contains(n, "turned off") {
			t.Errorf("after turning it off the page says %q", n)
		}
		admin.submit(`a[href="/console/webhooks"]`)
		if !strings.Contains(admin.text("main"), "https://hooks.example.com/fieldportal") || !strings.Contains(admin.text("main"), "Off") {
			t.Errorf("the list does not show the endpoint, off:\n%s", admin.text("main"))
		}
	})
}
