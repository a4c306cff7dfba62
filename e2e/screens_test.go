package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal/sqlstore"
)

// TestScreens saves screenshots of every page of the portal and the
// console, the style guide and the error pages, at phone and desktop
// width, into $FIELDPORTAL_SCREENSHOTS (made if missing), for a person to
// look at. It runs only when that variable names a folder.
//
// Not covered: the "no portal at this address" page and the fresh-install
// page. The demo has one organisation, which answers every host, so no
// Host header reaches them; they are the same error.html as the 404s here.
func TestScreens(t *testing.T) {
	dir := os.Getenv("FIELDPORTAL_SCREENSHOTS")
	if dir == "" {
		t.Skip("set FIELDPORTAL_SCREENSHOTS to a folder to save screenshots")
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	p := mustDemo(t, sqlstore.SQLite)
	// Pages whose address is read from another page: "{site}" is the
	// first site of /sites, "{contact}" the first contact of the console.
	shots := []struct {
		who, path, name string
	}{
		// Before signing in.
		{"anon", "/login", "login"},
		{"anon", "/forgot", "forgot"},
		{"anon", "/console/login", "console-login"},
		// The portal, as the parent customer's contact.
		{"parent", "/", "dashboard"},
		{"parent", "/sites", "sites"},
		{"parent", "/sites?q=no-such-site", "sites-empty"},
		{"parent", "{site}", "site"},
		{"parent", "/preferences", "preferences"},
		{"parent", "/password", "password"},
		{"parent", "/sites/no-such-site", "error-404"},
		{"site", "/sites", "sites-site-contact"},
		// The console, as an admin.
		{"admin", "/console", "console-home"},
		{"admin", "/console/contacts", "console-contacts"},
		{"admin", "{contact}", "console-contact"},
		{"admin", "{contact}/revoke", "console-revoke"},
		{"admin", "/console/settings", "console-settings"},
		{"admin", "/console/mail", "console-mail"},
		{"admin", "/console/staff", "console-staff"},
		{"admin", "/console/account", "console-account"},
		{"admin", "/console/styleguide", "console-styleguide"},
		{"admin", "/console/no-such-page", "console-error-404"},
		// A staff user who is no admin: settings are refused.
		{"staff", "/console/settings", "console-error-403"},
	}
	for _, width := range []int64{390, 1280} {
		browsers := map[string]*browser{}
		var site, contact string
		for _, s := range shots {
			b := browsers[s.who]
			if b == nil {
				b = mustBrowser(t, p.URL)
				browsers[s.who] = b
				if width < 600 {
					// As a phone: scrollbars overlay the page, so it is
					// laid out at the full 390 px.
					b.run(chromedp.EmulateViewport(width, 900, chromedp.EmulateMobile))
				} else {
					b.run(chromedp.EmulateViewport(width, 900))
				}
				switch s.who {
				case "anon":
				case "staff":
					b.run(chromedp.Navigate(p.URL + "/console/login"))
					b.fill(`form#console-login`, "email", "staff@demo.test", "password", demoPassword)
				default:
					b.loginAs(s.who)
				}
			}
			path := s.path
			switch {
			case path == "{site}":
				if site == "" {
					b.run(chromedp.Navigate(p.URL+"/sites"), chromedp.AttributeValue(`table tbody tr a`, "href", &site, nil, chromedp.ByQuery))
				}
				path = site
			case strings.HasPrefix(path, "{contact}"):
				if contact == "" {
					b.run(chromedp.Navigate(p.URL+"/console/contacts"), chromedp.AttributeValue(`table tbody tr a`, "href", &contact, nil, chromedp.ByQuery))
				}
				path = contact + strings.TrimPrefix(path, "{contact}")
			}
			b.save(p.URL+path, filepath.Join(dir, s.name+"-"+itoa(width)+".png"))
		}
	}
}

func (b *browser) save(url, file string) {
	b.t.Helper()
	var png []byte
	b.run(chromedp.Navigate(url), chromedp.FullScreenshot(&png, 100))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		b.t.Fatal(err)
	}
}

func itoa(n int64) string {
	return string([]byte{byte('0' + n/1000%10), byte('0' + n/100%10), byte('0' + n/10%10), byte('0' + n%10)})
}
