package e2e

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal/sqlstore"
)

// TestScreens saves screenshots of the main pages at phone and desktop
// width into $FIELDPORTAL_SCREENSHOTS, for a person to look at. It runs
// only when that variable names a folder.
func TestScreens(t *testing.T) {
	dir := os.Getenv("FIELDPORTAL_SCREENSHOTS")
	if dir == "" {
		t.Skip("set FIELDPORTAL_SCREENSHOTS to a folder to save screenshots")
	}
	p := mustDemo(t, sqlstore.SQLite)
	shots := []struct {
		who, user, path, name string
	}{
		{"anon", "", "/login", "login"},
		{"parent", "parent@demo.test", "/", "dashboard"},
		{"parent", "parent@demo.test", "/sites", "sites"},
		{"parent", "parent@demo.test", "/preferences", "preferences"},
		{"site", "site@demo.test", "/sites", "sites-site-contact"},
	}
	for _, width := range []int64{390, 1280} {
		browsers := map[string]*browser{}
		for _, s := range shots {
			b := browsers[s.who]
			if b == nil {
				b = mustBrowser(t, p.URL)
				browsers[s.who] = b
				b.run(chromedp.EmulateViewport(width, 900))
				if s.user != "" {
					b.login(s.user, demoPassword)
				}
			}
			b.save(p.URL+s.path, filepath.Join(dir, s.name+"-"+itoa(width)+".png"))
		}
		staff := mustBrowser(t, p.URL)
		staff.run(chromedp.EmulateViewport(width, 900), chromedp.Navigate(p.URL+"/console/login"))
		staff.fill(`form#console-login`, "email", "admin@demo.test", "password", demoPassword)
		for _, path := range []string{"/console", "/console/contacts", "/console/settings", "/console/mail", "/console/staff", "/console/account"} {
			staff.save(p.URL+path, filepath.Join(dir, "console"+filepath.Base(path)+"-"+itoa(width)+".png"))
		}
		var first string
		staff.run(chromedp.Navigate(p.URL+"/console/contacts"), chromedp.AttributeValue(`table tbody tr a`, "href", &first, nil, chromedp.ByQuery))
		staff.save(p.URL+first, filepath.Join(dir, "console-contact-"+itoa(width)+".png"))
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
