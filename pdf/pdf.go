// Package pdf draws the printouts customers download: jobs and quotes now,
// invoices and statements later (issue 17). It is the one package that
// knows the PDF library (maroto); its printouts are plain functions taking
// domain types, composed from a small layout of this package: the
// letterhead and page numbers on every page, party blocks, fields,
// paragraphs, a lines table and totals.
package pdf

import (
	"bytes"
	"crypto/sha256"
	"fmt"
	"image"
	_ "image/jpeg" // logos are PNG or JPEG
	"image/png"
	"slices"
	"sync"
	"time"

	"github.com/johnfercher/maroto/v2"
	"github.com/johnfercher/maroto/v2/pkg/config"
	"github.com/johnfercher/maroto/v2/pkg/consts/fontstyle"
	"github.com/johnfercher/maroto/v2/pkg/consts/pagesize"
	"github.com/johnfercher/maroto/v2/pkg/core"
	"github.com/johnfercher/maroto/v2/pkg/core/entity"
	"github.com/johnfercher/maroto/v2/pkg/props"
	"golang.org/x/image/draw"
	"golang.org/x/image/font/gofont/gobold"
	"golang.org/x/image/font/gofont/goregular"
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

// Fonts: the Go fonts, which ship as Go packages (no font files to keep)
// and cover Latin, Greek and Cyrillic; a character they lack is still in
// the text, so it can be copied and searched.
const (
	family   = "go"
	bodySize = 9.0
	// lineHeight is the height of one line of body text (mm).
	lineHeight = 4.2
)

// customFonts are the fonts of one document, each on its own copy of the
// font's bytes: the library, writing the font's subset into the PDF,
// pads tables by appending to slices of those bytes, which would write
// into a shared array from concurrent renders.
func customFonts() []*entity.CustomFont {
	return []*entity.CustomFont{
		{Family: family, Style: fontstyle.Normal, Bytes: slices.Clone(goregular.TTF)},
		{Family: family, Style: fontstyle.Bold, Bytes: slices.Clone(gobold.TTF)},
	}
}

// doc is one printout being laid out: the blocks of layout.go add rows to
// it, and bytes renders it.
type doc struct {
	m   core.Maroto
	opt Options
	// used is the height filled on the current page, letterheadUsed the
	// letterhead's share of it (see add).
	used, letterheadUsed float64
}

// newDoc starts a printout with its title (the PDF's metadata) and the
// letterhead on every page.
func newDoc(opt Options, title string) (*doc, error) {
	if opt.Zone == nil {
		opt.Zone = time.UTC
	}
	b := config.NewBuilder().
		WithPageSize(pagesize.A4).
		WithLeftMargin(marginSide).WithRightMargin(marginSide).
		WithTopMargin(marginTop).WithBottomMargin(marginBottom).
		WithCustomFonts(customFonts()).
		WithDefaultFont(&props.Font{Family: family, Style: fontstyle.Normal, Size: bodySize, Color: &props.BlackColor}).
		WithPageNumber(props.PageNumber{Pattern: "Page {current} of {total}", Place: props.Bottom, Size: 8, Color: grey}).
		WithTitle(clean(title), true).
		WithAuthor(clean(opt.Letterhead.Name), true).
		WithCreator("fieldportal", false)
	if !opt.Created.IsZero() {
		b = b.WithCreationDate(opt.Created)
	}
	d := &doc{m: maroto.New(b.Build()), opt: opt}
	if err := d.m.RegisterHeader(d.letterhead()...); err != nil {
		return nil, fmt.Errorf("pdf: letterhead: %w", err)
	}
	return d, nil
}

// bytes renders the printout. The library panics on some input it cannot
// draw; that is an error here, never a crashed request.
func (d *doc) bytes() (out []byte, err error) {
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, fmt.Errorf("pdf: render: %v", r)
		}
	}()
	res, err := d.m.Generate()
	if err != nil {
		return nil, fmt.Errorf("pdf: render: %w", err)
	}
	return res.GetBytes(), nil
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

// printableLogo returns the logo as an 8-bit non-interlaced PNG the PDF
// library can always embed (it draws "could not add image" into the page
// for a 16-bit or interlaced PNG), or nil when the bytes are not a PNG or
// JPEG image that decodes.
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
	dst := image.NewNRGBA(image.Rect(0, 0, w, h))
	draw.ApproxBiLinear.Scale(dst, dst.Bounds(), src, b, draw.Src, nil)
	var buf bytes.Buffer
	if err := png.Encode(&buf, dst); err != nil {
		return nil
	}
	return buf.Bytes()
}
