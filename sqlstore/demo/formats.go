package demo

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"math"
	"strings"
)

// pdfDocument writes a minimal, valid one-page A4 PDF 1.4 with a title and
// lines of text in Helvetica: catalogue, page tree, page, font and content
// stream, an xref table with exact byte offsets, and the trailer. Text is
// kept to printable ASCII, which the standard font shows without an
// encoding dictionary.
func pdfDocument(title string, lines ...string) []byte {
	var content strings.Builder
	fmt.Fprintf(&content, "BT /F1 16 Tf 56 780 Td (%s) Tj ET\n", pdfString(title))
	content.WriteString("BT /F1 10 Tf 14 TL 56 750 Td\n")
	for _, l := range lines {
		fmt.Fprintf(&content, "(%s) Tj T*\n", pdfString(l))
	}
	content.WriteString("ET\n")
	stream := content.String()

	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", len(stream), stream),
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	// Each xref entry is exactly 20 bytes: 10-digit offset, space,
	// 5-digit generation, space, n or f, and a two-byte end of line.
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return b.Bytes()
}

// pdfString escapes s for a PDF literal string and replaces what the
// standard font cannot show.
func pdfString(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '(' || r == ')' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\u2013' || r == '\u2014':
			b.WriteByte('-')
		case r == '\u2019':
			b.WriteByte('\'')
		case r < 0x20 || r > 0x7e:
			b.WriteByte('?')
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// pngPlan draws a floor plan w x h pixels: an outer wall split into rooms,
// and devices as red squares, encoded as a paletted PNG.
func pngPlan(w, h, rooms int, devices [][2]int) []byte {
	palette := color.Palette{
		color.RGBA{0xff, 0xff, 0xff, 0xff}, // paper
		color.RGBA{0x33, 0x3d, 0x4a, 0xff}, // walls
		color.RGBA{0xb3, 0x26, 0x1e, 0xff}, // devices
		color.RGBA{0xe8, 0xef, 0xf7, 0xff}, // corridor
	}
	img := image.NewPaletted(image.Rect(0, 0, w, h), palette)
	fill := func(x0, y0, x1, y1 int, c uint8) {
		for y := max(y0, 0); y < min(y1, h); y++ {
			for x := max(x0, 0); x < min(x1, w); x++ {
				img.SetColorIndex(x, y, c)
			}
		}
	}
	fill(4, h/2-10, w-4, h/2+10, 3) // corridor along the middle
	fill(4, 4, w-4, 7, 1)
	fill(4, h-7, w-4, h-4, 1)
	fill(4, 4, 7, h-4, 1)
	fill(w-7, 4, w-4, h-4, 1)
	for i := 1; i < rooms; i++ {
		x := 4 + i*(w-8)/rooms
		fill(x-1, 4, x+2, h/2-10, 1)
		fill(x-1, h/2+10, x+2, h-4, 1)
	}
	for _, d := range devices {
		fill(d[0]-3, d[1]-3, d[0]+3, d[1]+3, 2)
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		panic("demo: encoding a PNG in memory cannot fail: " + err.Error())
	}
	return b.Bytes()
}

// pngLogo draws the demo contractor's logo: a flame in a shield on the
// brand's red, 96 x 96 pixels, so the portal's header shows a real image.
func pngLogo() []byte {
	const size = 96
	palette := color.Palette{
		color.RGBA{0xff, 0xff, 0xff, 0x00}, // transparent
		color.RGBA{0xb3, 0x26, 0x1e, 0xff}, // shield
		color.RGBA{0xff, 0xff, 0xff, 0xff}, // flame
		color.RGBA{0xf5, 0xa6, 0x23, 0xff}, // flame core
	}
	img := image.NewPaletted(image.Rect(0, 0, size, size), palette)
	for y := 0; y < size; y++ {
		for x := 0; x < size; x++ {
			dx, fy := float64(x-size/2), float64(y)
			// Shield: a square top that narrows to a point at the bottom.
			half := 40.0
			if fy > 50 {
				half = 40 * (92 - fy) / 42
			}
			if fy < 6 || fy > 92 || dx < -half || dx > half {
				continue
			}
			img.SetColorIndex(x, y, 1)
			// Flame: a teardrop, wide at the bottom, pointed at the top.
			if fy > 20 && fy < 78 {
				r := 18 * (fy - 20) / 58
				if fy > 64 {
					r = 18 * math.Sqrt(1-((fy-64)/14)*((fy-64)/14))
				}
				if dx*dx < r*r {
					img.SetColorIndex(x, y, 2)
					if dx*dx < r*r/4 && fy > 48 {
						img.SetColorIndex(x, y, 3)
					}
				}
			}
		}
	}
	var buf bytes.Buffer
	png.Encode(&buf, img)
	return buf.Bytes()
}
