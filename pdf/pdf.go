// Package pdf draws the printouts customers download: jobs, quotes,
// invoices and statements. It writes the PDF itself (canvas.go), using
// the gofpdf library only for the fonts' widths; its printouts are plain
// functions taking domain types, composed from a small layout of this package: the letterhead
// and page numbers on every page, party blocks, fields, paragraphs, a
// lines table and totals.
package pdf

import (
	"bytes"
	"crypto/sha256"
	"errors"
	"fmt"
	"image"
	"image/color"
	_ "image/jpeg" // logos are PNG or JPEG
	"image/png"
	"strconv"
	"sync"
	"time"

	"golang.org/x/image/draw"
)

// Letterhead is the organisation as every page of a printout shows it.
type Letterhead struct {
	Name string
	// Logo is the organisation's logo image, PNG or JPEG, or nil. An image
	// that does not decode is left out rather than failing the printout.
	Logo []byte
	// Details are the lines under the name: address, phone, email, tax
	// number, whichever the organisation has.
	Details []string
	// Accent is the organisation's accent colour ("#rrggbb"): the band
	// under the letterhead is drawn in it. "" (or not a colour) draws the
	// thin grey rule.
	Accent string
}

// Options are what every printout of an organisation shares.
type Options struct {
	Letterhead Letterhead
	// Currency is the ISO code amounts are written in (GBP: £1,234.50).
	Currency string
	// Zone is the organisation's time zone: times are written in it.
	Zone *time.Location
	// Created is when the printout is made: its metadata's creation date,
	// and the day a quote's validity is judged on. Tests fix it so the
	// same record gives the same text.
	Created time.Time
}

// Party is a block of the printout naming someone or somewhere: the
// customer, the site. Lines are its address and other details.
type Party struct {
	Label string
	Name  string
	Lines []string
}

// The page: A4 with these margins (mm). The page number sits in the
// bottom margin.
const (
	marginSide   = 15.0
	marginTop    = 12.0
	marginBottom = 18.0
	gridSize     = 12
	pageWidth    = 210.0
	pageHeight   = 297.0
	contentWidth = pageWidth - 2*marginSide
)

// Text is drawn in the body font at bodySize, lineHeight apart (mm).
const (
	bodySize = 9.0
	// lineHeight is the height of one line of body text (mm).
	lineHeight = 4.2
)

// doc is one printout being drawn: the blocks of layout.go draw rows
// straight onto the canvas's pages, and bytes finishes the file.
// Drawing as rows are added, with no tree of components in between,
// keeps a printout to a few milliseconds and a statement of a big
// customer's year (190,000 entries) to about a second.
type doc struct {
	c     canvas
	fonts *fontSet
	opt   Options
	// used is the height filled on the current page, letterheadUsed the
	// letterhead's share of it (see add).
	used, letterheadUsed float64
	// lhRows draw the letterhead at the top of each page.
	lhRows []func(y float64)
	// buf is reused to write text in the standard fonts' encoding.
	buf []byte
	// grey is whether text is drawn grey now.
	grey bool
	// moneyPrefix is what money writes before an amount's digits, and
	// before a negative amount's (see money).
	moneyPrefix *[2]string
}

// errNeedsUnicode stops a printout drawn in the standard fonts at the
// first character they cannot write; render draws it again in the
// embedded Go fonts.
var errNeedsUnicode = errors.New("pdf: text beyond the standard fonts")

// render draws a printout titled title (the PDF's metadata). It draws
// in the PDF standard fonts (Helvetica), which every reader has, so
// nothing is embedded: most printouts are written wholly in Western
// European characters (cp1252). At the first character those fonts
// cannot write (Greek, Cyrillic, Polish, U+FFFD) it starts again in the
// Go fonts, embedded, which cover them. A panic while drawing is an
// error here, never a crashed request.
func render(opt Options, title string, draw func(d *doc)) ([]byte, error) {
	out, err := renderIn(standardFonts(), opt, title, draw)
	if errors.Is(err, errNeedsUnicode) {
		out, err = renderIn(goFonts(), opt, title, draw)
	}
	return out, err
}

func renderIn(fs *fontSet, opt Options, title string, draw func(d *doc)) (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok && errors.Is(e, errNeedsUnicode) {
				out, err = nil, errNeedsUnicode
				return
			}
			out, err = nil, fmt.Errorf("pdf: render: %v", r)
		}
	}()
	d := newDoc(fs, opt, title)
	draw(d)
	return d.bytes()
}

// newDoc starts a printout: the canvas, the metadata and the first page
// with its letterhead.
func newDoc(fs *fontSet, opt Options, title string) *doc {
	if opt.Zone == nil {
		opt.Zone = time.UTC
	}
	m := meta{title: clean(title), author: clean(opt.Letterhead.Name), created: opt.Created}
	d := &doc{fonts: fs, opt: opt}
	d.c = newStdCanvas(fs, m)
	d.letterhead()
	d.newPage()
	return d
}

// newPage starts a page with the letterhead.
func (d *doc) newPage() {
	d.c.addPage()
	d.grey = false
	for _, r := range d.lhRows {
		r(0)
	}
	d.used = d.letterheadUsed
}

// bytes adds the page numbers ("Page 2 of 5", once the pages are
// counted) and renders the printout.
func (d *doc) bytes() ([]byte, error) {
	n := d.c.pages()
	for p := 1; p <= n; p++ {
		d.c.setPage(p)
		d.grey = false
		d.text("Page "+strconv.Itoa(p)+" of "+strconv.Itoa(n), 0, contentWidth, pageRoom, style{size: 8, grey: true, align: alignCenter})
	}
	out, err := d.c.output()
	if err != nil {
		return nil, fmt.Errorf("pdf: render: %w", err)
	}
	return out, nil
}

// logoCache keeps the logos already made printable, by the SHA-256 of
// what was stored: an organisation's logo changes rarely and every
// printout draws it.
var logoCache = struct {
	sync.Mutex
	m map[[32]byte][]byte
}{m: map[[32]byte][]byte{}}

// maxLogoPixels bounds the logo's longer side: the header shows it about
// 25 mm wide, and a photo-sized logo would weigh down every printout.
const maxLogoPixels = 600

// printableLogo returns the logo as an 8-bit non-interlaced RGB PNG,
// whose compressed data a PDF embeds as it is (stdCanvas.setLogo), or nil
// when the bytes are not a PNG or JPEG image that decodes. It is opaque,
// laid on the page's white: one with transparency would need its colours
// and alpha split and compressed again in every document.
func printableLogo(data []byte) []byte {
	if len(data) == 0 {
		return nil
	}
	sum := sha256.Sum256(data)
	logoCache.Lock()
	out, ok := logoCache.m[sum]
	logoCache.Unlock()
	if ok {
		return out
	}
	out = reencodeLogo(data)
	logoCache.Lock()
	if len(logoCache.m) >= 64 { // a logo for each organisation; a simple bound
		clear(logoCache.m)
	}
	logoCache.m[sum] = out
	logoCache.Unlock()
	return out
}

func reencodeLogo(data []byte) []byte {
	src, format, err := image.Decode(bytes.NewReader(data))
	if err != nil || (format != "png" && format != "jpeg") {
		return nil
	}
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	if w == 0 || h == 0 {
		return nil
	}
	if longer := max(w, h); longer > maxLogoPixels {
		w, h = max(1, w*maxLogoPixels/longer), max(1, h*maxLogoPixels/longer)
	}
	dst := image.NewRGBA(image.Rect(0, 0, w, h))
	draw.Draw(dst, dst.Bounds(), image.NewUniform(color.White), image.Point{}, draw.Src)
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Over, nil)
	var buf bytes.Buffer
	if err := png.Encode(&buf, dst); err != nil {
		return nil
	}
	return buf.Bytes()
}
