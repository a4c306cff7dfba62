package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestJourneyCustomers: staff follow the console's Customers link, open
// the demo's parent, add a sub-customer under it (a phone with letters is
// refused on its field, and what was typed is kept), move the new
// customer under another top-level customer, and find it among that
// customer's sub-customers, with the breadcrumb of its new place.
// axe-core checks every page visited. With FIELDPORTAL_SCREENSHOTS set,
// the pages are saved at phone and desktop width.
func TestJourneyCustomers(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		b := mustBrowser(t, p.URL)
		b.loginAs("admin")
		b.submit(`nav a[href="/console/customers"]`)
		if h := b.text("h1"); h != "Customers" {
			t.Fatalf("the Customers link leads to %q", h)
		}
		// The demo's parent is the first top-level customer by name.
		if first := b.text(`table tbody tr a`); first != "Harbourside Property Group" {
			t.Fatalf("the first top-level customer is %q", first)
		}
		b.submit(`table tbody tr a`)
		if !strings.Contains(b.text(`section[aria-labelledby=children]`), "Parkway Cinemas Ltd") {
			t.Fatalf("the parent's page does not list its sub-customers:\n%s", b.text("main"))
		}
		b.submit(`.record-header a[href^="/console/customers/new?parent="]`)
		b.fill(`form[action="/console/customers/new"]`, "name", "Harbourside Marina Ltd", "external_id", "HM-100", "phone", "0117 abc")
		if s := b.text(`.error-summary a[href="#phone"]`); !strings.Contains(s, "Phone must be digits") {
			t.Fatalf("a phone with letters is not refused on its field: %q", s)
		}
		if v := b.value(`document.querySelector('#name').value`); v != "Harbourside Marina Ltd" {
			t.Fatalf("the refused form lost the name: %q", v)
		}
		b.fill(`form[action="/console/customers/new"]`, "phone", "0117 496 0123")
		if s := b.text(`.tree-path`); !strings.Contains(s, "Harbourside Property Group") || !strings.Contains(s, "Harbourside Marina Ltd") {
			t.Fatalf("the new customer is not under the parent: %q", s)
		}
		marina := b.location()
		marina, _, _ = strings.Cut(marina, "?")

		b.submit(`.record-header a[href$="/move"]`)
		b.fill(`form[role=search]`, "parent_q", "Kingsmead")
		kingsmead := b.value(`[...document.querySelectorAll('#parent_id option')].find(o => o.text.startsWith('Kingsmead')).value`)
		if kingsmead == "" {
			t.Fatalf("the search does not offer Kingsmead Dental Practice")
		}
		b.run(chromedp.SetValue(`#parent_id`, kingsmead, chromedp.ByQuery))
		b.submit(`#move-form button[type=submit]`)
		if n := b.text(`[role=status]`); !strings.Contains(n, "moved") {
			t.Errorf("after the move the page says %q", n)
		}
		if s := b.text(`.tree-path`); !strings.Contains(s, "Kingsmead Dental Practice") || strings.Contains(s, "Harbourside Property Group") {
			t.Fatalf("after the move the breadcrumb is %q", s)
		}
		b.submit(`.tree-path a[href="/console/customers/` + kingsmead + `"]`)
		if !strings.Contains(b.text(`section[aria-labelledby=children]`), "Harbourside Marina Ltd") {
			t.Errorf("the new parent does not list the moved customer:\n%s", b.text("main"))
		}

		// A search finds it at any depth, with its new parent.
		b.submit(`nav a[href="/console/customers"]`)
		b.fill(`form[role=search]`, "q", "marina")
		if row := b.text(`table tbody tr`); !strings.Contains(row, "Harbourside Marina Ltd") || !strings.Contains(row, "Kingsmead Dental Practice") {
			t.Errorf("the search's row is %q, want the customer under Kingsmead Dental Practice", row)
		}

		dir := os.Getenv("FIELDPORTAL_SCREENSHOTS")
		if dir == "" {
			return
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		for _, width := range []int64{390, 1280} {
			s := mustBrowser(t, p.URL)
			if width < 600 {
				s.run(chromedp.EmulateViewport(width, 900, chromedp.EmulateMobile))
			} else {
				s.run(chromedp.EmulateViewport(width, 900))
			}
			s.loginAs("admin")
			for name, path := range map[string]string{"console-customers": "/console/customers", "console-customers-search": "/console/customers?q=harbour", "console-customer": "/console/customers/" + kingsmead,
				"console-customer-new": "/console/customers/new?parent=" + kingsmead, "console-customer-move": marina + "/move?parent_q=harbour"} {
				s.save(p.URL+path, filepath.Join(dir, name+"-"+itoa(width)+".png"))
			}
		}
	})
}
