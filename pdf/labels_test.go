package pdf

import (
	"fmt"
	"image"
	"image/color"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"

	"github.com/fieldportal/fieldportal/internal/pdftest"
)

func testLabel(n int) AssetLabel {
	return AssetLabel{URL: fmt.Sprintf("https://portal.acme.test/assets/0190f5b2-7c1e-7000-8000-%012d", n),
		Number: fmt.Sprintf("EXT-%04d", n), Name: "CO2 extinguisher 5kg", Type: "Extinguisher", Site: "Dock Warehouse",
		Location: "Ground floor, by the loading bay", Serial: "SN-7781"}
}

// matrixImage draws a QR matrix at scale pixels a module.
func matrixImage(m [][]bool, scale int) image.Image {
	img := image.NewGray(image.Rect(0, 0, len(m[0])*scale, len(m)*scale))
	for y := range img.Bounds().Dy() {
		for x := range img.Bounds().Dx() {
			c := color.Gray{Y: 255}
			if m[y/scale][x/scale] {
				c.Y = 0
			}
			img.SetGray(x, y, c)
		}
	}
	return img
}

func TestQRMatrixDecodes(t *testing.T) {
	for name, s := range map[string]string{
		"short":          "https://p.test/assets/1",
		"an asset's url": testLabel(7).URL,
		"long host":      "https://" + strings.Repeat("a", 60) + ".example/assets/0190f5b2-7c1e-7000-8000-000000000001",
	} {
		t.Run(name, func(t *testing.T) {
			m, err := QRMatrix(s)
			if err != nil {
				t.Fatal(err)
			}
			bmp, err := gozxing.NewBinaryBitmapFromImage(matrixImage(m, 4))
			if err != nil {
				t.Fatal(err)
			}
			got, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
			if err != nil {
				t.Fatalf("decode: %v", err)
			}
			if got.GetText() != s {
				t.Errorf("decoded %q, want %q", got.GetText(), s)
			}
		})
	}
}

func TestLabelsPDF(t *testing.T) {
	opt := testOptions(t, nil)
	t.Run("one label decodes to the asset's address", func(t *testing.T) {
		l := testLabel(1)
		data, err := Labels(opt, "Label EXT-0001", []AssetLabel{l}, "")
		if err != nil {
			t.Fatal(err)
		}
		text := pdftest.MustText(t, data)
		MustGolden(t, "label_one", text)
		for _, want := range []string{"EXT-0001", "CO2 extinguisher 5kg", "Dock Warehouse", "Extinguisher · SN-7781"} {
			if !strings.Contains(text, want) {
				t.Errorf("the label lacks %q", want)
			}
		}
		got := pdftest.MustDecodeQRs(t, pdftest.MustRaster(t, data, 1, 150))
		if diff := cmp.Diff([]string{l.URL}, got); diff != "" {
			t.Errorf("decoded QR codes differ (-want +got):\n%s", diff)
		}
	})
	t.Run("a sheet pages ten labels a page and every code decodes", func(t *testing.T) {
		var labels []AssetLabel
		var want []string
		for i := range 12 {
			labels = append(labels, testLabel(i))
			want = append(want, testLabel(i).URL)
		}
		data, err := Labels(opt, "Labels", labels, "")
		if err != nil {
			t.Fatal(err)
		}
		if n := pdftest.MustPages(t, data); n != 2 {
			t.Fatalf("pages = %d, want 2", n)
		}
		got := append(pdftest.MustDecodeQRs(t, pdftest.MustRaster(t, data, 1, 150)), pdftest.MustDecodeQRs(t, pdftest.MustRaster(t, data, 2, 150))...)
		if diff := cmp.Diff(want, got, cmpSorted); diff != "" {
			t.Errorf("decoded QR codes differ (-want +got):\n%s", diff)
		}
	})
	t.Run("a note is printed and every label still follows", func(t *testing.T) {
		var labels []AssetLabel
		for i := range 10 {
			labels = append(labels, testLabel(i))
		}
		data, err := Labels(opt, "Labels", labels, "Showing the first 10 of 11 assets.")
		if err != nil {
			t.Fatal(err)
		}
		text := pdftest.MustText(t, data)
		if !strings.Contains(text, "Showing the first 10 of 11 assets.") {
			t.Errorf("the note is missing:\n%s", text)
		}
		for i := range 10 {
			if !strings.Contains(text, testLabel(i).Number) {
				t.Errorf("label %s is missing", testLabel(i).Number)
			}
		}
		if n := pdftest.MustPages(t, data); n != 2 {
			t.Errorf("pages = %d, want 2 (the note takes a row's room)", n)
		}
	})
}

// cmpSorted compares string slices as sets in order.
var cmpSorted = cmp.Transformer("sorted", func(in []string) []string {
	out := append([]string(nil), in...)
	for i := range out {
		for j := i + 1; j < len(out); j++ {
			if out[j] < out[i] {
				out[i], out[j] = out[j], out[i]
			}
		}
	}
	return out
})
