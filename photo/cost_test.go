package photo

import (
	"bytes"
	"encoding/binary"
	"errors"
	"hash/crc32"
	"strings"
	"testing"
	"time"

	"github.com/fieldportal/fieldportal"
)

// pngHeader is the start of a PNG claiming w×h pixels of a bit depth and
// colour type (6: RGBA), interlaced or not, and nothing more.
func pngHeader(w, h uint32, depth, colourType, interlace byte) []byte {
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9], ihdr[12] = depth, colourType, interlace
	b := []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR")
	b = append(b, ihdr...)
	return binary.BigEndian.AppendUint32(b, crc32.ChecksumIEEE(append([]byte("IHDR"), ihdr...)))
}

// jpegHeader is the start of a JPEG claiming w×h pixels: its frame
// (sof: 0xC0 baseline, 0xC2 progressive) with three components, the
// first sampled h×v, after a JFIF header, and nothing more.
func jpegHeader(sof byte, w, h int, hv byte) []byte {
	seg := []byte{8, byte(h >> 8), byte(h), byte(w >> 8), byte(w), 3, 1, hv, 0, 2, 0x11, 0, 3, 0x11, 0}
	// SOI, then a JFIF APP0 (so that image/jpeg reads no further for
	// the configuration), then the frame.
	b := []byte{0xFF, 0xD8, 0xFF, 0xE0, 0, 16, 'J', 'F', 'I', 'F', 0, 1, 1, 0, 0, 1, 0, 1, 0, 0}
	b = append(b, 0xFF, sof, 0, byte(len(seg)+2))
	return append(b, seg...)
}

// TestMakeBoundsDecodedMemory: a photo under the pixel limit can still
// take far more memory to decode than its pixels suggest (16 bits a
// channel, interlacing, a progressive JPEG's coefficients: 4 bytes a
// pixel a component on top of the picture). A photo whose decoding would
// take more than MaxDecodeBytes is refused from its header, before
// anything is decoded; a phone's 48 megapixel photo is not. The photos
// decoded at once share MaxDecodeBytes (TestBudget).
func TestMakeBoundsDecodedMemory(t *testing.T) {
	for name, c := range map[string]struct {
		data  []byte
		ctype string
	}{
		"an interlaced 16-bit RGBA PNG of 49 megapixels":      {pngHeader(7000, 7000, 16, 6, 1), "image/png"},
		"a progressive JPEG of 45 megapixels, not subsampled": {jpegHeader(0xC2, 7500, 6000, 0x11), "image/jpeg"},
	} {
		t.Run(name+" is refused from its header", func(t *testing.T) {
			_, err := Make(bytes.NewReader(c.data), c.ctype, "photo")
			var fe *fieldportal.Error
			if !errors.As(err, &fe) || fe.Field != "photo" || !strings.Contains(fe.Message, "too large to process") {
				t.Fatalf("err = %v, want the photo refused as too large to process, naming photo", err)
			}
		})
	}
	for name, c := range map[string]struct {
		data  []byte
		ctype string
	}{
		"a phone's 48 megapixel JPEG":                 {jpegHeader(0xC0, 8064, 6048, 0x22), "image/jpeg"},
		"a progressive 48 megapixel JPEG, subsampled": {jpegHeader(0xC2, 8064, 6048, 0x22), "image/jpeg"},
		"an 8-bit RGBA PNG of 49 megapixels":          {pngHeader(7000, 7000, 8, 6, 0), "image/png"},
		"a 16-bit RGBA PNG of 49 megapixels":          {pngHeader(7000, 7000, 16, 6, 0), "image/png"},
	} {
		t.Run(name+" is within the budget", func(t *testing.T) {
			cost, err := decodeCost(bytes.NewReader(c.data), c.ctype)
			if err != nil || cost <= 0 || cost > MaxDecodeBytes {
				t.Fatalf("cost %d MB, %v; want within %d MB", cost>>20, err, MaxDecodeBytes>>20)
			}
		})
	}
}

// TestBudget: photos decoded at once never hold more than the budget; a
// decode waits until what it needs is free.
func TestBudget(t *testing.T) {
	b := newBudget(100)
	b.take(60)
	got := make(chan struct{})
	go func() {
		b.take(50)
		close(got)
	}()
	select {
	case <-got:
		t.Fatal("60 + 50 taken of a budget of 100")
	case <-time.After(50 * time.Millisecond):
	}
	b.give(60)
	select {
	case <-got:
	case <-time.After(5 * time.Second):
		t.Fatal("the second take still waits after the first gave back")
	}
}
