package photo

import (
	"encoding/binary"
	"errors"
	"image"
	"image/color"
	"image/png"
	"io"
	"sync"
)

// MaxDecodeBytes bounds the memory that the photos decoded at once may
// hold, and so what one photo may need. Pixels alone do not bound it: a
// 16-bit PNG holds 8 bytes a pixel, an interlaced one its passes too,
// and a progressive JPEG 4 bytes a pixel a component of coefficients on
// top of its picture. A phone's 48 megapixel photo needs 75 MB
// (progressive, 370 MB).
const MaxDecodeBytes = 400 << 20

// decoding is the memory budget the decodes in progress share.
var decoding = newBudget(MaxDecodeBytes)

// budget is a counted amount of memory that decodes take and give back;
// a take waits until enough is free.
type budget struct {
	mu   sync.Mutex
	cond *sync.Cond
	free int64
}

func newBudget(n int64) *budget {
	b := &budget{free: n}
	b.cond = sync.NewCond(&b.mu)
	return b
}

func (b *budget) take(n int64) {
	b.mu.Lock()
	for b.free < n {
		b.cond.Wait()
	}
	b.free -= n
	b.mu.Unlock()
}

func (b *budget) give(n int64) {
	b.mu.Lock()
	b.free += n
	b.mu.Unlock()
	b.cond.Broadcast()
}

var errHeader = errors.New("photo: unreadable header")

// decodeCost estimates from a photo's header the bytes its decoding
// holds at its peak, or errHeader. r is read from its start.
func decodeCost(r io.ReadSeeker, ctype string) (int64, error) {
	if _, err := r.Seek(0, io.SeekStart); err != nil {
		return 0, err
	}
	switch ctype {
	case "image/jpeg":
		return jpegCost(r)
	case "image/png":
		cfg, err := png.DecodeConfig(r)
		if err != nil {
			return 0, errHeader
		}
		px := int64(cfg.Width) * int64(cfg.Height)
		var bpp int64
		switch cfg.ColorModel {
		case color.GrayModel:
			bpp = 1
		case color.Gray16Model:
			bpp = 2
		case color.RGBAModel, color.NRGBAModel:
			bpp = 4
		default: // 16-bit colour, or a palette (1 byte, counted high)
			bpp = 8
			if _, ok := cfg.ColorModel.(color.Palette); ok {
				bpp = 1
			}
		}
		// The interlace method, the IHDR's last byte: the decoder holds
		// each pass's picture besides the whole.
		var hdr [29]byte
		if _, err := r.Seek(0, io.SeekStart); err != nil {
			return 0, err
		}
		if _, err := io.ReadFull(r, hdr[:]); err != nil {
			return 0, errHeader
		}
		if hdr[28] == 1 {
			bpp *= 2
		}
		return px * bpp, nil
	case "image/gif":
		cfg, err := decodeConfig(r, ctype)
		return int64(cfg.Width) * int64(cfg.Height), err
	}
	// WebP: at most 4 bytes a pixel (lossless NRGBA).
	cfg, err := decodeConfig(r, ctype)
	return 4 * int64(cfg.Width) * int64(cfg.Height), err
}

func decodeConfig(r io.Reader, ctype string) (image.Config, error) {
	dc, _ := decoders(ctype)
	cfg, err := dc(r)
	if err != nil {
		return cfg, errHeader
	}
	return cfg, nil
}

// jpegCost reads a JPEG's frame header: its components' sampling gives
// the picture's bytes (image/jpeg's planes), a progressive frame adds
// its coefficients (4 bytes each, one per pixel of each plane, in whole
// blocks), and four components add the CMYK picture converted to.
func jpegCost(r io.Reader) (int64, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:2]); err != nil || hdr[0] != 0xFF || hdr[1] != 0xD8 {
		return 0, errHeader
	}
	for range 64 {
		if _, err := io.ReadFull(r, hdr[:2]); err != nil || hdr[0] != 0xFF {
			return 0, errHeader
		}
		marker := hdr[1]
		if marker == 0xFF { // fill byte
			continue
		}
		if _, err := io.ReadFull(r, hdr[2:4]); err != nil {
			return 0, errHeader
		}
		n := int(binary.BigEndian.Uint16(hdr[2:4]))
		if n < 2 {
			return 0, errHeader
		}
		seg := make([]byte, n-2)
		if _, err := io.ReadFull(r, seg); err != nil {
			return 0, errHeader
		}
		// SOF0-SOF15 but DHT (C4), JPG (C8) and DAC (CC).
		if marker < 0xC0 || marker > 0xCF || marker == 0xC4 || marker == 0xC8 || marker == 0xCC {
			continue
		}
		if len(seg) < 6 {
			return 0, errHeader
		}
		h, w, nc := int64(binary.BigEndian.Uint16(seg[1:])), int64(binary.BigEndian.Uint16(seg[3:])), int(seg[5])
		if nc < 1 || len(seg) < 6+3*nc {
			return 0, errHeader
		}
		var hmax, vmax int64 = 1, 1
		for i := range nc {
			f := seg[6+3*i+1]
			hmax, vmax = max(hmax, int64(f>>4)), max(vmax, int64(f&0x0F))
		}
		// Planes are whole blocks of each component's sampling.
		mcuW, mcuH := (w+8*hmax-1)/(8*hmax), (h+8*vmax-1)/(8*vmax)
		var planes int64
		for i := range nc {
			f := seg[6+3*i+1]
			planes += mcuW * int64(f>>4) * mcuH * int64(f&0x0F) * 64
		}
		cost := planes
		progressive := marker == 0xC2 || marker == 0xC6 || marker == 0xCA || marker == 0xCE
		if progressive {
			cost += 4 * planes
		}
		if nc == 4 {
			cost += 4 * w * h
		}
		return cost, nil
	}
	return 0, errHeader
}
