package demo

import (
	"bytes"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"

	"golang.org/x/image/draw"
	"golang.org/x/image/font"
	"golang.org/x/image/font/basicfont"
	"golang.org/x/image/math/fixed"
)

// Pictures made in code, so the demo ships no image files: a profile
// photo of each technician and the photos of the visit reports.

// avatarColours are the profile backgrounds, one per technician.
var avatarColours = []color.RGBA{
	{0x1f, 0x5f, 0x8b, 0xff}, {0x2e, 0x7d, 0x32, 0xff}, {0x8e, 0x24, 0xaa, 0xff},
	{0xb3, 0x26, 0x1e, 0xff}, {0x00, 0x69, 0x6f, 0xff}, {0x5d, 0x40, 0x37, 0xff},
}

// avatarPNG is a 96 px square of colour i with the initials in white:
// drawn at 24 px in the standard library's bitmap face and scaled up.
func avatarPNG(initials string, i int) []byte {
	const small, size = 24, 96
	bg := avatarColours[i%len(avatarColours)]
	img := image.NewRGBA(image.Rect(0, 0, small, small))
	draw.Draw(img, img.Bounds(), image.NewUniform(bg), image.Point{}, draw.Src)
	face := basicfont.Face7x13
	d := font.Drawer{Dst: img, Src: image.White, Face: face}
	w := d.MeasureString(initials).Round()
	d.Dot = fixed.P((small-w)/2, (small+face.Ascent-face.Descent)/2)
	d.DrawString(initials)
	big := image.NewRGBA(image.Rect(0, 0, size, size))
	draw.NearestNeighbor.Scale(big, big.Bounds(), img, img.Bounds(), draw.Src, nil)
	var buf bytes.Buffer
	if err := png.Encode(&buf, big); err != nil {
		panic(err) // encoding to memory cannot fail
	}
	return buf.Bytes()
}

// subjectColours colour the equipment of a photo by its work.
var subjectColours = map[string]color.RGBA{
	"door": {0x9c, 0x2b, 0x23, 0xff}, "cctv": {0x37, 0x3b, 0x44, 0xff}, "emergency light": {0xf2, 0xf2, 0xee, 0xff},
	"extinguisher": {0xc6, 0x28, 0x28, 0xff}, "sprinkler": {0xb7, 0x1c, 0x1c, 0xff}, "": {0xd3, 0x2f, 0x2f, 0xff},
}

// sitePhotoJPEG is a 640 by 480 picture standing in for a technician's
// photo: a lit wall, a floor, and the equipment of the work (a box with
// indicator lamps) placed by n, so each photo differs. Small, so the
// demo starts fast; a gallery shows it as it would a phone's.
func sitePhotoJPEG(subject string, n int) []byte {
	const w, h = 640, 480
	img := image.NewRGBA(image.Rect(0, 0, w, h))
	floor := h * 3 / 4
	for y := range h {
		row := img.Pix[y*img.Stride : y*img.Stride+4*w]
		for x := range w {
			// A warm wall lit from the top left, a grey floor; a faint
			// grain so the JPEG looks like a photo, not a drawing.
			grain := (x*7 + y*13 + n*5) % 9
			var r, g, b int
			if y < floor {
				light := 48 - (x+y)/30
				r, g, b = 170+light/2+grain, 165+light/2+grain, 150+light/3+grain
			} else {
				r, g, b = 95+grain+(y-floor)/6, 98+grain+(y-floor)/6, 104+grain
			}
			px := row[4*x : 4*x+4]
			px[0], px[1], px[2], px[3] = uint8(r), uint8(g), uint8(b), 0xff
		}
	}
	body := subjectColours[subject]
	bw, bh := 210+30*(n%3), 160+24*(n%2)
	x0, y0 := 96+88*(n%4), 88+16*(n%3)
	box := image.Rect(x0, y0, x0+bw, y0+bh)
	fill := func(r image.Rectangle, c color.RGBA) { draw.Draw(img, r, image.NewUniform(c), image.Point{}, draw.Src) }
	fill(box.Add(image.Pt(11, 11)), color.RGBA{90, 88, 80, 0xff}) // its shadow
	fill(box, body)
	fill(image.Rect(x0+20, y0+20, x0+bw-20, y0+bh/2), color.RGBA{0x20, 0x28, 0x30, 0xff})
	lamps := []color.RGBA{{0x43, 0xa0, 0x47, 0xff}, {0x43, 0xa0, 0x47, 0xff}, {0xff, 0xc1, 0x07, 0xff}, {0x90, 0x90, 0x90, 0xff}}
	for k, c := range lamps {
		lx, ly := x0+28+k*32, y0+bh/2+24
		fill(image.Rect(lx, ly, lx+18, ly+18), c)
	}
	// A conduit from the box to the ceiling.
	fill(image.Rect(x0+bw/2-6, 0, x0+bw/2+6, y0), color.RGBA{0xee, 0xee, 0xe8, 0xff})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80}); err != nil {
		panic(err) // encoding to memory cannot fail
	}
	return buf.Bytes()
}
