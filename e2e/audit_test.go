package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal/sqlstore"
)

// TestJourneyAudit is issue 20's audit log in the browser, axe-core on
// every page: contacts sign in to the portal; the parent persona, who
// manages contacts, finds its customers' activity from its preferences;
// an admin reads the console's audit log, filters it to the portal's
// door and is told by name which filter is wrong.
func TestJourneyAudit(t *testing.T) {
	p := mustDemo(t, sqlstore.SQLite)
	site := mustBrowser(t, p.URL)
	site.loginAs("site")
	parent := mustBrowser(t, p.URL)
	parent.loginAs("parent")
	parent.run(chromedp.Navigate(p.URL + "/preferences"))
	parent.submit(`main a[href="/preferences/activity"]`)
	if loc := parent.location(); loc != "/preferences/activity" {
		t.Fatalf("the activity link led to %s", loc)
	}
	if got := parent.text(`main table`); !strings.Contains(got, "Signed in") || !strings.Contains(got, "Sophie") {
		t.Errorf("the activity does not show the child customer's sign-in:\n%s", got)
	}
	parent.run(chromedp.Navigate(p.URL + "/preferences/activity?from=2026-02-30"))
	if got := parent.text(`main`); !strings.Contains(got, "From must be a date") {
		t.Errorf("a bad date is not named:\n%s", got)
	}

	admin := mustBrowser(t, p.URL)
	admin.loginAs("admin")
	admin.run(chromedp.Navigate(p.URL + "/console/audit"))
	admin.fill(`form[action="/console/audit"]`, "action", "signin")
	if got := admin.text(`main table`); !strings.Contains(got, "signin.succeeded") || strings.Contains(got, "staff.signed_in") {
		t.Errorf("the action filter:\n%s", got)
	}
	admin.run(chromedp.Navigate(p.URL + "/console/audit?door=portal"))
	if got := admin.text(`main table`); !strings.Contains(got, "Portal") || strings.Contains(got, "Console") {
		t.Errorf("the door filter:\n%s", got)
	}
	admin.run(chromedp.Navigate(p.URL + "/console/audit?to=31/12/2026"))
	if got := admin.text(`main`); !strings.Contains(got, "To must be a date") {
		t.Errorf("a bad date is not named:\n%s", got)
	}
	if dir := os.Getenv("FIELDPORTAL_SCREENSHOTS"); dir != "" {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int64{390, 1280} {
			for _, b := range []*browser{admin, parent} {
				if width < 600 {
					b.run(chromedp.EmulateViewport(width, 900, chromedp.EmulateMobile))
				} else {
					b.run(chromedp.EmulateViewport(width, 900))
				}
			}
			admin.save(p.URL+"/console/audit", filepath.Join(dir, "audit-"+itoa(width)+".png"))
			parent.save(p.URL+"/preferences/activity", filepath.Join(dir, "activity-"+itoa(width)+".png"))
		}
	}
	parent.axeCoverage()
	admin.axeCoverage()
}
