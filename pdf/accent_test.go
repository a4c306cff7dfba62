package pdf

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/fieldportal/fieldportal/internal/pdftest"
)

// mustColourRaster renders page 1 in colour (pdftest's raster is grey).
func mustColourRaster(tb testing.TB, data []byte) image.Image {
	tb.Helper()
	pdftest.NeedTools(tb)
	dir := tb.TempDir()
	in, out := filepath.Join(dir, "p.pdf"), filepath.Join(dir, "page")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	if msg, err := exec.Command("pdftoppm", "-png", "-r", "50", "-f", "1", "-l", "1", "-singlefile", in, out).CombinedOutput(); err != nil {
		tb.Fatalf("pdftoppm: %v: %s", err, msg)
	}
	f, err := os.Open(out + ".png")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		tb.Fatal(err)
	}
	return img
}

// TestLetterheadAccent: the band under the letterhead is drawn in the
// organisation's accent colour; without one it is the grey rule.
func TestLetterheadAccent(t *testing.T) {
	count := func(img image.Image) int {
		n := 0
		b := img.Bounds()
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				r, g, bl, _ := img.At(x, y).RGBA()
				if nearLevel(r>>8, 0x7a) && nearLevel(g>>8, 0x1f) && nearLevel(bl>>8, 0x5c) {
					n++
				}
			}
		}
		return n
	}
	for _, tc := range []struct {
		name, accent string
		want         bool
	}{
		{"an accent draws the band", "#7a1f5c", true},
		{"no accent draws the grey rule", "", false},
		{"a colour that is not one draws the grey rule", "#7a1f5", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			opt := testOptions(t, nil)
			opt.Letterhead.Accent = tc.accent
			data, err := Quote(opt, testQuote(), testCustomer, testSite)
			if err != nil {
				t.Fatal(err)
			}
			// The band is contentWidth wide: at 50 dpi hundreds of pixels.
			if n := count(mustColourRaster(t, data)); (n > 200) != tc.want {
				t.Errorf("%d pixels of the accent, want band %v", n, tc.want)
			}
		})
	}
}

// nearLevel reports whether a colour level is within a few of b.
func nearLevel(a uint32, b int) bool { x := int(a) - b; return x > -8 && x < 8 }
