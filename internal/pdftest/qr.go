package pdftest

import (
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"testing"

	"github.com/makiuchi-d/gozxing"
	multiqr "github.com/makiuchi-d/gozxing/multi/qrcode"
)

// MustRaster renders page (from 1) of the PDF as an image at dpi dots per
// inch with pdftoppm: what a printer, and then a phone's camera, sees.
func MustRaster(tb testing.TB, data []byte, page, dpi int) image.Image {
	tb.Helper()
	if _, err := exec.LookPath("pdftoppm"); err != nil {
		if inCI() {
			tb.Fatalf("pdftoppm is missing (poppler-utils); scripts/test installs it")
		}
		tb.Skip("pdftoppm is missing: install poppler-utils (scripts/test does) to run the QR code tests")
	}
	dir := tb.TempDir()
	in, out := filepath.Join(dir, "printout.pdf"), filepath.Join(dir, "page")
	if err := os.WriteFile(in, data, 0o600); err != nil {
		tb.Fatal(err)
	}
	p := strconv.Itoa(page)
	if msg, err := exec.Command("pdftoppm", "-png", "-gray", "-r", strconv.Itoa(dpi), "-f", p, "-l", p, "-singlefile", in, out).CombinedOutput(); err != nil {
		tb.Fatalf("pdftoppm: %v: %s", err, msg)
	}
	f, err := os.Open(out + ".png")
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		tb.Fatalf("pdftoppm's page: %v", err)
	}
	return img
}

// MustDecodeQRs decodes every QR code in img with gozxing's reader and
// returns their texts in order; it fails when there is none.
func MustDecodeQRs(tb testing.TB, img image.Image) []string {
	tb.Helper()
	bmp, err := gozxing.NewBinaryBitmapFromImage(img)
	if err != nil {
		tb.Fatalf("qr bitmap: %v", err)
	}
	results, err := multiqr.NewQRCodeMultiReader().DecodeMultiple(bmp, map[gozxing.DecodeHintType]any{gozxing.DecodeHintType_TRY_HARDER: true})
	if err != nil {
		tb.Fatalf("no QR code decodes: %v", err)
	}
	var out []string
	for _, r := range results {
		out = append(out, r.GetText())
	}
	slices.Sort(out)
	return out
}
