package e2e

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/fieldportal/fieldportal/internal/pdftest"
)

// logoColour is the new logo's colour, found again in the printout.
var logoColour = color.RGBA{0x12, 0xa0, 0x5e, 0xff}

// mustLogo writes a 97 by 41 PNG of logoColour (a size no other image of
// the demo has) and returns its path and SHA-256.
func mustLogo(t *testing.T) (string, string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 97, 41))
	for y := range 41 {
		for x := range 97 {
			img.Set(x, y, logoColour)
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "new-logo.png")
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	return path, hex.EncodeToString(sum[:])
}

// TestJourneyBranding: an admin tries an accent colour that fails
// contrast (refused, naming the field, keeping what was typed), then sets
// a new one and uploads a new logo in the console's settings; the
// portal's pages, from the sign-in page on, show the logo and draw with
// the accent, and an invoice's printout carries the new logo. axe-core
// checks every page, the accent's colours included.
func TestJourneyBranding(t *testing.T) {
	eachEngine(t, func(t *testing.T, p *portal) {
		logo, sha := mustLogo(t)
		admin := mustBrowser(t, p.URL)
		admin.loginAs("admin")
		admin.run(chromedp.Navigate(p.URL + "/console/settings"))
		const form = `form[action="/console/settings"]`
		admin.fill(form, "branding.accent_colour", "#808080")
		if got := admin.text(`.error-summary`); !strings.Contains(got, "Accent colour #808080 has a contrast of") {
			t.Errorf("a failing accent's summary is %q", got)
		}
		var typed string
		admin.run(chromedp.Value(`#branding\.accent_colour`, &typed, chromedp.ByQuery))
		if typed != "#808080" || admin.text(`#branding\.accent_colour-error`) == "" {
			t.Errorf("the accent field keeps %q and no message beside it", typed)
		}

		admin.fill(form, "branding.accent_colour", "#7A1F5C")
		if got := admin.location(); got != "/console/settings?done=saved" {
			t.Fatalf("after saving the settings the admin is at %q", got)
		}
		admin.run(chromedp.SetUploadFiles(`#logo`, []string{logo}, chromedp.ByQuery))
		admin.submit(`form[action="/console/settings/logo"] button[value=upload]`)
		if got := admin.location(); got != "/console/settings?done=saved" {
			t.Fatalf("after the upload the admin is at %q", got)
		}

		parent := mustBrowser(t, p.URL)
		parent.run(chromedp.Navigate(p.URL + "/login"))
		parent.wantBranding("/login", sha)
		parent.loginAs("parent")
		var invoicePath string
		parent.run(chromedp.Navigate(p.URL+"/invoices"), chromedp.AttributeValue(`table tbody tr th a`, "href", &invoicePath, nil, chromedp.ByQuery))
		for _, path := range []string{"/", "/sites", "/invoices", invoicePath, "/preferences"} {
			parent.run(chromedp.Navigate(p.URL + path))
			parent.wantBranding(path, sha)
		}

		printout := mustFetchAs(t, p.URL, "parent@demo.test", invoicePath+".pdf")
		if !bytes.Contains(printout, []byte("/Subtype /Image /Width 97 /Height 41")) {
			t.Error("the invoice's printout has no image of the new logo's size")
		}
		if !printedLogo(t, printout) {
			t.Error("the invoice's printout has no image of the new logo's size and colour")
		}
	})
}

// wantBranding checks that the page shows the logo of that SHA-256 and
// draws its menu or header with the accent #7a1f5c in white.
func (b *browser) wantBranding(path, sha string) {
	b.t.Helper()
	var src, theme, header, on string
	b.run(
		chromedp.WaitVisible(`img.logo`, chromedp.ByQuery),
		chromedp.AttributeValue(`img.logo`, "src", &src, nil, chromedp.ByQuery),
		chromedp.Evaluate(`Array.from(document.querySelectorAll('link[rel=stylesheet]')).map(l => l.getAttribute('href')).join(' ')`, &theme),
		chromedp.Evaluate(`getComputedStyle(document.documentElement).getPropertyValue('--brand').trim()`, &header),
		chromedp.Evaluate(`getComputedStyle(document.querySelector('.brand')).color`, &on),
	)
	if src != "/branding/logo/"+sha {
		b.t.Errorf("%s: logo %q, want the new one", path, src)
	}
	if !strings.Contains(theme, "/branding/theme/7a1f5c.css") || header != "#7a1f5c" {
		b.t.Errorf("%s: style sheets %q, --brand %q; want the accent's", path, theme, header)
	}
	if on != "rgb(255, 255, 255)" {
		b.t.Errorf("%s: the header's text is %s, want white on the accent", path, on)
	}
	var bg string
	if path != "/login" {
		b.run(chromedp.Evaluate(`getComputedStyle(document.querySelector('.site-nav')).backgroundColor`, &bg))
		if bg != fmt.Sprintf("rgb(%d, %d, %d)", 0x7a, 0x1f, 0x5c) {
			b.t.Errorf("%s: the menu's background is %s, want the accent", path, bg)
		}
	}
}

// printedLogo reports whether the printout holds a 97 by 41 image of
// logoColour, as pdfimages extracts it.
func printedLogo(t *testing.T, printout []byte) bool {
	t.Helper()
	pdftest.NeedTools(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "invoice.pdf")
	if err := os.WriteFile(in, printout, 0o600); err != nil {
		t.Fatal(err)
	}
	if msg, err := exec.Command("pdfimages", "-png", in, filepath.Join(dir, "img")).CombinedOutput(); err != nil {
		t.Fatalf("pdfimages: %v: %s", err, msg)
	}
	found, _ := filepath.Glob(filepath.Join(dir, "img-*.png"))
	for _, name := range found {
		data, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		img, err := png.Decode(bytes.NewReader(data))
		if err != nil || img.Bounds().Dx() != 97 || img.Bounds().Dy() != 41 {
			continue
		}
		r, g, b, _ := img.At(48, 20).RGBA()
		if uint8(r>>8) == logoColour.R && uint8(g>>8) == logoColour.G && uint8(b>>8) == logoColour.B {
			return true
		}
	}
	return false
}
