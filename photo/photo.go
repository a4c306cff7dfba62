// Package photo makes the page sizes of a photo (a visit report's): it
// decodes the original once, turns it upright by its EXIF orientation,
// and encodes a display size and a thumbnail as JPEG with
// golang.org/x/image/draw. The originals are kept as sent; these are
// what pages show.
package photo

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/gif"
	"image/jpeg"
	"image/png"
	"io"

	"golang.org/x/image/draw"
	"golang.org/x/image/webp"

	"github.com/fieldportal/fieldportal"
)

// The sizes made: the longer side of each, in pixels.
const (
	DisplaySize = 1280
	ThumbSize   = 320
	// MaxPixels bounds the pixels decoded (a small file may claim a
	// huge picture): 50 megapixels, what the largest phone cameras take.
	// The memory decoding takes is bounded too (MaxDecodeBytes).
	MaxPixels = 50_000_000
)

// Types are the content types a photo may have, as detected from its
// bytes: those this package decodes.
var Types = map[string]bool{"image/jpeg": true, "image/png": true, "image/webp": true, "image/gif": true}

// Made is what Make makes of a photo.
type Made struct {
	// Width and Height are the upright original's.
	Width, Height int
	// Display and Thumb are JPEG images at most DisplaySize and
	// ThumbSize on their longer side.
	Display, Thumb []byte
}

// Make reads a photo of content type ctype from r and makes its sizes.
// A file that is not a photo it can read is an EINVALID error naming
// field.
func Make(r io.ReadSeeker, ctype, field string) (*Made, error) {
	if !Types[ctype] {
		return nil, fieldportal.FieldErrorf(field, "The photo must be a JPEG, PNG, WebP or GIF image.")
	}
	decodeConfig, decode := decoders(ctype)
	cfg, err := decodeConfig(r)
	if err != nil {
		return nil, fieldportal.FieldErrorf(field, "The photo could not be read as an image.")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || int64(cfg.Width)*int64(cfg.Height) > MaxPixels {
		return nil, fieldportal.FieldErrorf(field, "The photo is too large in pixels: at most 50 megapixels.")
	}
	// What decoding holds, from the header: refused past the budget,
	// else taken from it (decodes together share it).
	cost, err := decodeCost(r, ctype)
	if err != nil {
		return nil, fieldportal.FieldErrorf(field, "The photo could not be read as an image.")
	}
	if cost > MaxDecodeBytes {
		return nil, fieldportal.FieldErrorf(field, "The photo is too large to process: send it with fewer pixels, or as an ordinary (baseline) JPEG.")
	}
	decoding.take(cost)
	defer decoding.give(cost)
	orientation := 1
	if ctype == "image/jpeg" {
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return nil, err
		}
		orientation = Orientation(r)
	}
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	img, err := decode(r)
	if err != nil {
		return nil, fieldportal.FieldErrorf(field, "The photo could not be read as an image.")
	}
	display := scale(img, DisplaySize, orientation, draw.BiLinear)
	thumb := scale(display, ThumbSize, 1, draw.CatmullRom)
	m := &Made{Width: cfg.Width, Height: cfg.Height}
	if orientation >= 5 {
		m.Width, m.Height = cfg.Height, cfg.Width
	}
	if m.Display, err = encode(display); err != nil {
		return nil, err
	}
	if m.Thumb, err = encode(thumb); err != nil {
		return nil, err
	}
	return m, nil
}

func decoders(ctype string) (func(io.Reader) (image.Config, error), func(io.Reader) (image.Image, error)) {
	switch ctype {
	case "image/png":
		return png.DecodeConfig, png.Decode
	case "image/webp":
		return webp.DecodeConfig, webp.Decode
	case "image/gif":
		return gif.DecodeConfig, gif.Decode
	}
	return jpeg.DecodeConfig, jpeg.Decode
}

// scale draws src at most side pixels on its longer side, turned by the
// EXIF orientation, over white (a transparent PNG's background).
func scale(src image.Image, side, orientation int, k *draw.Kernel) image.Image {
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if orientation >= 5 { // the picture is turned a quarter
		w, h = h, w
	}
	tw, th := w, h
	if w > side || h > side {
		if w >= h {
			tw, th = side, max(1, h*side/w)
		} else {
			tw, th = max(1, w*side/h), side
		}
	}
	// Scale the stored picture, then turn it: the turn is a cheap copy.
	sw, sh := tw, th
	if orientation >= 5 {
		sw, sh = th, tw
	}
	scaled := image.NewRGBA(image.Rect(0, 0, sw, sh))
	draw.Draw(scaled, scaled.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	k.Scale(scaled, scaled.Bounds(), src, b, draw.Over, nil)
	if orientation <= 1 || orientation > 8 {
		return scaled
	}
	return turn(scaled, orientation)
}

// turn applies an EXIF orientation (2 to 8) to m.
func turn(m *image.RGBA, orientation int) *image.RGBA {
	w, h := m.Bounds().Dx(), m.Bounds().Dy()
	ow, oh := w, h
	if orientation >= 5 {
		ow, oh = h, w
	}
	out := image.NewRGBA(image.Rect(0, 0, ow, oh))
	for y := range h {
		for x := range w {
			var nx, ny int
			switch orientation {
			case 2:
				nx, ny = w-1-x, y
			case 3:
				nx, ny = w-1-x, h-1-y
			case 4:
				nx, ny = x, h-1-y
			case 5:
				nx, ny = y, x
			case 6:
				nx, ny = h-1-y, x
			case 7:
				nx, ny = h-1-y, w-1-x
			case 8:
				nx, ny = y, w-1-x
			}
			i, j := m.PixOffset(x, y), out.PixOffset(nx, ny)
			copy(out.Pix[j:j+4], m.Pix[i:i+4])
		}
	}
	return out
}

func encode(m image.Image) ([]byte, error) {
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, &jpeg.Options{Quality: 82}); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// Orientation reads the EXIF orientation (1 to 8) of a JPEG from r; 1
// when it has none or it cannot be read. Only the segments before the
// picture are read.
func Orientation(r io.Reader) int {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:2]); err != nil || hdr[0] != 0xFF || hdr[1] != 0xD8 {
		return 1
	}
	for range 32 {
		if _, err := io.ReadFull(r, hdr[:4]); err != nil || hdr[0] != 0xFF {
			return 1
		}
		marker, n := hdr[1], int(hdr[2])<<8|int(hdr[3])
		if n < 2 || marker == 0xDA { // start of scan: no EXIF before it
			return 1
		}
		seg := make([]byte, n-2)
		if _, err := io.ReadFull(r, seg); err != nil {
			return 1
		}
		if marker == 0xE1 && len(seg) > 14 && string(seg[:6]) == "Exif\x00\x00" {
			o, err := exifOrientation(seg[6:])
			if err != nil {
				return 1
			}
			return o
		}
	}
	return 1
}

var errExif = errors.New("photo: bad EXIF")

// exifOrientation finds tag 0x0112 in the first directory of a TIFF
// header.
func exifOrientation(t []byte) (int, error) {
	var u16 func([]byte) int
	var u32 func([]byte) int
	switch string(t[:2]) {
	case "II":
		u16 = func(b []byte) int { return int(b[0]) | int(b[1])<<8 }
		u32 = func(b []byte) int { return u16(b) | u16(b[2:])<<16 }
	case "MM":
		u16 = func(b []byte) int { return int(b[0])<<8 | int(b[1]) }
		u32 = func(b []byte) int { return u16(b)<<16 | u16(b[2:]) }
	default:
		return 0, errExif
	}
	off := u32(t[4:])
	if off < 8 || off+2 > len(t) {
		return 0, errExif
	}
	count := u16(t[off:])
	for i := range count {
		e := off + 2 + i*12
		if e+12 > len(t) {
			return 0, errExif
		}
		if u16(t[e:]) == 0x0112 {
			o := u16(t[e+8:])
			if o < 1 || o > 8 {
				return 0, errExif
			}
			return o, nil
		}
	}
	return 1, nil
}
