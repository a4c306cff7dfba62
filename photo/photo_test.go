package photo

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"strings"
	"testing"

	"github.com/fieldportal/fieldportal"
)

// MustPNG makes a w×h PNG.
func MustPNG(tb testing.TB, w, h int) []byte {
	tb.Helper()
	m := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := range h {
		for x := range w {
			m.SetNRGBA(x, y, color.NRGBA{R: uint8(x), G: uint8(y), B: 90, A: 255})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, m); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// withOrientation is a w×h JPEG with an EXIF orientation.
func withOrientation(tb testing.TB, w, h, o int) []byte {
	tb.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, image.NewRGBA(image.Rect(0, 0, w, h)), nil); err != nil {
		tb.Fatal(err)
	}
	// APP1: "Exif\0\0", a big-endian TIFF header, one entry 0x0112.
	tiff := []byte{'M', 'M', 0, 42, 0, 0, 0, 8, 0, 1, 0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, byte(o), 0, 0, 0, 0, 0, 0}
	seg := append([]byte("Exif\x00\x00"), tiff...)
	n := len(seg) + 2
	app1 := append([]byte{0xFF, 0xE1, byte(n >> 8), byte(n)}, seg...)
	b := buf.Bytes()
	return append(append(append([]byte{}, b[:2]...), app1...), b[2:]...)
}

func dims(tb testing.TB, b []byte) (int, int) {
	tb.Helper()
	cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
	if err != nil {
		tb.Fatal(err)
	}
	return cfg.Width, cfg.Height
}

func TestMake(t *testing.T) {
	t.Run("a wide PNG is scaled to the display and thumbnail sizes", func(t *testing.T) {
		m, err := Make(bytes.NewReader(MustPNG(t, 2000, 1000)), "image/png", "photo")
		if err != nil {
			t.Fatal(err)
		}
		if w, h := dims(t, m.Display); w != 1280 || h != 640 {
			t.Errorf("display %d×%d, want 1280×640", w, h)
		}
		if w, h := dims(t, m.Thumb); w != 320 || h != 160 {
			t.Errorf("thumb %d×%d, want 320×160", w, h)
		}
		if m.Width != 2000 || m.Height != 1000 {
			t.Errorf("size %d×%d", m.Width, m.Height)
		}
	})
	t.Run("a small photo keeps its size", func(t *testing.T) {
		m, err := Make(bytes.NewReader(MustPNG(t, 200, 100)), "image/png", "photo")
		if err != nil {
			t.Fatal(err)
		}
		if w, h := dims(t, m.Display); w != 200 || h != 100 {
			t.Errorf("display %d×%d, want 200×100", w, h)
		}
	})
	t.Run("a JPEG turned by EXIF is made upright", func(t *testing.T) {
		b := withOrientation(t, 400, 200, 6)
		if o := Orientation(bytes.NewReader(b)); o != 6 {
			t.Fatalf("orientation %d, want 6", o)
		}
		m, err := Make(bytes.NewReader(b), "image/jpeg", "photo")
		if err != nil {
			t.Fatal(err)
		}
		if w, h := dims(t, m.Display); w != 200 || h != 400 {
			t.Errorf("display %d×%d, want 200×400", w, h)
		}
		if m.Width != 200 || m.Height != 400 {
			t.Errorf("size %d×%d, want 200×400", m.Width, m.Height)
		}
	})
	for name, c := range map[string]struct {
		data  []byte
		ctype string
	}{
		"a PDF":                {[]byte("%PDF-1.4\n"), "application/pdf"},
		"a broken PNG":         {MustPNG(t, 10, 10)[:40], "image/png"},
		"text claiming a JPEG": {[]byte("not a photo at all"), "image/jpeg"},
	} {
		t.Run(name+" is refused naming the field", func(t *testing.T) {
			_, err := Make(bytes.NewReader(c.data), c.ctype, "photo")
			var fe *fieldportal.Error
			if !errors.As(err, &fe) || fe.Code != fieldportal.EINVALID || fe.Field != "photo" {
				t.Fatalf("err = %v, want EINVALID naming photo", err)
			}
		})
	}
}

func TestMakeRefusesTooManyPixels(t *testing.T) {
	// A PNG header claiming 10,000 × 6,000 pixels, and nothing more: it is
	// refused before anything is decoded.
	var buf bytes.Buffer
	png.Encode(&buf, image.NewGray(image.Rect(0, 0, 10000, 6000)))
	_, err := Make(bytes.NewReader(buf.Bytes()[:64]), "image/png", "photo")
	var fe *fieldportal.Error
	if !errors.As(err, &fe) || fe.Field != "photo" || !strings.Contains(fe.Message, "50 megapixels") {
		t.Fatalf("err = %v, want the pixels refused naming photo", err)
	}
}
